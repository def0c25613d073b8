/**
 * Time limits on database operations (docs/architecture.md "Database"). Feishu waits 3 seconds for a callback's
 * answer, so no single operation may wait longer than that by default:
 *
 * - server selection (no primary reachable, e.g. during an election): `serverSelectionTimeoutMS`;
 * - writes: write concern `{w: 'majority', wtimeout}` — a replica set with a member down answers with a write-
 *   concern error (code 64) instead of waiting for a majority that never comes;
 * - reads (find, findOne, countDocuments, distinct, findOneAndUpdate, aggregate): `maxTimeMS`, set on the
 *   connection, so MongoDB stops the operation and answers code 50 (MaxTimeMSExpired).
 *
 * The driver this project uses (mongodb 7) ignores the client-side `timeoutMS`: its option table marks it
 * `deprecated: 'timeoutMS has no effect…', ignored: true` (node_modules/mongodb/lib/connection_string.js), so these
 * three server-enforced limits are the whole per-operation mechanism. Work that legitimately takes longer (the draw
 * reading a whole registry, the 附件5 summary over 20,000 tasks, large imports) states its own limit with
 * `LONG_OPERATION`.
 *
 * A server that stops answering altogether (hung, or a network that drops packets silently) enforces none of the
 * above. What bounds an operation then is the driver's server monitor, not the socket timeout: every
 * `heartbeatFrequencyMS` it sends `hello` on its own connection; when that gets no answer within
 * `connectTimeoutMS` (and neither does the immediate retry), the server is marked unknown and its pool is cleared
 * with in-use connections interrupted, so every operation waiting on it fails (a read retried once more fails
 * server selection). The bound is `unansweredServerBoundMs()` (about 72 s), checked by
 * test/integration/db-unanswering.test.ts. Measured with driver 7.8 against a server that stopped answering:
 * - a lower client `socketTimeoutMS` does not bound reads: a find still waited for the monitor (62 s with a 10 s
 *   socket timeout), so there is nothing to gain by lowering it for ordinary operations;
 * - a per-operation `socketTimeoutMS` is honoured for writes (`updateOne(…, {socketTimeoutMS})`) but not for
 *   find/aggregate cursors, through mongoose or the driver, so it cannot carry "short by default, long for long
 *   jobs" either.
 * `connectTimeoutMS` stays at the driver's 30 s on purpose: the embedded wire server answers one command at a
 * time, so its `hello` waits behind a long job, and a shorter limit would interrupt that job on a busy machine.
 * The socket timeout remains the last resort above every explicit limit (LONG_OPERATION).
 */
import type { ConnectOptions } from 'mongoose';

/** Below Feishu's 3-second callback deadline, with room for the rest of the handler. */
export const DB_OPERATION_TIMEOUT_MS = 2000;

/** The explicit limit of long jobs (draw, summary, import batches, the public results page). */
export const LONG_OPERATION_TIMEOUT_MS = 5 * 60_000;

/** For `query.setOptions(…)` / `aggregate.option(…)` / `model.bulkWrite(ops, …)` of a long job. */
export const LONG_OPERATION = { maxTimeMS: LONG_OPERATION_TIMEOUT_MS } as const;

/** How often the driver's monitor checks the server, and how long a check (or a new connection) may take. */
export const HEARTBEAT_FREQUENCY_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 30_000;

/** Connection options every service and CLI connection uses. */
export function timeoutOptions(): ConnectOptions {
  return {
    serverSelectionTimeoutMS: DB_OPERATION_TIMEOUT_MS,
    w: 'majority',
    wtimeoutMS: DB_OPERATION_TIMEOUT_MS,
    socketTimeoutMS: LONG_OPERATION_TIMEOUT_MS + 60_000,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    heartbeatFrequencyMS: HEARTBEAT_FREQUENCY_MS,
  };
}

/**
 * The longest an operation waits on a server that has stopped answering (see above): the next heartbeat, the
 * check and its retry, then the server selection of a retried read.
 */
export function unansweredServerBoundMs(o: ConnectOptions = timeoutOptions()): number {
  return (o.heartbeatFrequencyMS ?? 10_000) + 2 * (o.connectTimeoutMS ?? 30_000) + (o.serverSelectionTimeoutMS ?? 30_000);
}

/** The connection-level default `maxTimeMS` (mongoose applies it to reads and aggregates that set none). */
export const CONNECTION_MAX_TIME_MS = DB_OPERATION_TIMEOUT_MS;

/**
 * A database failure that is a timeout or an unreachable server, said in Chinese for the person who waited;
 * undefined for any other error.
 */
export function databaseUnavailableMessage(err: unknown): string | undefined {
  const e = err as { name?: unknown; code?: unknown; codeName?: unknown; writeConcernError?: { code?: unknown } };
  const name = typeof e?.name === 'string' ? e.name : '';
  const timedOut =
    e?.code === 50 ||
    e?.codeName === 'MaxTimeMSExpired' ||
    e?.code === 64 ||
    e?.writeConcernError?.code === 64 ||
    name === 'MongoServerSelectionError' ||
    name === 'MongoNetworkTimeoutError' ||
    name === 'MongoNetworkError' ||
    name === 'MongoWriteConcernError';
  if (!timedOut) return undefined;
  return '数据库暂时没有响应，本次操作没有完成，请稍后重试；如持续出现请联系管理员检查数据库。';
}
