// What every sink probe stands on: a migrated bench_* schema with the payments'
// parents in place, the same medium changes as Kafka records, as the sink's decoded
// changes and as the COPY text of the sink's staging table, batch by batch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, type Document } from 'bson';
import type { KafkaMessage, Message } from 'kafkajs';
import pg from 'pg';
import { AvroDecoder, createRegistry, envelopeType, type ChangeEnvelope } from '../../src/envelope/index.js';
import { stagingLines } from '../../src/sink/apply.js';
import { newestPerKey, type Change } from '../../src/sink/changes.js';
import { decodeRecord } from '../../src/sink/decode.js';
import { tableStatements, type TableStatements } from '../../src/sink/sql.js';
import { envelopeMessages } from '../../src/source/index.js';
import { canonicalKey, uuidFor, type Mapping } from '../../src/transform/index.js';
import { Random } from '../../src/workload/random.js';
import { changeMix, makeParents, type MixName, type Parents } from '../lib/shapes.js';
import { openBed, type Bed } from '../pipeline/bed.js';
import { produceTransactional } from '../pipeline/records.js';

export interface SinkBed {
  bed: Bed;
  mapping: Mapping;
  sql: TableStatements;
  /** The Kafka records, as the source writes them (a delete followed by its tombstone). */
  messages: Message[];
  /** Changes per sink batch (maxBatchRecords records, newest per key), as the sink decodes them. */
  batches: Change[][];
  /** The staging table's COPY text of each batch, byte for byte what the sink sends. */
  copyText: string[];
  /** Change count (events) over all batches. */
  events: number;
  /** Empties the target tables and tidemark's state so every run starts alike. */
  reset(): Promise<void>;
  /** Puts the records on the bed's topic (once). */
  produce(): Promise<void>;
  /** Writes each batch's COPY text to a file (for psql). */
  copyFiles(): string[];
  close(): Promise<void>;
}

export interface SinkBedOptions {
  changes: number;
  mix?: MixName;
  batchRecords: number;
  seed?: number;
  /** false: only the records (a probe that runs just the real sink need not hold decoded copies). */
  decode?: boolean;
}

export async function openSinkBed(probe: string, opts: SinkBedOptions): Promise<SinkBed> {
  const bed = await openBed(probe);
  const tmp = mkdtempSync(join(tmpdir(), 'bench_sink_'));
  try {
    const mapping = bed.mappings.find((m) => m.collection === 'payments')!;
    const sql = tableStatements(mapping, bed.id);
    const rng = new Random(opts.seed ?? 4242);
    const parents = makeParents(rng);
    await insertParents(bed.pool, parents);
    const mix = changeMix(opts.mix ?? 'insert-only', 'medium', opts.changes, (opts.seed ?? 4242) + 1, parents);
    const envelopes: ChangeEnvelope[] = mix.map((c) => ({
      op: c.op,
      key: canonicalKey(c.id),
      document: c.doc === null ? null : Buffer.from(serialize(c.doc)),
      updateDescription: null,
      source: {
        db: bed.config.mongo.database,
        collection: 'payments',
        clusterTimeSeconds: c.t,
        clusterTimeIncrement: c.i,
        ordinal: 0,
        resumeToken: null,
        txnNumber: null,
        lsid: null,
        snapshot: false,
      },
      eventTimeMs: c.t * 1000,
      emittedAtMs: Date.now(),
    }));
    const messages = envelopeMessages(envelopes, bed.schemaId);
    // Decoded by the sink's own code, offsets as Kafka assigns them (transaction markers aside).
    const decoder = new AvroDecoder<ChangeEnvelope>(createRegistry(bed.config.schemaRegistry.url), envelopeType);
    const changes: Change[] = [];
    for (const [i, m] of (opts.decode === false ? [] : messages).entries()) {
      const message = { key: toBuffer(m.key), value: toBuffer(m.value), offset: String(i), headers: {}, timestamp: '0', attributes: 0 } as KafkaMessage;
      const d = await decodeRecord(decoder, mapping, bed.topic, 0, message);
      if (d.kind === 'reject') throw new Error(`bench record rejected: ${d.reason}`);
      if (d.kind === 'change') changes.push(d.change);
    }
    const batches: Change[][] = [];
    for (let i = 0; i < changes.length; i += opts.batchRecords) batches.push(newestPerKey(changes.slice(i, i + opts.batchRecords)));
    const copyText = batches.map((b) => [...stagingLines(sql, b)].join(''));
    let produced = false;
    return {
      bed,
      mapping,
      sql,
      messages,
      batches,
      copyText,
      events: batches.reduce((n, b) => n + b.length, 0),
      reset: () => resetTarget(bed.pool),
      async produce() {
        if (produced) return;
        await produceTransactional(bed.kafka, `${bed.id}-producer`, bed.topic, messages);
        produced = true;
      },
      copyFiles: () =>
        copyText.map((text, i) => {
          const file = join(tmp, `batch-${i}.copy`);
          writeFileSync(file, text);
          return file;
        }),
      async close() {
        rmSync(tmp, { recursive: true, force: true });
        await bed.close();
      },
    };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    await bed.close().catch(() => undefined);
    throw err;
  }
}

const serialize = (doc: Document) => BSON.serialize(doc);
const toBuffer = (v: Message['key'] | Message['value']): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/** The users and purchase requests the payments refer to, written directly (their own sink is not under test). */
export async function insertParents(pool: pg.Pool, parents: Parents): Promise<void> {
  const users = parents.users.map((id) => ({ id: uuidFor('users', id), legacy: id.toHexString() }));
  const requests = parents.purchaseRequests.map((id, i) => ({ id: uuidFor('purchaseRequests', id), legacy: id.toHexString(), buyer: users[i % users.length]!.id }));
  await pool.query(
    `INSERT INTO users (id, legacy_id, created_at, updated_at, _tm_ts, _tm_ord)
     SELECT u.id, u.legacy, now(), now(), 1, 0 FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, legacy text)`,
    [JSON.stringify(users)],
  );
  await pool.query(
    `INSERT INTO purchase_requests (id, legacy_id, title, buyer_id, status, created_at, updated_at, _tm_ts, _tm_ord)
     SELECT r.id, r.legacy, 'bench request', r.buyer, 'open', now(), now(), 1, 0 FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, legacy text, buyer uuid)`,
    [JSON.stringify(requests)],
  );
  await pool.query(
    `INSERT INTO id_map (collection, legacy_object_id, new_id)
     SELECT c, l, i FROM jsonb_to_recordset($1::jsonb) AS x(c text, l text, i uuid)`,
    [JSON.stringify([...users.map((u) => ({ c: 'users', l: u.legacy, i: u.id })), ...requests.map((r) => ({ c: 'purchaseRequests', l: r.legacy, i: r.id }))])],
  );
}

/** Every run starts from an empty payments table, no tombstones, parked changes or offsets. */
export async function resetTarget(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    // The (empty) append-only ledger refers to payments, and its trigger refuses TRUNCATE:
    // replica role skips that trigger for this bench-only reset of the bench's own schema.
    await client.query('SET session_replication_role = replica');
    await client.query('TRUNCATE payments, tidemark_tombstones, tidemark_parked, tidemark_sink_offsets CASCADE');
    await client.query('RESET session_replication_role');
    await client.query(`DELETE FROM id_map WHERE collection = 'payments'`);
    // Fresh statistics for the emptied table, the same for both sides of a pair.
    await client.query('ANALYZE payments');
  } finally {
    client.release();
  }
}
