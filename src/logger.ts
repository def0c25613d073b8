import pino from 'pino';

/** How long a log line may wait in the service's buffer before it is written. */
export const LOG_FLUSH_MS = 100;
/** The buffer is written as soon as it holds this much (bytes), whatever the timer. */
const LOG_MIN_WRITE = 8192;

/**
 * JSON-lines logger. Secrets are redacted wherever they might appear.
 *
 * `buffered` (the service): lines go to stdout in batches instead of one write each — one asynchronous write per
 * LOG_MIN_WRITE bytes or per LOG_FLUSH_MS, whichever comes first. No line is lost on an orderly exit or an uncaught
 * exception: pino writes what is buffered synchronously on the process's 'exit' (which runs for process.exit and for
 * an uncaught exception alike), and an error or fatal line is written synchronously at once, with what waited before
 * it (test/unit/logger.test.ts).
 * Without it every line is written on its own (pino's default destination), as the CLI and the scripts want.
 */
export function createLogger(level: string, opts: { buffered?: boolean } = {}): pino.Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'spotcheck' },
    redact: {
      paths: ['appSecret', 'encryptKey', 'verificationToken', '*.appSecret', '*.encryptKey', '*.verificationToken', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  return opts.buffered ? pino(options, bufferedStdout()) : pino(options);
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
