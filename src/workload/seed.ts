// Writes a generated workload into MongoDB (`tidemark demo seed`, the demo, tests).

import type { Db } from 'mongodb';
import { WORKLOAD_COLLECTIONS } from './generate.js';
import type { GeneratedDoc } from './model.js';

const BATCH = 2000;

/** The database's collections that hold documents, with their counts. */
export async function nonEmptyCollections(db: Db): Promise<Array<{ collection: string; documents: number }>> {
  const out: Array<{ collection: string; documents: number }> = [];
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const documents = await db.collection(name).countDocuments({});
    if (documents > 0) out.push({ collection: name, documents });
  }
  return out.sort((a, b) => a.collection.localeCompare(b.collection));
}

/** Inserts the documents collection by collection (parents first, in generation order); returns counts per collection. */
export async function seedWorkload(db: Db, docs: readonly GeneratedDoc[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const order = [...WORKLOAD_COLLECTIONS, ...new Set(docs.map((d) => d.collection).filter((c) => !WORKLOAD_COLLECTIONS.includes(c)))];
  for (const collection of order) {
    const batch = docs.filter((d) => d.collection === collection).map((d) => d.doc);
    for (let i = 0; i < batch.length; i += BATCH) await db.collection(collection).insertMany(batch.slice(i, i + BATCH));
    if (batch.length > 0) counts.set(collection, batch.length);
  }
  return counts;
}
