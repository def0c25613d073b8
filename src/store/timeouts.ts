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
 * The driver this project uses ignores the client-side `timeoutMS` (it is deprecated there), so these three
 * server-enforced limits are the whole mechanism. Work that legitimately takes longer (the draw reading a whole
 * registry, the 附件5 summary over 20,000 tasks, large imports) states its own limit with `LONG_OPERATION`.
 * The socket timeout is the last resort against a server that stops answering altogether; it sits above every
 * explicit limit.
 */
import type { ConnectOptions } from 'mongoose';

/** Below Feishu's 3-second callback deadline, with room for the rest of the handler. */
export const DB_OPERATION_TIMEOUT_MS = 2000;

/** The explicit limit of long jobs (draw, summary, import batches, the public results page). */
export const LONG_OPERATION_TIMEOUT_MS = 5 * 60_000;

/** For `query.setOptions(…)` / `aggregate.option(…)` / `model.bulkWrite(ops, …)` of a long job. */
export const LONG_OPERATION = { maxTimeMS: LONG_OPERATION_TIMEOUT_MS } as const;

/** Connection options every service and CLI connection uses. */
export function timeoutOptions(): ConnectOptions {
  return {
    serverSelectionTimeoutMS: DB_OPERATION_TIMEOUT_MS,
    w: 'majority',
    wtimeoutMS: DB_OPERATION_TIMEOUT_MS,
    socketTimeoutMS: LONG_OPERATION_TIMEOUT_MS + 60_000,
  };
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
