/**
 * A MongoDB wire-protocol server for tests (and the offline fallback): in memory, single node, standalone.
 * Real mongoose and the real mongodb driver talk to it over TCP. See docs/mongo-wire.md.
 *
 * Deliberate behaviour:
 * - transactions are rejected like a real standalone: code 20 IllegalOperation;
 * - $out / $merge, database-level aggregate, views, $text and geo queries are rejected with code 2 BadValue;
 * - numbers keep their BSON types (int32 / int64 / double) across storage, updates and reads.
 */
export { startWireServer, type WireServer, type WireServerOptions } from './server';
