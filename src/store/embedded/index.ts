/**
 * A MongoDB wire-protocol server, the offline fallback database and the test database: in memory, single node,
 * standalone. Real mongoose and the real mongodb driver talk to it over TCP. See docs/mongo-wire.md and README.md.
 * `{ worker: true }` runs it in a worker thread.
 *
 * Deliberate behaviour:
 * - transactions are rejected like a real standalone: code 20 IllegalOperation;
 * - $out / $merge, database-level aggregate, views, $text and geo queries are rejected with code 2 BadValue;
 * - updates MongoDB refuses are refused with MongoDB's codes (updateRules.ts);
 * - lookups by indexed fields and counts read only the matching documents (lookup.ts);
 * - numbers keep their BSON types (int32 / int64 / double) across storage, updates and reads.
 */
export { startWireServer, type WireServer, type WireServerOptions } from './server';
