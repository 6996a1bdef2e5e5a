import { execFile } from 'node:child_process';
import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, UUID, type Document } from 'bson';

/** BSON fetch options that keep every value's type (what tidemark's source reads with). */
export const KEEP_TYPES = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;

/**
 * `n` documents with a spread of BSON types: Decimal128 (high precision,
 * negative, tiny), Int64 beyond 2^53, ObjectId, dates with milliseconds,
 * Binary (generic and UUID), nested arrays and documents, and the odd ones.
 */
export function variedDocuments(n: number): Document[] {
  const docs: Document[] = [];
  for (let i = 0; i < n; i++) {
    docs.push({
      _id: new ObjectId(),
      seq: new Int32(i),
      amount: Decimal128.fromString(i % 3 === 0 ? `1234567890123456.${String(i).padStart(18, '0')}` : i % 3 === 1 ? `-0.${'0'.repeat(i % 20)}1` : `${i}E+${i % 7}`),
      big: Long.fromString((9007199254740993n + BigInt(i) * 1_000_003n).toString()),
      negBig: Long.fromString((-9223372036854775808n + BigInt(i)).toString()),
      ratio: new Double(i / 7),
      wholeDouble: new Double(i),
      ref: new ObjectId(),
      at: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, i * 17 % 1000)),
      preEpoch: new Date(-86_400_000 * (i + 1) - 123),
      uuid: new UUID(),
      blob: new Binary(Buffer.from(Array.from({ length: 8 + (i % 5) }, (_, k) => (i * 31 + k * 7) % 256))),
      text: `doc ${i} — ünïcødé ✓ 🚀`,
      flag: i % 2 === 0,
      nothing: null,
      pattern: new BSONRegExp(`^doc-${i}\\d+$`, 'i'),
      bounds: i % 10 === 0 ? [new MinKey(), new MaxKey()] : [],
      tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
      matrix: [[new Int32(i), new Double(i + 0.5)], [], [[Long.fromNumber(i)]]],
      nested: {
        level: new Int32(1),
        empty: {},
        items: [{ sku: `S-${i}`, qty: new Int32(i % 5), price: Decimal128.fromString(`${i}.99`) }, { sku: null, when: new Date(1_700_000_000_123 + i) }],
        deeper: { ids: [new ObjectId(), new UUID()], amount: Long.fromString('-9007199254740995') },
      },
    });
  }
  return docs;
}

/** Runs the kcat binary; a missing kcat fails the caller loudly. */
export function kcat(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? 'kcat is not installed (Debian: apt-get install -y kcat); this test needs it as the non-JavaScript reader'
              : `kcat ${args.join(' ')} failed: ${err.message}\n${stderr}`,
          ),
        );
      } else resolve(stdout);
    });
  });
}
