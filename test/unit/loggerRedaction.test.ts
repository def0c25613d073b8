/**
 * No secret reaches a log line (src/logger.ts redactSecrets): the app's credentials at the top level of a line or
 * inside one of its fields, and a request's bearer token, through the real pino with the logger's options; the
 * caller's objects are left as they were, and a line without secrets is not copied.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import type pino from 'pino';
import { createLogger, REDACTED, redactSecrets, scrubLine } from '../../src/logger';

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

/**
 * A failed call through axios (the Feishu SDK's HTTP client), made for real against a local server that answers as the
 * platform does when it refuses a token: the error carries the request's headers and body and the socket's request.
 */
describe('errors of HTTP calls', () => {
  const TOKEN = 't-g1044bd7secrettoken';
  const APP_SECRET = 'app-secret-5e1f0c2b';
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 99991663, msg: 'Invalid access token for authorization.' })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function failedCall(): Promise<Error> {
    try {
      await lark.defaultHttpInstance.post(`${url}/open-apis/im/v1/messages?receive_id_type=open_id`, { app_id: 'cli_x', app_secret: APP_SECRET }, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
    } catch (err) {
      return err as Error;
    }
    throw new Error('the call did not fail');
  }

  it('logs an axios error as its type, message, code, the address called and the platform’s answer, without the request', async () => {
    const err = await failedCall();
    // the error as axios makes it: the token and the secret are in it
    expect(JSON.stringify((err as unknown as { config: unknown }).config)).toContain(TOKEN);
    const { log, lines, text } = capture();
    log.error({ err }, 'send failed');
    const logged = lines()[0]!.err;
    expect(logged).toMatchObject({
      type: 'AxiosError',
      message: 'Request failed with status code 400',
      code: 'ERR_BAD_REQUEST',
      status: 400,
      request: { method: 'POST', url: `${url}/open-apis/im/v1/messages` },
      response: { status: 400, code: 99991663, msg: 'Invalid access token for authorization.' },
    });
    expect(logged.stack).toContain('AxiosError');
    expect(Object.keys(logged).sort()).toEqual(['code', 'message', 'request', 'response', 'stack', 'status', 'type']);
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain(APP_SECRET);
    // the caller's error is untouched
    expect((err as unknown as { config: { headers: Record<string, string> } }).config.headers.Authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('does the same for an axios error under another name (JSON of it) and inside an error of its own', async () => {
    const err = await failedCall();
    const wrapper = Object.assign(new Error('dispatch failed', { cause: err }), { original: err });
    const { log, lines, text } = capture();
    log.warn({ error: err, err: wrapper }, 'twice');
    const [line] = lines();
    expect(line!.error).toMatchObject({ message: 'Request failed with status code 400', response: { code: 99991663 } });
    expect(line!.error.config).toBeUndefined();
    // pino joins the cause's message; the field holding the same error is summarised
    expect(line!.err).toMatchObject({ message: 'dispatch failed: Request failed with status code 400', original: { type: 'AxiosError', status: 400 } });
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain(APP_SECRET);
  });
});

describe('the last check on a written line', () => {
  it('removes configured secrets, bearer tokens and credential fields wherever they stand, and leaves other lines alone', () => {
    const out: string[] = [];
    const log = createLogger('info', { destination: { write: (l: string) => void out.push(l) }, secrets: [SECRETS.appSecret, 'short', undefined] });
    // as the SDK's own messages quote a failed call: its request body as JSON text inside the message
    const body = JSON.stringify({ app_id: 'cli_x', app_secret: 'other-secret-1234' });
    log.info(`call failed: ${JSON.stringify({ config: { data: body } })} with Bearer t-abc123 and key ${SECRETS.appSecret}`);
    log.info({ tenant_access_token: 't-zzz999', short: 'short' }, 'token');
    log.info({ action: 'answer', openId: 'ou_1' }, 'card action');
    // a header quoted as JSON text: the token goes, the line stays valid JSON (parsed below)
    log.info({ note: JSON.stringify({ headers: { Authorization: 'Bearer t-esc456' } }) }, 'quoted');
    const text = out.join('');
    for (const leaked of ['other-secret-1234', 't-abc123', SECRETS.appSecret, 't-zzz999', 't-esc456']) expect(text).not.toContain(leaked);
    const [first, second, third, fourth] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(JSON.parse(String(fourth!.note))).toEqual({ headers: { Authorization: `Bearer ${REDACTED}` } });
    expect(first!.msg).toContain(`\\"app_secret\\":\\"${REDACTED}\\"`);
    expect(first!.msg).toContain(`Bearer ${REDACTED}`);
    expect(second).toMatchObject({ tenant_access_token: REDACTED, short: 'short' });
    expect(third).toMatchObject({ action: 'answer', openId: 'ou_1', msg: 'card action' });
    expect(scrubLine(out[2]!, [SECRETS.appSecret])).toBe(out[2]);
  });
});
