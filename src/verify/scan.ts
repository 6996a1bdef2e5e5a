// One collection, streamed: MongoDB documents in _id order, compared chunk by chunk
// with their target rows; then the target rows no document accounts for. Memory holds
// one chunk plus the keys that differ; every count is exact (nothing is sampled).

import { EJSON, ObjectId, type Document } from 'bson';
import type { Db } from 'mongodb';
import pg from 'pg';
import { TidemarkError } from '../ops/errors.js';
import { canonicalKey, uuidFor } from '../transform/index.js';
import type { AbsentKey, DocumentComparer, Observation } from './documents.js';
import type { EnumTally } from './enums.js';
import type { Queryable } from './mirror.js';

const ident = (name: string) => pg.escapeIdentifier(name);

export interface ScanLimits {
  chunkSize: number;
  /** More differing keys than this means the replica is far behind or broken: verification stops (exit 2). */
  maxCandidates: number;
}

export interface ScanResult {
  countDocuments: number;
  scanned: number;
  /** Keys that differed when observed; the caller stamps them with a cluster time read after the scan. */
  differing: Observation[];
}

export async function scanCollection(
  comparer: DocumentComparer,
  mongo: Db,
  db: Queryable,
  enums: EnumTally,
  limits: ScanLimits,
): Promise<ScanResult> {
  const { collection, table } = comparer.tables.mapping;
  const source = mongo.collection(collection);
  const countDocuments = await source.countDocuments({});
  const differing: Observation[] = [];
  const keep = (observations: Observation[]) => {
    for (const o of observations) if (o.problems.length > 0) differing.push(o);
    if (differing.length > limits.maxCandidates) {
      throw new TidemarkError(
        'TM_VERIFY_TOO_MANY',
        `${collection}: more than ${limits.maxCandidates} documents differ from ${table} (verify.maxCandidates); ` +
          'the replica is far behind or not replicating (see tidemark lag)',
      );
    }
  };

  let scanned = 0;
  let chunk: Document[] = [];
  for await (const doc of source.find({}).sort({ _id: 1 }).batchSize(limits.chunkSize)) {
    chunk.push(doc);
    if (chunk.length >= limits.chunkSize) {
      scanned += chunk.length;
      keep(await comparer.compare(chunk, [], { enums }));
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    scanned += chunk.length;
    keep(await comparer.compare(chunk, [], { enums }));
  }

  for (let after: string | null = null; ; ) {
    const strays = await unaccounted(db, comparer, after, limits.chunkSize);
    if (strays.length === 0) break;
    after = strays[strays.length - 1]!.key;
    keep(await comparer.compare([], strays));
  }
  return { countDocuments, scanned, differing };
}

/** Target rows whose key the scan never met (keyset pages, so nothing is truncated). */
async function unaccounted(db: Queryable, comparer: DocumentComparer, after: string | null, limit: number): Promise<AbsentKey[]> {
  const { mapping } = comparer.tables;
  const key = ident(mapping.key.column);
  const legacy = mapping.legacyIdColumn ? `t.${ident(mapping.legacyIdColumn)}` : 'NULL::text';
  const { rows } = await db.query<{ key: string; legacy: string | null }>(
    `SELECT t.${key}::text AS key, coalesce(${legacy}, m.legacy_object_id) AS legacy
     FROM ${ident(mapping.table)} t LEFT JOIN id_map m ON m.collection = $1 AND m.new_id = t.${key}
     WHERE NOT EXISTS (SELECT 1 FROM ${ident(comparer.mirror.seen)} s WHERE s.id = t.${key})
       AND ($2::uuid IS NULL OR t.${key} > $2::uuid)
     ORDER BY t.${key} LIMIT $3`,
    [mapping.collection, after, limit],
  );
  return rows.map((r) => ({ key: r.key, ...sourceId(mapping.collection, r.key, r.legacy) }));
}

/** The _id a target row says it came from, if that _id really maps to the row's key. */
function sourceId(collection: string, key: string, legacy: string | null): { id: unknown; idText: string | null } {
  if (legacy === null) return { id: undefined, idText: null };
  try {
    const id = /^[0-9a-f]{24}$/.test(legacy) ? new ObjectId(legacy) : EJSON.parse(legacy, { relaxed: false });
    return uuidFor(collection, id) === key ? { id, idText: canonicalKey(id) } : { id: undefined, idText: null };
  } catch {
    return { id: undefined, idText: null };
  }
}
