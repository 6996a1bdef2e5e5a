// Child rows are applied by difference: a new version of a parent rewrites only the
// child rows that changed. A chat gaining one message must not delete and re-insert
// every earlier message (each with its FK checks and index upkeep): that cost grew
// with the chat and let the chats partition fall behind under live load.
// Physical row identity (ctid) tells a row left alone from one rewritten.
import { Decimal128, ObjectId, type Document } from 'bson';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createApplier, type Applier } from '../../src/sink/apply.js';
import type { Change } from '../../src/sink/changes.js';
import { checkTargetTables, tableShapes } from '../../src/schema/index.js';
import { canonicalKey, legacyIdText, mappingFromYaml, transformDocument, uuidFor, type Mapping } from '../../src/transform/index.js';
import { dropTestSchema, isolatedConfig, migratedPool } from '../helpers/isolated.js';

const MAPPING: Mapping = mappingFromYaml(
  `collection: threads
table: threads
key: { column: id }
extra: extra
columns:
  - { column: title, path: title, type: text, nullable: false }
children:
  - table: thread_messages
    path: messages
    shape: array
    parentKey: thread_id
    position: position
    extra: extra
    columns:
      - { column: body, path: body, type: text, nullable: true }
      - { column: kind, path: kind, type: enum, nullable: false, values: { text: text, image: image } }
      - { column: tip, path: tip, type: money, nullable: true }
    children:
      - table: thread_message_reactions
        path: reactions
        shape: array
        parentKey: [thread_id, message_position]
        position: position
        columns:
          - { column: emoji, path: $value, type: text, nullable: false }
  - table: thread_labels
    path: labels
    shape: array
    parentKey: thread_id
    position: position
    columns:
      - { column: label, path: $value, type: text, nullable: false }`,
  'threads.yaml',
);

const DDL = `
CREATE TABLE threads (id uuid PRIMARY KEY, title text NOT NULL, extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE TABLE thread_messages (thread_id uuid NOT NULL REFERENCES threads(id) ON DELETE CASCADE, position integer NOT NULL,
  body text, kind text NOT NULL CHECK (kind IN ('text', 'image')), tip numeric(38,18), extra jsonb NOT NULL, PRIMARY KEY (thread_id, position));
CREATE TABLE thread_message_reactions (thread_id uuid NOT NULL, message_position integer NOT NULL, position integer NOT NULL,
  emoji text NOT NULL, PRIMARY KEY (thread_id, message_position, position),
  FOREIGN KEY (thread_id, message_position) REFERENCES thread_messages(thread_id, position) ON DELETE CASCADE);
CREATE TABLE thread_labels (thread_id uuid NOT NULL REFERENCES threads(id) ON DELETE CASCADE, position integer NOT NULL,
  label text NOT NULL, PRIMARY KEY (thread_id, position));`;

let config: Config;
let pool: pg.Pool;
let applier: Applier;

function upsert(id: ObjectId, doc: Document, version: number): Change {
  const { row, children } = transformDocument(MAPPING, { _id: id, ...doc });
  const origin = { topic: 't.threads', partition: 0, offset: String(version), key: null, value: null };
  return { key: canonicalKey(id), legacyId: legacyIdText(id), op: 'upsert', row, children, ts: BigInt(version), ord: 0, origin };
}

async function apply(changes: Change[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const outcome = await applier.apply(client, 'threads', changes);
    expect(outcome.rejected).toEqual([]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** Every child row of a thread with its physical identity, keyed by table and position(s). */
async function childRows(id: ObjectId): Promise<Map<string, { ctid: string; content: string }>> {
  const thread = uuidFor('threads', id);
  const { rows } = await pool.query<{ k: string; ctid: string; content: string }>(
    `SELECT 'm' || position AS k, ctid::text, concat_ws('|', body, kind, tip, extra) AS content FROM thread_messages WHERE thread_id = $1
     UNION ALL SELECT 'r' || message_position || '.' || position, ctid::text, emoji FROM thread_message_reactions WHERE thread_id = $1
     UNION ALL SELECT 'l' || position, ctid::text, label FROM thread_labels WHERE thread_id = $1`,
    [thread],
  );
  return new Map(rows.map((r) => [r.k, { ctid: r.ctid, content: r.content }]));
}

const contents = (rows: Map<string, { content: string }>) => Object.fromEntries([...rows].map(([k, r]) => [k, r.content]).sort());
/** Keys of the rows whose physical row is new or gone between two readings. */
function rewritten(before: Map<string, { ctid: string }>, after: Map<string, { ctid: string }>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k)?.ctid !== after.get(k)?.ctid).sort();
}

const message = (body: string, extra: Document = {}) => ({ body, kind: 'text', ...extra });

describe('sink children: applied by difference', () => {
  beforeAll(async () => {
    config = await isolatedConfig('childdiff');
    pool = await migratedPool(config);
    await pool.query(DDL);
    await checkTargetTables(pool, config.postgres.schema, tableShapes([MAPPING]));
    applier = await createApplier(pool, [MAPPING], config.postgres.schema);
  });
  afterAll(() => dropTestSchema(config, pool));

  it('rewrites only the child rows a new version changes, at every depth', async () => {
    const t = new ObjectId();
    const messages = [message('hi', { reactions: ['+1', 'eyes'] }), message('there'), message('pay', { tip: Decimal128.fromString('1.5') })];
    await apply([upsert(t, { title: 'deal', messages, labels: ['new'] }, 1)]);
    const v1 = await childRows(t);
    expect(contents(v1)).toEqual({
      m0: 'hi|text|{}', m1: 'there|text|{}', m2: 'pay|text|1.500000000000000000|{}', 'r0.0': '+1', 'r0.1': 'eyes', l0: 'new',
    });

    // A pushed message: one new row, nothing else touched.
    messages.push(message('more'));
    await apply([upsert(t, { title: 'deal', messages, labels: ['new'] }, 2)]);
    const v2 = await childRows(t);
    expect(rewritten(v1, v2)).toEqual(['m3']);

    // An edited message, a removed reaction, a field only `extra` keeps, a changed money value.
    messages[1] = message('there!');
    messages[0] = message('hi', { reactions: ['+1'] });
    messages[3] = message('more', { pinnedBy: 'ops' });
    messages[2] = message('pay', { tip: Decimal128.fromString('1.50000000000000001') });
    await apply([upsert(t, { title: 'deal', messages, labels: ['new'] }, 3)]);
    const v3 = await childRows(t);
    expect(rewritten(v2, v3)).toEqual(['m1', 'm2', 'm3', 'r0.1']);
    expect(v3.get('m3')!.content).toBe('more|text|{"pinnedBy": "ops"}');
    expect(v3.get('m2')!.content).toBe('pay|text|1.500000000000000010|{}');
    expect(v3.has('r0.1')).toBe(false);

    // An enum value changing; the array shrinking; labels gone.
    messages[0] = { ...message('hi', { reactions: ['+1'] }), kind: 'image' };
    await apply([upsert(t, { title: 'deal', messages: messages.slice(0, 2) }, 4)]);
    const v4 = await childRows(t);
    // Message 0 changed, so its row and (by ON DELETE CASCADE) its reaction were rewritten.
    expect(rewritten(v3, v4)).toEqual(['l0', 'm0', 'm2', 'm3', 'r0.0']);
    expect(contents(v4)).toEqual({ m0: 'hi|image|{}', m1: 'there!|text|{}', 'r0.0': '+1' });

    // An older version arriving late writes nothing; the same version replayed writes nothing.
    await apply([upsert(t, { title: 'deal', messages, labels: ['late'] }, 3)]);
    await apply([upsert(t, { title: 'deal', messages: messages.slice(0, 2) }, 4)]);
    expect(rewritten(v4, await childRows(t))).toEqual([]);

    // No messages at all: every message and reaction row goes.
    await apply([upsert(t, { title: 'deal' }, 5)]);
    expect(contents(await childRows(t))).toEqual({});
  });

  it('keeps parents of one batch apart: each parent gets exactly its own rows', async () => {
    const [a, b, c] = [new ObjectId(), new ObjectId(), new ObjectId()];
    await apply([
      upsert(a, { title: 'a', messages: [message('a0'), message('a1')], labels: ['x'] }, 10),
      upsert(b, { title: 'b', messages: [message('b0')] }, 10),
    ]);
    const [a1, b1] = [await childRows(a), await childRows(b)];
    // a: same messages, new label; b: a stale version (not applied); c: new.
    await apply([
      upsert(a, { title: 'a', messages: [message('a0'), message('a1')], labels: ['y'] }, 11),
      upsert(b, { title: 'b', messages: [] }, 9),
      upsert(c, { title: 'c', messages: [message('a0')] }, 11),
    ]);
    expect(rewritten(a1, await childRows(a))).toEqual(['l0']);
    expect(rewritten(b1, await childRows(b))).toEqual([]);
    expect(contents(await childRows(c))).toEqual({ m0: 'a0|text|{}' });
  });
});
