/** Rate limits, fault injection and token expiry, seen through the real SDK client. */
import { AxiosError } from 'axios';
import * as lark from '@larksuiteoapi/node-sdk';
import { silentLogger, startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';

const USER = 'ou_11112222333344445555666677778888';
const OTHER = 'ou_99990000aaaabbbbccccddddeeeeffff';
const GROUP = 'oc_aaaabbbbccccddddeeeeffff00001111';
const CARD = { schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'x' }] } };

type Outcome = { ok: true; messageId?: string } | { ok: false; status: number; code: number; headers: Record<string, unknown> };

async function outcome(call: Promise<{ data?: { message_id?: string } }>): Promise<Outcome> {
  try {
    const res = await call;
    return { ok: true, messageId: res.data?.message_id };
  } catch (e) {
    if (!(e instanceof AxiosError) || !e.response) throw e;
    return { ok: false, status: e.response.status, code: (e.response.data as { code: number }).code, headers: { ...e.response.headers } };
  }
}

const codes = (outcomes: Outcome[]): Array<number | 'ok'> => outcomes.map((o) => (o.ok ? 'ok' : o.code));

describe('with rate limits (default)', () => {
  let emu: LarkEmulator;
  let client: lark.Client;
  let cache: lark.DefaultCache;
  const send = (receiveId: string, type: 'open_id' | 'chat_id' = 'open_id', text = 'hi') =>
    outcome(client.im.message.create({ params: { receive_id_type: type }, data: { receive_id: receiveId, msg_type: 'text', content: JSON.stringify({ text }) } }));

  beforeAll(async () => {
    emu = await startLarkEmulator();
    cache = new lark.DefaultCache();
    client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache, loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  test('a burst of 8 messages to one user within a second: 5 pass, the rest get HTTP 400 / 230020', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => send(USER, 'open_id', `m${i}`)));
    expect(codes(results).filter((c) => c === 'ok')).toHaveLength(5);
    for (const r of results.filter((o) => !o.ok)) expect(r).toMatchObject({ status: 400, code: 230020 });
    expect(emu.messagesTo(USER)).toHaveLength(5);
    expect(emu.rateLimited).toMatchObject({ total: 3, byScope: { user: 3 } });
    // other users are not affected, and the window slides
    expect((await send(OTHER)).ok).toBe(true);
    emu.advanceTime(1000);
    expect((await send(USER)).ok).toBe(true);
  });

  test('5 QPS per chat', async () => {
    const results = await Promise.all(Array.from({ length: 7 }, () => send(GROUP, 'chat_id')));
    expect(codes(results).filter((c) => c === 230020)).toHaveLength(2);
    expect(emu.rateLimited.byScope.chat).toBe(2);
  });

  test('50 messages per second per app', async () => {
    const users = Array.from({ length: 60 }, (_, i) => `ou_${String(i).padStart(32, '0')}`);
    const results = await Promise.all(users.map((u) => send(u)));
    expect(codes(results).filter((c) => c === 'ok')).toHaveLength(50);
    expect(emu.rateLimited.byScope.app_second).toBe(10);
  });

  test('PATCH: 5 QPS per message', async () => {
    const sent = await client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'interactive', content: JSON.stringify(CARD) } });
    const id = sent.data!.message_id!;
    const results = await Promise.all(Array.from({ length: 7 }, () =>
      outcome(client.im.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(CARD) } }))));
    expect(codes(results).filter((c) => c === 230020)).toHaveLength(2);
    expect(emu.rateLimited.byScope.message).toBe(2);
    expect(emu.messagesTo(USER)[0].updates).toHaveLength(5);
  });

  test('injected 429 carries x-ogw-ratelimit-* headers; the next call passes', async () => {
    emu.injectFaults({ method: 'POST', path: '/open-apis/im/v1/messages', action: { type: 'too_many_requests', limit: 50, resetSeconds: 7 } });
    const first = await send(USER);
    expect(first).toMatchObject({ ok: false, status: 429, code: 99991400 });
    if (!first.ok) {
      expect(first.headers['x-ogw-ratelimit-reset']).toBe('7');
      expect(first.headers['x-ogw-ratelimit-limit']).toBe('50');
    }
    expect((await send(USER)).ok).toBe(true);
    expect(emu.requests.filter((r) => r.path === '/open-apis/im/v1/messages').map((r) => [r.status, r.fault])).toEqual([[429, 'too_many_requests'], [200, undefined]]);
    expect(emu.rateLimited.total).toBe(0);
  });

  test('faults: 5xx N times, targeted by receive_id, 230020 and 99991663', async () => {
    emu.injectFaults([
      { path: '/open-apis/im/v1/messages', receiveId: OTHER, times: 2, action: { type: 'status', status: 503 } },
      { path: '/open-apis/im/v1/messages/:id/reply', action: { type: 'rate_limit' } },
      { path: /\/reply$/, action: { type: 'token_invalid' } },
    ]);
    expect((await send(USER)).ok).toBe(true);
    expect(codes([await send(OTHER), await send(OTHER), await send(OTHER)])).toEqual([503, 503, 'ok']);
    const root = emu.messagesTo(USER)[0].message_id;
    const reply = () => outcome(client.im.message.reply({ path: { message_id: root }, data: { msg_type: 'text', content: '{"text":"r"}' } }));
    expect(await reply()).toMatchObject({ ok: false, status: 400, code: 230020 });
    expect(await reply()).toMatchObject({ ok: false, status: 400, code: 99991663 });
    expect((await reply()).ok).toBe(true);
    expect(emu.pendingFaults()).toBe(0);
  });

  test('a delay fault holds the answer', async () => {
    emu.injectFaults({ path: '/open-apis/im/v1/messages', action: { type: 'delay', ms: 150 } });
    const started = Date.now();
    expect((await send(USER)).ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emu.requests.at(-1)).toMatchObject({ fault: 'delay', status: 200 });
  });

  test('expireTokens: 99991663 until the SDK fetches a new token', async () => {
    expect((await send(USER)).ok).toBe(true);
    emu.expireTokens();
    expect(await send(USER)).toMatchObject({ ok: false, status: 400, code: 99991663 });
    // the SDK does not invalidate its cache by itself
    await cache.set(lark.CTenantAccessToken, '', Date.now() - 1, { namespace: emu.appId });
    expect((await send(USER)).ok).toBe(true);
    expect(emu.requests.filter((r) => r.path.endsWith('/tenant_access_token/internal'))).toHaveLength(1);
  });

  test('waitFor resolves on a later message and rejects with a summary on timeout', async () => {
    const waiting = emu.waitFor((m) => m.content.text === 'later', 30_000);
    await send(USER, 'open_id', 'first');
    await send(USER, 'open_id', 'later');
    expect((await waiting).content).toEqual({ text: 'later' });
    await expect(emu.waitFor((m) => m.content.text === 'never', 50)).rejects.toThrow(/no matching message within 50 ms[\s\S]*text → ou_/);
  });
});

test('rateLimits: false lets bursts through', async () => {
  const emu = await startLarkEmulator({ rateLimits: false });
  try {
    const client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
    const results = await Promise.all(Array.from({ length: 8 }, () =>
      outcome(client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'text', content: '{"text":"x"}' } }))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(emu.rateLimited.total).toBe(0);
  } finally {
    await emu.close();
  }
});
