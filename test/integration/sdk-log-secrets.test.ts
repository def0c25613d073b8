/**
 * The app's credentials and the platform's tokens never reach a log line when a Feishu call fails: the real SDK
 * (src/platform/larkClient.ts, with the service's logger at debug level, where the SDK's own messages about failed
 * calls are written) against the emulator, whose faults make the token request and a message send fail. The SDK's
 * messages quote the failed request's config (the token request's body is the app secret) and the error it throws
 * carries the request's headers (the bearer token): both are logged here as the service would.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { createLogger } from '../../src/logger';
import { createLarkClient, sdkLogger } from '../../src/platform/larkClient';
import { startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';

let emulator: LarkEmulator;

beforeAll(async () => {
  emulator = await startLarkEmulator({ appSecret: 'emulator-app-secret-7c41d9' });
});
afterAll(async () => {
  await emulator?.close();
});

function setUp(secrets: string[]): { client: lark.Client; text: () => string; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const log = createLogger('debug', { destination: { write: (l: string) => void out.push(l) }, secrets });
  const client = createLarkClient(
    { appId: emulator.appId, appSecret: emulator.appSecret, encryptKey: 'k'.repeat(16), verificationToken: 'v'.repeat(16), domain: emulator.url, mode: 'webhook' },
    log,
  );
  return { client, text: () => out.join(''), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const send = (client: lark.Client) =>
  client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: 'ou_someone', msg_type: 'text', content: JSON.stringify({ text: 'hi' }) } });

test('a failed token request: the SDK’s message about it keeps the address and the answer, not the app secret', async () => {
  // no configured secrets: the SDK logger's own filter and the credential-field check are what keep it out
  const { client, text, lines } = setUp([]);
  emulator.injectFaults({ method: 'POST', path: '/open-apis/auth/v3/tenant_access_token/internal', times: 1, action: { type: 'status', status: 500 } });
  const err = await send(client).then(
    () => undefined,
    (e: unknown) => e,
  );
  // the token request failed; the SDK then sent the message without a token and that was refused too, or the SDK
  // threw the token failure: either way the call failed and the SDK wrote what it had to say about it
  expect(err ?? 'no error').not.toBe('no error');
  expect(lines().some((l) => l.sdk === 'lark' && String(l.msg).includes('tenant_access_token/internal'))).toBe(true);
  expect(text()).not.toContain(emulator.appSecret);
});

test('a refused message send: the error logged whole keeps what helps and neither the token nor the secret', async () => {
  const { client, text, lines } = setUp([emulator.appSecret]);
  await send(client); // a token fetched and used
  const issued = emulator.requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token/internal' && r.status === 200).at(-1);
  const token = (issued?.response as { tenant_access_token?: string } | undefined)?.tenant_access_token;
  expect(token).toMatch(/^t-/);
  emulator.injectFaults({ method: 'POST', path: '/open-apis/im/v1/messages', times: 1, action: { type: 'rate_limit' } });
  const err = await send(client).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  // the error as the SDK throws it carries the token
  expect(JSON.stringify((err as { config?: unknown }).config)).toContain(token!);
  const log = createLogger('debug', { destination: { write: (l: string) => void capture.push(l) } });
  const capture: string[] = [];
  log.error({ err }, 'card not delivered');
  const line = JSON.parse(capture[0]!) as { err: Record<string, unknown> };
  expect(line.err).toMatchObject({ type: 'AxiosError', status: 400, request: { method: 'POST', url: expect.stringContaining('/open-apis/im/v1/messages') }, response: { code: 230020 } });
  for (const t of [capture.join(''), text()]) {
    expect(t).not.toContain(token!);
    expect(t).not.toContain(emulator.appSecret);
  }
  expect(lines().length).toBeGreaterThan(0);
});

test('the SDK’s own summary of a failed call (its config with the request body) is logged without the body', () => {
  const out: string[] = [];
  const log = sdkLogger(createLogger('debug', { destination: { write: (l: string) => void out.push(l) } }));
  // the shape the SDK's formatErrors gives for an axios error it recognises (node-sdk lib/index.js)
  const body = JSON.stringify({ app_id: 'cli_x', app_secret: 'secret-in-body-93ab' });
  log.error([
    {
      message: 'Request failed with status code 500',
      config: { data: body, url: 'https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal', method: 'post' },
      request: { protocol: 'https:', host: 'open.feishu.cn', path: '/open-apis/auth/v3/tenant_access_token/internal', method: 'POST' },
      response: { data: { code: 10003, msg: 'invalid param' }, status: 500, statusText: 'Internal Server Error' },
    },
  ]);
  const text = out.join('');
  expect(text).not.toContain('secret-in-body-93ab');
  expect(text).toContain('tenant_access_token/internal');
  expect(text).toContain('invalid param');
});
