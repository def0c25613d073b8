/**
 * No secret reaches a log line (src/logger.ts redactSecrets): the app's credentials at the top level of a line or
 * inside one of its fields, and a request's bearer token, through the real pino with the logger's options; the
 * caller's objects are left as they were, and a line without secrets is not copied.
 */
import type pino from 'pino';
import { createLogger, REDACTED, redactSecrets } from '../../src/logger';

function capture(): { log: pino.Logger; lines: () => Record<string, any>[]; text: () => string } {
  const out: string[] = [];
  const log = createLogger('info', { destination: { write: (line: string) => void out.push(line) } });
  return { log, lines: () => out.map((l) => JSON.parse(l) as Record<string, any>), text: () => out.join('') };
}

const SECRETS = { appSecret: 'secret-app-9f2c', encryptKey: 'secret-key-41aa', verificationToken: 'secret-token-7d01' };

describe('log lines without secrets', () => {
  it('censors the credentials at the top level of a line', () => {
    const { log, lines, text } = capture();
    log.info({ ...SECRETS, appId: 'cli_a1b2c3d4e5f6a7b8' }, 'loaded');
    const [line] = lines();
    expect(line).toMatchObject({ appSecret: REDACTED, encryptKey: REDACTED, verificationToken: REDACTED, appId: 'cli_a1b2c3d4e5f6a7b8', msg: 'loaded' });
    for (const s of Object.values(SECRETS)) expect(text()).not.toContain(s);
  });

  it('censors them inside a field of the line, and leaves the caller’s object as it was', () => {
    const { log, lines, text } = capture();
    const config = { appId: 'cli_x', ...SECRETS, port: 3000 };
    log.warn({ config, other: { n: 1 } }, 'config');
    const [line] = lines();
    expect(line!.config).toEqual({ appId: 'cli_x', appSecret: REDACTED, encryptKey: REDACTED, verificationToken: REDACTED, port: 3000 });
    expect(line!.other).toEqual({ n: 1 });
    for (const s of Object.values(SECRETS)) expect(text()).not.toContain(s);
    expect(config.appSecret).toBe(SECRETS.appSecret);
  });

  it('censors a bearer token in headers', () => {
    const { log, lines, text } = capture();
    const headers = { authorization: 'Bearer t-g1044bd7xyz', 'content-type': 'application/json' };
    log.info({ headers, status: 401 }, 'api call refused');
    expect(lines()[0]!.headers).toEqual({ authorization: REDACTED, 'content-type': 'application/json' });
    expect(text()).not.toContain('t-g1044bd7xyz');
    expect(headers.authorization).toBe('Bearer t-g1044bd7xyz');
  });

  it('keeps an error’s message, stack and cause when censoring it', () => {
    const { log, lines, text } = capture();
    const err = Object.assign(new TypeError('boom', { cause: new Error('underneath') }), { appSecret: SECRETS.appSecret, code: 42 });
    log.error({ err }, 'failed');
    const logged = lines()[0]!.err;
    // pino's serialiser joins the causes' messages
    expect(logged).toMatchObject({ type: 'TypeError', message: 'boom: underneath', appSecret: REDACTED, code: 42 });
    expect(logged.stack).toContain('boom');
    expect(text()).not.toContain(SECRETS.appSecret);
    expect(err.appSecret).toBe(SECRETS.appSecret);
  });

  it('censors the bindings of a child logger and of its children', () => {
    const { log, lines, text } = capture();
    const child = log.child({ encryptKey: SECRETS.encryptKey, unit: '市局' });
    child.info('child');
    child.child({ config: { ...SECRETS } }).info('grandchild');
    expect(lines()[0]).toMatchObject({ encryptKey: REDACTED, unit: '市局', service: 'spotcheck', msg: 'child' });
    expect(lines()[1]).toMatchObject({ encryptKey: REDACTED, unit: '市局', config: { appSecret: REDACTED }, msg: 'grandchild' });
    for (const s of Object.values(SECRETS)) expect(text()).not.toContain(s);
  });

  it('passes a line without secrets on as it is, and logs it whole', () => {
    const fields = { action: 'answer', openId: 'ou_1', value: { task: 't1', item: 3, version: 4 }, toast: 'success' };
    expect(redactSecrets(fields)).toBe(fields);
    const { log, lines } = capture();
    log.info(fields, 'card action');
    expect(lines()[0]).toMatchObject({ ...fields, msg: 'card action', service: 'spotcheck', level: 30 });
  });
});
