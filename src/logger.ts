import pino from 'pino';

export interface LoggerOptions {
  /**
   * Write the lines asynchronously (the service): pino's sonic-boom destination with `sync: false` collects the lines
   * logged while a write is in flight and writes them together, instead of one blocking write(2) per line on the
   * request path. pino flushes what is left synchronously when the process exits (its on-exit hook: process.exit, the
   * end of the event loop, an uncaught exception); only a process killed outright (SIGKILL, a crash of the runtime)
   * can lose the lines still waiting, at most those logged since the last write (docs/architecture.md, "Logs").
   * The CLI keeps synchronous lines (short runs, its own output in between).
   */
  async?: boolean;
}

/** JSON-lines logger on stdout. Secrets are redacted wherever they might appear. */
export function createLogger(level: string, opts: LoggerOptions = {}): pino.Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'spotcheck' },
    redact: {
      paths: ['appSecret', 'encryptKey', 'verificationToken', '*.appSecret', '*.encryptKey', '*.verificationToken', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  return opts.async ? pino(options, pino.destination({ dest: 1, sync: false })) : pino(options);
}

export type Logger = pino.Logger;
