import { BSON, Decimal128, Long, ObjectId, Timestamp, UUID, Binary } from 'bson';
import { describe, expect, it } from 'vitest';
import { classify, envelopeFromEvent, type ChangeEvent } from '../../../src/source/events.js';
import { clusterTimeFromToken, tokenFromString, tokenToString } from '../../../src/source/position.js';

// Shapes from the MongoDB manual's "Change Events" page (6.0+), which the
// local wire-compatible server does not fully emit (ns, txnNumber, lsid, wallTime).
const id = new ObjectId('65a1b2c3d4e5f60718293a4b');
const token = { _data: '8265A1B2C3000000072B022C0100296E5A1004ABCDEF0123456789ABCDEF012345678946645F6964006465A1B2C3D4E5F60718293A4B0004' };
const where = { db: 'amanat', collection: 'payments' };

const updateInTxn: ChangeEvent = {
  _id: token,
  operationType: 'update',
  clusterTime: new Timestamp({ t: 0x65a1b2c3, i: 7 }),
  wallTime: new Date('2024-01-12T21:40:19.123Z'),
  ns: { db: 'amanat', coll: 'payments' },
  documentKey: { _id: id },
  updateDescription: { updatedFields: { status: 'completed' }, removedFields: ['hold'], truncatedArrays: [] },
  fullDocument: { _id: id, amount: new Decimal128('10.50'), status: 'completed' },
  txnNumber: Long.fromNumber(3),
  lsid: { id: new UUID('0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9'), uid: new Binary(Buffer.alloc(32), 0) },
};

describe('change events -> envelope', () => {
  it('classifies data, terminal and other events', () => {
    expect(classify({ ...updateInTxn, operationType: 'insert' })).toEqual({ kind: 'data', op: 'c' });
    expect(classify({ ...updateInTxn, operationType: 'replace' })).toEqual({ kind: 'data', op: 'u' });
    expect(classify({ ...updateInTxn, operationType: 'delete' })).toEqual({ kind: 'data', op: 'd' });
    for (const t of ['drop', 'rename', 'dropDatabase', 'invalidate']) expect(classify({ _id: token, operationType: t }).kind).toBe('terminal');
    expect(classify({ _id: token, operationType: 'createIndexes' }).kind).toBe('ignored');
  });

  it('carries source position, transaction fields, wall time and updateDescription', () => {
    const e = envelopeFromEvent(updateInTxn, 'u', where, 2, 1000);
    expect(e.op).toBe('u');
    expect(e.key).toBe('{"$oid":"65a1b2c3d4e5f60718293a4b"}');
    expect(e.source).toMatchObject({ db: 'amanat', collection: 'payments', clusterTimeSeconds: 0x65a1b2c3, clusterTimeIncrement: 7, ordinal: 2, txnNumber: 3, snapshot: false });
    expect(tokenFromString(e.source.resumeToken!)).toEqual(token);
    expect(BSON.deserialize(e.source.lsid!).id).toBeDefined();
    expect(e.eventTimeMs).toBe(Date.parse('2024-01-12T21:40:19.123Z'));
    expect(BSON.deserialize(e.updateDescription!).removedFields).toEqual(['hold']);
    expect(BSON.deserialize(e.document!).status).toBe('completed');
  });

  it('an update whose looked-up document is gone has no document; a delete never has one', () => {
    expect(envelopeFromEvent({ ...updateInTxn, fullDocument: null }, 'u', where, 1, 0).document).toBeNull();
    expect(envelopeFromEvent({ ...updateInTxn, operationType: 'delete' }, 'd', where, 1, 0).document).toBeNull();
  });

  it('refuses events without clusterTime or documentKey instead of guessing a version', () => {
    expect(() => envelopeFromEvent({ ...updateInTxn, clusterTime: undefined }, 'u', where, 1, 0)).toThrow(/no clusterTime/);
    expect(() => envelopeFromEvent({ ...updateInTxn, documentKey: undefined }, 'u', where, 1, 0)).toThrow(/documentKey/);
  });
});

describe('resume tokens', () => {
  it('decode the cluster time of a real-MongoDB token (_data KeyString)', () => {
    expect(clusterTimeFromToken(token)).toEqual({ t: 0x65a1b2c3, i: 7 });
    expect(clusterTimeFromToken({ _data: 'zz' })).toBeNull();
    expect(clusterTimeFromToken({ other: 1 })).toBeNull();
  });

  it('round-trip through their stored text form with types intact', () => {
    const odd = { _data: token._data, ts: new Timestamp({ t: 5, i: 6 }), n: Long.fromNumber(1) };
    expect(tokenFromString(tokenToString(odd))).toEqual(odd);
  });
});
