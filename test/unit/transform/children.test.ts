// `children`: embedded arrays and subdocuments become child-table rows keyed by the
// parent row's key values; a bad element rejects the whole document, naming where.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Decimal128, ObjectId } from 'bson';
import { ConfigError, RejectedRecord } from '../../../src/ops/errors.js';
import {
  allChildMappings, childSqlTypes, loadMappings, mappingFromYaml, transform, transformDocument, uuidFor,
} from '../../../src/transform/index.js';
import type { Mapping } from '../../../src/transform/index.js';
import { thrown } from './fixtures.js';

const REQUESTS = `collection: purchaseRequests
table: purchase_requests
key: { column: id }
extra: extra
columns:
  - { column: title, path: title, type: text, nullable: false }
children:
  - table: purchase_request_specifications
    path: specifications
    shape: array
    parentKey: purchase_request_id
    position: position
    columns:
      - { column: name, path: name, type: text, nullable: false }
      - { column: value, path: value, type: text, nullable: true }
  - table: purchase_request_shipping
    path: shipping
    shape: object
    parentKey: purchase_request_id
    extra: extra
    columns:
      - { column: city, path: address.city, type: text, nullable: false }
      - { column: fee, path: fee, type: money, nullable: true }
  - table: purchase_request_tags
    path: tags
    shape: array
    parentKey: purchase_request_id
    position: position
    columns:
      - { column: tag, path: $value, type: text, nullable: false }
`;

const CHATS = `collection: chats
table: chats
key: { column: id }
extra: extra
columns: []
children:
  - table: chat_messages
    path: messages
    shape: array
    parentKey: chat_id
    position: position
    extra: extra
    columns:
      - { column: body, path: body, type: text, nullable: false }
      - { column: sender_id, path: senderId, type: ref, references: users, nullable: false }
    children:
      - table: chat_message_reactions
        path: reactions
        shape: array
        parentKey: [chat_id, message_position]
        position: position
        columns:
          - { column: emoji, path: emoji, type: text, nullable: false }
`;

const requests = mappingFromYaml(REQUESTS, 'purchaseRequests.yaml');
const chats = mappingFromYaml(CHATS, 'chats.yaml');
const REQUEST_ID = new ObjectId('65a1b2c3d4e5f60718293a4c');
const PR = uuidFor('purchaseRequests', REQUEST_ID);
const CHAT_ID = new ObjectId('65a1b2c3d4e5f60718293a50');
const CHAT = uuidFor('chats', CHAT_ID);
const ALICE = new ObjectId('65a1b2c3d4e5f60718293a4d');

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: REQUEST_ID,
    title: 'Laptop',
    specifications: [{ name: 'ram', value: '16GB' }, { name: 'cpu', value: null }],
    shipping: { address: { city: 'Lagos', zip: '100001' }, fee: Decimal128.fromString('2.50') },
    tags: ['urgent', 'b2b'],
    note: 'keep me',
    ...overrides,
  };
}

/** Child rows by table name. */
function rowsOf(mapping: Mapping, doc: Record<string, unknown>): Record<string, unknown[]> {
  return Object.fromEntries(transformDocument(mapping, doc).children.map((c) => [c.table, c.rows]));
}

function rejection(mapping: Mapping, doc: Record<string, unknown>): RejectedRecord {
  const err = thrown(() => transformDocument(mapping, doc));
  expect(err).toBeInstanceOf(RejectedRecord);
  return err as RejectedRecord;
}

function problemsOf(fn: () => unknown): string[] {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe('children: transform', () => {
  it('writes array, object and scalar-array children, one entry per child table in mapping order', () => {
    const { row, children } = transformDocument(requests, request());
    expect(row).toEqual({ id: PR, title: 'Laptop', extra: '{"note":"keep me"}' });
    expect(children).toEqual([
      {
        table: 'purchase_request_specifications',
        rows: [
          { purchase_request_id: PR, position: '0', name: 'ram', value: '16GB' },
          { purchase_request_id: PR, position: '1', name: 'cpu', value: null },
        ],
      },
      {
        table: 'purchase_request_shipping',
        rows: [{ purchase_request_id: PR, city: 'Lagos', fee: '2.5', extra: '{"address":{"zip":"100001"}}' }],
      },
      {
        table: 'purchase_request_tags',
        rows: [
          { purchase_request_id: PR, position: '0', tag: 'urgent' },
          { purchase_request_id: PR, position: '1', tag: 'b2b' },
        ],
      },
    ]);
  });

  it('keeps transform() as the parent row alone, with consumed children left out of extra', () => {
    expect(transform(requests, request())).toEqual(transformDocument(requests, request()).row);
    // Without children in the mapping the same arrays would be kept in extra.
    expect(JSON.parse(transform(requests, request({ specifications: null, extraArray: [1] })).extra ?? ''))
      .toEqual({ note: 'keep me', extraArray: [{ $numberInt: '1' }] });
  });

  it('gives zero rows for a missing or null path and an empty array, but still lists the table', () => {
    const doc = request({ shipping: null, tags: [] });
    delete doc.specifications;
    expect(transformDocument(requests, doc).children).toEqual([
      { table: 'purchase_request_specifications', rows: [] },
      { table: 'purchase_request_shipping', rows: [] },
      { table: 'purchase_request_tags', rows: [] },
    ]);
  });

  it('keys nested rows by the parent element key (chats.messages[].reactions[])', () => {
    const doc = {
      _id: CHAT_ID,
      topic: 'escrow',
      messages: [
        { body: 'hi', senderId: ALICE, editedAt: null },
        { body: 'deal', senderId: ALICE, reactions: [{ emoji: '👍' }, { emoji: '🎉' }] },
        { body: 'bye', senderId: ALICE, reactions: null },
      ],
    };
    const { row, children } = transformDocument(chats, doc);
    expect(row).toEqual({ id: CHAT, extra: '{"topic":"escrow"}' });
    const alice = uuidFor('users', ALICE);
    expect(children).toEqual([
      {
        table: 'chat_messages',
        rows: [
          { chat_id: CHAT, position: '0', body: 'hi', sender_id: alice, extra: '{"editedAt":null}' },
          { chat_id: CHAT, position: '1', body: 'deal', sender_id: alice, extra: '{}' },
          { chat_id: CHAT, position: '2', body: 'bye', sender_id: alice, extra: '{}' },
        ],
      },
      {
        table: 'chat_message_reactions',
        rows: [
          { chat_id: CHAT, message_position: '1', position: '0', emoji: '👍' },
          { chat_id: CHAT, message_position: '1', position: '1', emoji: '🎉' },
        ],
      },
    ]);
  });

  it('rejects a bad element naming collection, _id, child table, path and index', () => {
    const err = rejection(requests, request({ specifications: [{ name: 'ok' }, { name: 5 }] }));
    expect(err.message).toBe(
      'purchaseRequests {"$oid":"65a1b2c3d4e5f60718293a4c"}: child table purchase_request_specifications: '
      + 'column name (path specifications[1].name): expected a string, got JS number 5',
    );
    expect(err.context).toEqual({
      collection: 'purchaseRequests', id: '{"$oid":"65a1b2c3d4e5f60718293a4c"}',
      table: 'purchase_request_specifications', index: 1, column: 'name', path: 'specifications[1].name',
    });
  });

  it('rejects a bad nested element with both indexes in the path', () => {
    const doc = { _id: CHAT_ID, messages: [{ body: 'a', senderId: ALICE }, { body: 'b', senderId: ALICE, reactions: [{}] }] };
    const err = rejection(chats, doc);
    expect(err.message).toContain('child table chat_message_reactions: column emoji (path messages[1].reactions[0].emoji) is missing but NOT NULL');
    expect(err.context).toMatchObject({ table: 'chat_message_reactions', index: 0, path: 'messages[1].reactions[0].emoji' });
  });

  it('rejects a scalar element where columns read its fields, and a NULL scalar element', () => {
    expect(rejection(requests, request({ specifications: [{ name: 'a' }, 'ram'] })).message).toBe(
      'purchaseRequests {"$oid":"65a1b2c3d4e5f60718293a4c"}: child table purchase_request_specifications '
      + '(path specifications[1]): element is a string "ram", not a subdocument',
    );
    expect(rejection(requests, request({ tags: ['a', null] })).message)
      .toContain('child table purchase_request_tags: column tag (path tags[1]) is NULL but NOT NULL');
    const extraOnly = mappingFromYaml(`collection: things
table: things
key: { column: id }
extra: extra
columns: []
children:
  - { table: thing_items, path: items, shape: array, parentKey: thing_id, position: position, extra: extra, columns: [] }
`, 'things.yaml');
    expect(rowsOf(extraOnly, { _id: 1, items: [{ a: 'x' }] }).thing_items).toEqual([
      { thing_id: uuidFor('things', 1), position: '0', extra: '{"a":"x"}' },
    ]);
    expect(rejection(extraOnly, { _id: 1, items: [7] }).message).toContain('(path items[0]): element is JS number 7, not a subdocument');
  });

  it('rejects a non-array at an array path and a non-subdocument at an object path', () => {
    expect(rejection(requests, request({ specifications: 'ram=16GB' })).message)
      .toContain('child table purchase_request_specifications (path specifications): expected an array, got a string "ram=16GB"');
    const err = rejection(requests, request({ shipping: ['Lagos'] }));
    expect(err.message).toContain('child table purchase_request_shipping (path shipping): expected a subdocument, got an array of 1');
    expect(err.context).toEqual({
      collection: 'purchaseRequests', id: '{"$oid":"65a1b2c3d4e5f60718293a4c"}', table: 'purchase_request_shipping', path: 'shipping',
    });
  });

  it('rejects an element with unmapped fields when the child has no extra, naming them', () => {
    const err = rejection(requests, request({ specifications: [{ name: 'ram', colour: 'red', size: { w: 1 } }] }));
    expect(err.message).toBe(
      'purchaseRequests {"$oid":"65a1b2c3d4e5f60718293a4c"}: child table purchase_request_specifications '
      + '(path specifications[0]): unmapped field(s) colour, size.w and no extra column to keep them',
    );
    expect(err.context).toMatchObject({ index: 0, path: 'specifications[0]' });
  });

  it('rejects two elements with the same explicit key instead of failing the sink batch', () => {
    const byName = mappingFromYaml(REQUESTS.replace('    position: position\n    columns:\n      - { column: name',
      '    position: position\n    key: [purchase_request_id, name]\n    columns:\n      - { column: name'), 'purchaseRequests.yaml');
    expect(rowsOf(byName, request()).purchase_request_specifications).toHaveLength(2);
    const err = rejection(byName, request({ specifications: [{ name: 'ram' }, { name: 'ram' }] }));
    expect(err.message).toContain(`(path specifications[1]): key (purchase_request_id, name) = ["${PR}","ram"] repeats an earlier row`);
  });
});

describe('children: SQL types and placement', () => {
  it('lists child columns in row order, parentKey typed like the parent key', () => {
    const messages = chats.children[0];
    const reactions = messages?.children[0];
    if (messages === undefined || reactions === undefined) throw new Error('chats children missing');
    expect(childSqlTypes(messages)).toEqual([
      { column: 'chat_id', sqlType: 'uuid', nullable: false },
      { column: 'position', sqlType: 'integer', nullable: false },
      { column: 'body', sqlType: 'text', nullable: false },
      { column: 'sender_id', sqlType: 'uuid', nullable: false },
      { column: 'extra', sqlType: 'jsonb', nullable: false },
    ]);
    expect(childSqlTypes(reactions)).toEqual([
      { column: 'chat_id', sqlType: 'uuid', nullable: false },
      { column: 'message_position', sqlType: 'integer', nullable: false },
      { column: 'position', sqlType: 'integer', nullable: false },
      { column: 'emoji', sqlType: 'text', nullable: false },
    ]);
    const rows = rowsOf(requests, request());
    for (const child of requests.children) {
      expect(childSqlTypes(child).map((t) => t.column)).toEqual(Object.keys(rows[child.table]?.[0] ?? {}));
    }
  });

  it('walks children depth-first with their parent table and key columns', () => {
    const placed = allChildMappings(chats);
    expect(placed.map((p) => [p.table, p.field, p.parentTable, p.parentKeyColumns, p.parentKey])).toEqual([
      ['chat_messages', 'children[0]', 'chats', ['id'], ['chat_id']],
      ['chat_message_reactions', 'children[0].children[0]', 'chat_messages', ['chat_id', 'position'], ['chat_id', 'message_position']],
    ]);
    const reactions = placed[1];
    if (reactions === undefined) throw new Error('reactions missing');
    expect(reactions.child).toBe(chats.children[0]?.children[0]);
    expect(reactions.key).toEqual(['chat_id', 'message_position', 'position']);
    // An entry works wherever a ChildMapping does.
    expect(childSqlTypes(reactions)).toEqual(childSqlTypes(reactions.child));
    expect(childSqlTypes(reactions)[1]).toEqual({ column: 'message_position', sqlType: 'integer', nullable: false });
    expect(allChildMappings(requests).map((p) => p.table)).toEqual([
      'purchase_request_specifications', 'purchase_request_shipping', 'purchase_request_tags',
    ]);
  });

  it('types a nested parentKey from a parent key column that is a mapped column', () => {
    const m = mappingFromYaml(`collection: orders
table: orders
key: { column: id }
extra: extra
columns: []
children:
  - table: order_lines
    path: lines
    shape: array
    parentKey: order_id
    position: position
    key: [order_id, sku]
    extra: extra
    columns:
      - { column: sku, path: sku, type: int, nullable: false }
    children:
      - { table: order_line_notes, path: notes, shape: array, parentKey: [order_id, line_sku], position: position, columns: [{ column: note, path: $value, type: text, nullable: false }] }
`, 'orders.yaml');
    const notes = allChildMappings(m)[1];
    if (notes === undefined) throw new Error('notes missing');
    expect(childSqlTypes(notes).slice(0, 2).map((t) => t.sqlType)).toEqual(['uuid', 'integer']);
    const doc = { _id: 'o-1', lines: [{ sku: 7, _id: new ObjectId('65a1b2c3d4e5f60718293a51'), notes: ['fragile'] }] };
    const order = uuidFor('orders', 'o-1');
    expect(rowsOf(m, doc)).toEqual({
      order_lines: [{ order_id: order, position: '0', sku: '7', extra: '{"_id":{"$oid":"65a1b2c3d4e5f60718293a51"}}' }],
      order_line_notes: [{ order_id: order, line_sku: '7', position: '0', note: 'fragile' }],
    });
  });
});

describe('children: validation', () => {
  it('names every problem by file and field path', () => {
    const problems = problemsOf(() => mappingFromYaml(`collection: things
table: things
key: { column: id }
extra: extra
columns:
  - { column: meta_note, path: meta.note, type: text, nullable: true }
children:
  - table: Things_Items
    path: items
    shape: list
    parentKey: thing_id
    columns: []
  - table: thing_parts
    path: parts
    shape: array
    parentKey: [thing_id, other]
    columns:
      - { column: a, path: a, type: text, nullable: true }
      - { column: a, path: b, type: text, nullable: true }
      - { column: c, path: c, type: txt, nullable: true }
  - table: thing_meta
    path: meta
    shape: object
    parentKey: thing_id
    position: pos
    key: [thing_id, nope]
    columns:
      - { column: v, path: $value, type: text, nullable: true }
  - table: thing_tags
    path: tags
    shape: array
    parentKey: thing_id
    position: position
    extra: extra
    colour: red
    columns:
      - { column: tag, path: $value, type: text, nullable: false }
      - { column: tag_len, path: len, type: int, nullable: true }
    children:
      - { table: thing_tag_x, path: x, shape: object, parentKey: [a, b], columns: [] }
  - { table: thing_sub, path: parts.sub, shape: object, parentKey: thing_id, columns: [] }
`, 'things.yaml'));
    expect(problems).toEqual([
      'things.yaml: children[0].table: "Things_Items" is not a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)',
      'things.yaml: children[0].shape: unknown shape "list" (allowed: array, object)',
      "things.yaml: children[1].parentKey: names 2 column(s), but the parent's key has 1",
      'things.yaml: children[1].position: missing: an array child needs an integer column for the element index',
      "things.yaml: children[1].columns[1] (a): duplicate column 'a' (already used by columns[0] (a))",
      expect.stringMatching(/^things\.yaml: children\[1\]\.columns\[2\] \(c\)\.type: unknown type "txt"/),
      'things.yaml: children[2].position: only array children have a position',
      'things.yaml: children[2].columns[0] (v).path: $value (the element itself) is only allowed in the columns of an array child',
      "things.yaml: children[2].key: 'nope' is not a parentKey, position or column of this child",
      "things.yaml: children[2].path: 'meta' overlaps the parent's column meta_note (path meta.note): a field goes to one place",
      'things.yaml: children[3].colour: unknown key (allowed: table, path, shape, parentKey, position, key, extra, columns, children)',
      'things.yaml: children[3].columns[1] (tag_len).path: another column reads $value (the whole element), so none may read a field of it',
      'things.yaml: children[3].extra: a $value child consumes each element whole: nothing is left for extra',
      "things.yaml: children[3].children: a $value child's elements have no fields to map",
      "things.yaml: children[4].path: 'parts.sub' overlaps children[1].path 'parts'",
    ]);
  });

  it('checks nested children, keys and $value at the top level', () => {
    const problems = problemsOf(() => mappingFromYaml(`collection: things
table: things
key: { column: id }
extra: extra
columns:
  - { column: raw, path: $value, type: text, nullable: true }
children:
  - table: thing_parts
    path: parts
    shape: array
    parentKey: thing_id
    position: position
    key: [position, label]
    extra: position
    columns:
      - { column: label, path: label, type: text, nullable: true }
    children:
      - { table: thing_part_bits, path: bits, shape: array, parentKey: part_id, position: position, columns: [] }
  - { table: thing_x, path: _id, shape: object, parentKey: [], columns: [] }
`, 'things.yaml'));
    expect(problems).toEqual([
      'things.yaml: columns[0] (raw).path: $value (the element itself) is only allowed in the columns of an array child',
      "things.yaml: children[0].extra: duplicate column 'position' (already used by position)",
      "things.yaml: children[0].key: key column 'label' must be nullable: false",
      "things.yaml: children[0].key: must include the parentKey column(s) thing_id: a parent's child rows are replaced as a set",
      'things.yaml: children[1].path: _id is mapped by key / legacyIdColumn, not by a column',
      'things.yaml: children[1].parentKey: must name at least one column',
    ]);
    const nested = problemsOf(() => mappingFromYaml(CHATS.replace('parentKey: [chat_id, message_position]', 'parentKey: chat_id'), 'chats.yaml'));
    expect(nested).toEqual(["chats.yaml: children[0].children[0].parentKey: names 1 column(s), but the parent's key has 2"]);
  });

  it('accepts a file without children as children: []', () => {
    const m = mappingFromYaml('collection: things\ntable: things\nkey: { column: id }\nextra: extra\ncolumns: []\n', 'things.yaml');
    expect(m.children).toEqual([]);
    expect(transformDocument(m, { _id: 1, a: 'x' })).toEqual({ row: { id: uuidFor('things', 1), extra: '{"a":"x"}' }, children: [] });
  });

  describe('table names are unique across the folder, parents and children together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-children-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a child table that is another mapping\'s table or another child\'s', () => {
      writeFileSync(join(dir, 'chats.yaml'), CHATS);
      writeFileSync(join(dir, 'purchaseRequests.yaml'), REQUESTS
        .replace('table: purchase_request_tags', 'table: chat_messages')
        .replace('table: purchase_request_shipping', 'table: chats'));
      expect(problemsOf(() => loadMappings(dir))).toEqual([
        `${join(dir, 'purchaseRequests.yaml')}: children[1].table: 'chats' is already the target of ${join(dir, 'chats.yaml')}`,
        `${join(dir, 'purchaseRequests.yaml')}: children[2].table: 'chat_messages' is already the target of ${join(dir, 'chats.yaml')} children[0].table`,
      ]);
      expect(problemsOf(() => mappingFromYaml(CHATS.replace('table: chat_message_reactions', 'table: chats'), 'chats.yaml')))
        .toEqual(["chats.yaml: children[0].children[0].table: 'chats' is already the target of chats.yaml"]);
    });
  });
});
