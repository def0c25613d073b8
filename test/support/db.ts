/** The MongoDB a test talks to: MONGODB_URI when set, else a fresh in-process wire server. */
import { randomBytes } from 'node:crypto';
import mongoose, { type ConnectOptions, type Connection } from 'mongoose';
import { startWireServer } from '../../src/store/embedded';

export interface TestMongo {
  uri: string;
  close(): Promise<void>;
  kind: 'external' | 'wire-server';
}

export async function testMongoUri(): Promise<TestMongo> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, close: async () => {}, kind: 'external' };
  const server = await startWireServer();
  return { uri: server.uri, close: () => server.close(), kind: 'wire-server' };
}

/** A database name unique to this test file and run (MongoDB limits names to 63 bytes; kept well below). */
export function uniqueDbName(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 20);
  return `${clean}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface TestDb {
  conn: Connection;
  mongo: TestMongo;
  dbName: string;
  /** drops the database, closes the connection and stops the wire server (if one was started) */
  close(): Promise<void>;
}

/** A mongoose connection to a fresh, uniquely named database. */
export async function openTestDb(prefix: string, options: ConnectOptions = {}): Promise<TestDb> {
  const mongo = await testMongoUri();
  const dbName = uniqueDbName(prefix);
  const conn = await mongoose.createConnection(mongo.uri, { dbName, serverSelectionTimeoutMS: 5000, ...options }).asPromise();
  return {
    conn,
    mongo,
    dbName,
    async close() {
      try {
        await conn.dropDatabase();
      } finally {
        await conn.close();
        await mongo.close();
      }
    },
  };
}
