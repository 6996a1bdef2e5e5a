import { MongoClient } from 'mongodb';

/**
 * Every value read keeps its BSON type: Int32, Int64 and Double stay wrapped
 * instead of being promoted to JS numbers, so re-serialising a document gives
 * the same types back (DESIGN decision 3).
 */
export function createMongoClient(url: string): MongoClient {
  return new MongoClient(url, {
    promoteValues: false,
    promoteLongs: false,
    promoteBuffers: false,
    bsonRegExp: true,
    serverSelectionTimeoutMS: 10_000,
    appName: 'tidemark',
  });
}
