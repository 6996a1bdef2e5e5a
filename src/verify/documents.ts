// Document-level equality: a chunk of MongoDB documents goes through the same
// mapping the sink uses (transformDocument), is COPYed into typed temp tables, and
// is compared with the target rows (and child rows) of the same keys inside one
// REPEATABLE READ snapshot, which also records both sides for the whole-table checks.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RejectedRecord } from '../ops/errors.js';
import { copyLine } from '../sink/index.js';
import { canonicalKey, legacyIdText, transformDocument, uuidFor, type Row } from '../transform/index.js';
import { copyStageSql, createStageSql, diffSql, idMapSql } from './compare-sql.js';
import { fingerprintOf } from './dead-letters.js';
import type { EnumTally } from './enums.js';
import type { Mirror } from './mirror.js';
import type { ChildRowDiff, FieldDiff, Problem } from './report.js';
import type { ComparedTable, MappingTables } from './tables.js';

type Document = Record<string, unknown>;

/** One key as observed once: its MongoDB version and what differs (nothing: equal). */
export interface Observation {
  key: string;
  /** The _id value, to read the document again; undefined when not known (a target row without id). */
  id: unknown;
  /** Canonical Extended JSON of the _id (the Kafka key); null when not known. */
  idText: string | null;
  /** Which MongoDB version was seen: see fingerprintOf. */
  fingerprint: string;
  /** That version itself (null: no document), to tell later whether PostgreSQL caught up with it. */
  doc: Document | null;
  problems: Problem[];
}

/** A key expected in the comparison although no document was read for it (deleted, or only in PostgreSQL). */
export interface AbsentKey {
  key: string;
  id: unknown;
  idText: string | null;
}

interface DiffRow {
  root: string;
  key: Record<string, string>;
  in_mongo: boolean;
  in_pg: boolean;
  fields: Array<[string, string | null, string | null]> | null;
}

export class DocumentComparer {
  constructor(
    private readonly db: pg.ClientBase,
    readonly tables: MappingTables,
    readonly mirror: Mirror,
  ) {}

  get collection(): string {
    return this.tables.mapping.collection;
  }

  async prepare(): Promise<void> {
    for (const t of [this.tables.parent, ...this.tables.children]) await this.db.query(createStageSql(t));
    for (const sql of this.mirror.createSql()) await this.db.query(sql);
  }

  /** Whether the mapping takes this document (the sink would apply it, not dead-letter it). */
  accepts(doc: Document): boolean {
    try {
      transformDocument(this.tables.mapping, doc);
      return true;
    } catch (err) {
      if (err instanceof RejectedRecord) return false;
      throw err;
    }
  }

  /**
   * Compares the documents, and the absent keys as "no document", returning every key observed.
   * `snapshot`: compare PostgreSQL as of that exported snapshot (held open elsewhere) instead of now.
   */
  async compare(docs: readonly Document[], absent: readonly AbsentKey[] = [], opts: { enums?: EnumTally; snapshot?: string } = {}): Promise<Observation[]> {
    const mapping = this.tables.mapping;
    const observed = new Map<string, Observation>();
    const accepted: Array<{ key: string; legacy: string; row: Row; children: ReturnType<typeof transformDocument>['children'] }> = [];
    for (const doc of docs) {
      const idText = canonicalKey(doc._id);
      const key = uuidFor(mapping.collection, doc._id);
      const o: Observation = { key, id: doc._id, idText, fingerprint: fingerprintOf(doc), doc, problems: [] };
      opts.enums?.observe(mapping, doc, idText);
      try {
        const { row, children } = transformDocument(mapping, doc);
        accepted.push({ key, legacy: legacyIdText(doc._id), row, children });
      } catch (err) {
        if (!(err instanceof RejectedRecord)) throw err;
        o.problems.push({ kind: 'rejected', reason: err.message });
      }
      observed.set(key, o);
    }
    for (const a of absent) if (!observed.has(a.key)) observed.set(a.key, { ...a, fingerprint: 'absent', doc: null, problems: [] });
    const acceptedKeys = accepted.map((a) => a.key);
    const rejected = new Set([...observed.values()].filter((o) => o.problems.length > 0).map((o) => o.key));
    const targetKeys = [...observed.keys()].filter((k) => !rejected.has(k));

    await this.db.query(`BEGIN ISOLATION LEVEL REPEATABLE READ${opts.snapshot === undefined ? '' : `; SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(opts.snapshot)}`}`);
    try {
      const parent = this.tables.parent;
      await this.copy(parent, accepted.map((a) => [...parent.columns.map((c) => a.row[c.column] ?? null), a.legacy]));
      for (const child of this.tables.children) {
        await this.copy(child, accepted.flatMap((a) => (a.children[child.childIndex!]?.rows ?? []).map((r) => child.columns.map((c) => r[c.column] ?? null))));
      }
      const parentDiffs = (await this.db.query<DiffRow>(diffSql(parent), [targetKeys])).rows;
      const childDiffs = new Map<ComparedTable, DiffRow[]>();
      for (const child of this.tables.children) childDiffs.set(child, (await this.db.query<DiffRow>(diffSql(child), [acceptedKeys])).rows);
      const idMap = (await this.db.query<{ key: string; found: string | null }>(idMapSql(parent, mapping.collection))).rows;
      await this.mirror.record(this.db, parent.stage, [...observed.keys()], targetKeys);
      await this.db.query('COMMIT');
      attach(observed, parentDiffs, childDiffs, idMap);
    } catch (err) {
      await this.db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return [...observed.values()];
  }

  /** Values in stageColumns() order. */
  private async copy(t: ComparedTable, rows: Array<Array<string | null>>): Promise<void> {
    if (rows.length === 0) return;
    const lines = function* () {
      for (const r of rows) yield copyLine(r);
    };
    await pipeline(Readable.from(lines()), this.db.query(copyFrom(copyStageSql(t))));
  }
}

function attach(
  observed: Map<string, Observation>,
  parentDiffs: DiffRow[],
  childDiffs: Map<ComparedTable, DiffRow[]>,
  idMap: Array<{ key: string; found: string | null }>,
): void {
  const bothSides = new Set(observed.keys());
  for (const d of parentDiffs) {
    const o = observed.get(d.root)!;
    if (d.in_mongo && !d.in_pg) o.problems.push({ kind: 'missing-row' });
    else if (!d.in_mongo && d.in_pg) o.problems.push({ kind: 'extra-row' });
    else if (d.fields) o.problems.push({ kind: 'fields', fields: fieldDiffs(d.fields) });
    if (!(d.in_mongo && d.in_pg)) bothSides.delete(d.root);
  }
  for (const [child, diffs] of childDiffs) {
    const byRoot = new Map<string, ChildRowDiff[]>();
    for (const d of diffs) {
      // A parent missing on one side already says its children are.
      if (!bothSides.has(d.root)) continue;
      const change = d.in_mongo && !d.in_pg ? 'missing' : !d.in_mongo && d.in_pg ? 'extra' : 'fields';
      const row: ChildRowDiff = { key: d.key, change, ...(change === 'fields' && d.fields ? { fields: fieldDiffs(d.fields) } : {}) };
      const rows = byRoot.get(d.root);
      if (rows) rows.push(row);
      else byRoot.set(d.root, [row]);
    }
    for (const [root, rows] of byRoot) observed.get(root)?.problems.push({ kind: 'child-rows', table: child.table, rows });
  }
  for (const m of idMap) observed.get(m.key)?.problems.push({ kind: 'id-map', expected: m.key, found: m.found });
}

function fieldDiffs(fields: Array<[string, string | null, string | null]>): FieldDiff[] {
  return fields.map(([column, mongo, postgres]) => ({ column, mongo, postgres }));
}
