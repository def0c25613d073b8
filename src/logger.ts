import pino from 'pino';

/** How long a log line may wait in the service's buffer before it is written. */
export const LOG_FLUSH_MS = 100;
/** The buffer is written as soon as it holds this much (bytes), whatever the timer. */
const LOG_MIN_WRITE = 8192;

/**
 * JSON-lines logger. No secret reaches a line (redactSecrets below).
 *
 * `buffered` (the service): lines go to stdout in batches instead of one write each — one write per LOG_MIN_WRITE
 * bytes or per LOG_FLUSH_MS, whichever comes first. No line is lost or reordered on an orderly exit or an uncaught
 * exception: what is buffered is written on the process's 'exit' (which runs for process.exit and for an uncaught
 * exception alike), and an error or fatal line is written at once, with what waited before it
 * (test/unit/logger.test.ts).
 * Without it every line is written on its own (pino's default destination), as the CLI and the scripts want.
 * `destination`: the lines go there instead (the tests).
 * `secrets`: values that never appear in a written line, wherever they would (the app's credentials as configured;
 * scrubLine below).
 */
export function createLogger(
  level: string,
  opts: { buffered?: boolean; destination?: pino.DestinationStream; secrets?: readonly (string | undefined)[] } = {},
): pino.Logger {
  const secrets = (opts.secrets ?? []).filter(scrubbable);
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'spotcheck' },
    formatters: { log: redactSecrets, bindings: redactSecrets },
    hooks: { streamWrite: (line) => scrubLine(line, secrets) },
  };
  const destination = opts.destination ?? (opts.buffered ? bufferedStdout() : undefined);
  const logger = destination ? pino(options, destination) : pino(options);
  // a child's bindings skip the formatters (pino resets them for children): they are censored as they come in,
  // for every child of every generation (a child inherits this method from the root)
  const pinoChild = logger.child as unknown as (this: pino.Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => pino.Logger;
  logger.child = function (this: pino.Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return pinoChild.call(this, redactSecrets(bindings), childOptions);
  } as unknown as typeof logger.child;
  return logger;
}

/** What stands in a log line for a secret. */
export const REDACTED = '[redacted]';
/**
 * A configured value scrubbed from lines by value: long enough not to match ordinary text, and written in a line as it
 * is (JSON would escape a quote, a backslash or a control character, so such a value never appears verbatim).
 */
function scrubbable(v: string | undefined): v is string {
  return typeof v === 'string' && v.length >= 8 && !/["\\\u0000-\u001f]/.test(v);
}

/** Keys whose values never reach a log line: at the top level of a line, or inside any of its top-level fields. */
const SECRET_KEYS: readonly string[] = ['appSecret', 'encryptKey', 'verificationToken'];

/**
 * The line's fields with every secret replaced by REDACTED: a key of SECRET_KEYS at the top level or one level down
 * (the credentials as loaded, e.g. `{ config }`), and `headers.authorization` (a request's or an API call's bearer
 * token). A line without any (every line the service writes on its hot path) is returned as it is, nothing copied;
 * one with some comes out as a copy, the caller's objects untouched. (pino's own `redact` option runs a redaction
 * library over every object-valued field of every line, copying each: the callbacks' lines paid that on each click.)
 */
export function redactSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (SECRET_KEYS.includes(key)) {
      (out ??= { ...fields })[key] = REDACTED;
      continue;
    }
    const value = fields[key];
    if (typeof value !== 'object' || value === null) continue;
    const inner = withoutSecrets(value instanceof Error ? errorWithoutRequests(value as unknown as Record<string, unknown>) : value, key === 'headers');
    if (inner !== value) (out ??= { ...fields })[key] = inner;
  }
  return out ?? fields;
}

/**
 * An error from an HTTP client (axios, which the Feishu SDK uses) carries the whole request: `config` with its
 * headers (`Authorization: Bearer <tenant_access_token>`) and body (the token request's is the app secret), and
 * `request`, the socket's request object whose header text holds the token again. pino's error serialiser copies an
 * error's enumerable fields (and axios's toJSON the config) into the line, so such an error is logged as what helps
 * and nothing else: its type, message, stack and causes, code and status, the method and address called (without the
 * query), and the platform's answer (status, and code and msg of its JSON). An error holding one in a field of its
 * own is treated the same way in that field. Any other error is left as it is.
 */
function errorWithoutRequests(err: Record<string, unknown>): Record<string, unknown> {
  if (isHttpClientError(err)) return httpErrorSummary(err);
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(err)) {
    const value = err[key];
    if (key !== 'cause' && typeof value === 'object' && value !== null && isHttpClientError(value as Record<string, unknown>)) {
      (out ??= copyOf(err))[key] = httpErrorSummary(value as Record<string, unknown>);
    }
  }
  return out ?? err;
}

function isErrorLike(value: object): value is Record<string, unknown> {
  return typeof (value as { message?: unknown }).message === 'string';
}

function isHttpClientError(err: Record<string, unknown>): boolean {
  const has = (key: string) => Object.hasOwn(err, key) && typeof err[key] === 'object' && err[key] !== null;
  return err.isAxiosError === true || (isErrorLike(err) && (has('config') || has('request')));
}

function httpErrorSummary(err: Record<string, unknown>): Record<string, unknown> {
  const summary = Object.create(Object.getPrototypeOf(err) as object) as Record<string, unknown>;
  // own, enumerable fields: what pino's serialiser reads (the prototype gives its type). axios's toJSON (which a field
  // not named `err` goes through) would put the config back: shadowed.
  Object.defineProperty(summary, 'toJSON', { value: undefined, enumerable: false });
  summary.message = err.message;
  summary.stack = err.stack;
  // as the Error constructor puts it: not enumerable, so that JSON of the summary leaves it out (pino reads the
  // causes' messages and stacks by name)
  if (err.cause !== undefined) Object.defineProperty(summary, 'cause', { value: err.cause, enumerable: false, writable: true, configurable: true });
  const { message: _m, type: _t, ...rest } = describeHttpError(err)!;
  return Object.assign(summary, rest);
}

/**
 * What an HTTP client's error says that helps, and nothing of its request: type, message, code and status, the method
 * and address called (without the query), and the platform's answer (status, code and msg of its JSON). Undefined for
 * anything that is not such an error.
 */
export function describeHttpError(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || !isHttpClientError(value as Record<string, unknown>)) return undefined;
  const err = value as Record<string, unknown>;
  const out: Record<string, unknown> = { type: (err.constructor as { name?: unknown } | undefined)?.name ?? err.name, message: err.message };
  if (typeof err.code === 'string' || typeof err.code === 'number') out.code = err.code;
  if (typeof err.status === 'number') out.status = err.status;
  const config = err.config as { method?: unknown; url?: unknown } | undefined;
  if (config && typeof config === 'object') {
    const url = typeof config.url === 'string' ? config.url.split('?')[0] : undefined;
    out.request = { method: typeof config.method === 'string' ? config.method.toUpperCase() : undefined, url };
  }
  const response = err.response as { status?: unknown; data?: unknown } | undefined;
  if (response && typeof response === 'object') {
    const data = response.data as { code?: unknown; msg?: unknown } | undefined;
    out.response = {
      status: typeof response.status === 'number' ? response.status : undefined,
      ...(data && typeof data === 'object' && (typeof data.code === 'number' || typeof data.code === 'string') ? { code: data.code } : {}),
      ...(data && typeof data === 'object' && typeof data.msg === 'string' ? { msg: data.msg.slice(0, 500) } : {}),
    };
  }
  return out;
}

/**
 * The last check on every line as written (pino's streamWrite hook): a configured secret, a bearer token, or the value
 * of a JSON field named like a credential (also inside a JSON text that a line quotes, e.g. the SDK's own messages
 * about a failed call, which quote the request's body) is replaced by REDACTED, wherever it stands. A line holding none
 * of them (every line the service writes on its hot path) is returned as it is; the checks are substring searches.
 */
export function scrubLine(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  if (out.includes('Bearer ')) out = out.replace(BEARER, `Bearer ${REDACTED}`);
  if (out.includes('_secret') || out.includes('_token')) out = out.replace(CREDENTIAL_FIELD, `$1${REDACTED}`);
  return out;
}

/** `Bearer <token>` in any header text or message (a token has no backslash: one before a quote is the quote's escape) */
const BEARER = /Bearer [^\s"'\\,;]+/g;
/**
 * `"app_secret": "…"` and the platform's tokens as JSON fields, also escaped inside a quoted JSON text (\"…\"); the
 * value ends before its closing quote or the backslash escaping it (tokens and secrets have neither)
 */
const CREDENTIAL_FIELD =
  /((?:\\)*"(?:app_secret|client_secret|encrypt_key|tenant_access_token|app_access_token|user_access_token|access_token|refresh_token|app_ticket)(?:\\)*"\s*:\s*(?:\\)*")[^"\\]*/g;

function withoutSecrets(value: object, headers: boolean): object {
  let out: Record<string, unknown> | undefined;
  for (const key of SECRET_KEYS) if (Object.hasOwn(value, key)) (out ??= copyOf(value))[key] = REDACTED;
  if (headers && Object.hasOwn(value, 'authorization')) (out ??= copyOf(value)).authorization = REDACTED;
  return out ?? value;
}

/** A copy to censor: an error keeps what pino's error serialiser reads (its type, message, stack and cause). */
function copyOf(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return Object.assign([], value) as unknown as Record<string, unknown>;
  if (value instanceof Error) {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, value);
    copy.message = value.message;
    copy.stack = value.stack;
    if (Object.hasOwn(value, 'cause')) copy.cause = value.cause;
    return copy as unknown as Record<string, unknown>;
  }
  return { ...value };
}

/** pino's level number of `error`: error and fatal lines are written at once */
const ERROR = 50;

/**
 * stdout through pino's destination (sonic-boom) with a minimum write size, flushed by a timer while lines wait.
 * Its writes are synchronous, as Node's own process.stdout is for pipes and files on Linux: each is one write(2) of a
 * batch. The asynchronous mode handed a batch to libuv's thread pool, and on 'exit' sonic-boom's flushSync writes
 * what came after it at once while that batch may still be waiting for a pool thread: a CI run under load got lines
 * 0–90 after lines 91–266 (test/unit/logger.test.ts reproduces it with a busy pool). With synchronous writes no
 * batch is ever in flight, and the 'exit' flush (registered here: pino registers one only for asynchronous
 * destinations) writes the rest in order.
 */
function bufferedStdout(): pino.DestinationStream {
  const dest = pino.destination({ dest: 1, sync: true, minLength: LOG_MIN_WRITE });
  flushOnExit.add(dest);
  // sonic-boom's count of bytes not yet handed to a write (its flush() with nothing pending writes an empty string)
  const pending = () => ((dest as unknown as { _len?: number })._len ?? 1) > 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = undefined;
    // a synchronous write: everything waiting is written now
    if (pending()) dest.flush();
  };
  const stream = {
    // pino then sets lastLevel before each write (pino/lib/proto.js)
    [Symbol.for('pino.metadata')]: true,
    lastLevel: 0,
    write(line: string): void {
      dest.write(line);
      if (stream.lastLevel >= ERROR) {
        dest.flushSync();
        return;
      }
      if (!timer) {
        timer = setTimeout(tick, LOG_FLUSH_MS);
        timer.unref();
      }
    },
    flush(cb?: (err?: Error) => void): void {
      dest.flush(cb);
    },
  };
  return stream;
}

/** The buffered destinations, written out on 'exit' (one listener for all, however many loggers a process makes). */
const flushOnExit = new Set<ReturnType<typeof pino.destination>>();
process.on('exit', () => {
  for (const dest of flushOnExit) {
    try {
      dest.flushSync();
    } catch {
      // a closed or broken stdout: nothing more can be written
    }
  }
});

export type Logger = pino.Logger;
