import pino from 'pino';

/** JSON-lines logger. Secrets are redacted wherever they might appear. */
export function createLogger(level: string): pino.Logger {
  return pino({
    level,
    base: { service: 'spotcheck' },
    redact: {
      paths: ['appSecret', 'encryptKey', 'verificationToken', '*.appSecret', '*.encryptKey', '*.verificationToken', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

export type Logger = pino.Logger;
