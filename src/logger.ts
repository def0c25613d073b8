import pino from 'pino';

/** How long a log line may wait in the service's buffer before it is written. */
export const LOG_FLUSH_MS = 100;
/** The buffer is written as soon as it holds this much (bytes), whatever the timer. */
const LOG_MIN_WRITE = 8192;

/**
 * JSON-lines logger. No secret reaches a line (redactSecrets below).
 *
 * `buffered` (the service): lines go to stdout in batches instead of one write each — one asynchronous write per
 * LOG_MIN_WRITE bytes or per LOG_FLUSH_MS, whichever comes first. No line is lost on an orderly exit or an uncaught
 * exception: pino writes what is buffered synchronously on the process's 'exit' (which runs for process.exit and for
 * an uncaught exception alike), and an error or fatal line is written synchronously at once, with what waited before
 * it (test/unit/logger.test.ts).
 * Without it every line is written on its own (pino's default destination), as the CLI and the scripts want.
 * `destination`: the lines go there instead (the tests).
 */
export function createLogger(level: string, opts: { buffered?: boolean; destination?: pino.DestinationStream } = {}): pino.Logger {
  const options: pino.LoggerOptions = { level, base: { service: 'spotcheck' }, formatters: { log: redactSecrets, bindings: redactSecrets } };
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
    const inner = withoutSecrets(value, key === 'headers');
    if (inner !== value) (out ??= { ...fields })[key] = inner;
  }
  return out ?? fields;
}

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
 * stdout through pino's asynchronous destination (sonic-boom) with a minimum write size, flushed by a timer while
 * lines wait. pino.destination registers the exit flush itself (a destination that is not synchronous is written
 * with flushSync on 'exit').
 */
function bufferedStdout(): pino.DestinationStream {
  const dest = pino.destination({ dest: 1, sync: false, minLength: LOG_MIN_WRITE });
  // sonic-boom's count of bytes not yet handed to a write (its flush() with nothing pending writes an empty string)
  const pending = () => ((dest as unknown as { _len?: number })._len ?? 1) > 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = undefined;
    if (!pending()) return;
    // a write in flight makes flush() a no-op: what remains is taken at the next tick
    dest.flush();
    timer = setTimeout(tick, LOG_FLUSH_MS);
    timer.unref();
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

export type Logger = pino.Logger;
