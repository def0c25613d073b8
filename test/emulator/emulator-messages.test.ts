/** The emulator driven by the real SDK client: token, messages, cards, files, images, resources, delayed updates. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AxiosError } from 'axios';
import * as lark from '@larksuiteoapi/node-sdk';
import { silentLogger, startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';

const USER = 'ou_7d8a6e6df7621556ce0d21922b676706';
const CHAT = 'oc_5ad11d72b830411d72b836c20';
/** A 1×1 transparent PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

const card = (elements: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: '检查' }, template: 'blue' },
  body: { elements },
  ...extra,
});

/** The platform's answer of a rejected call (HTTP 4xx/5xx surface as AxiosError from the SDK). */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: number; msg: string; headers: Record<string, unknown> }> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof AxiosError) || !e.response) throw e;
    const data = e.response.data as { code: number; msg: string; error?: { log_id?: string } };
    expect(data.error?.log_id).toMatch(/^\d{14}[0-9A-F]{20}$/);
    return { status: e.response.status, code: data.code, msg: data.msg, headers: { ...e.response.headers } };
  }
  throw new Error('expected the call to be refused');
}

let emu: LarkEmulator;
let client: lark.Client;
let cache: lark.DefaultCache;
/** Drop the SDK's cached tenant token (it has no invalidation of its own). */
const forgetToken = (): void => void cache.set(lark.CTenantAccessToken, '', Date.now() - 1, { namespace: emu.appId });

beforeAll(async () => {
  emu = await startLarkEmulator();
  cache = new lark.DefaultCache();
  client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache, loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const sendText = (receiveId: string, text: string, uuid?: string) =>
  client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: receiveId, msg_type: 'text', content: JSON.stringify({ text }), uuid } });
const sendCard = (c: unknown, receiveId = USER) =>
  client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: receiveId, msg_type: 'interactive', content: JSON.stringify(c) } });

describe('tenant_access_token', () => {
  test('is fetched once with the app credentials and sent as Bearer', async () => {
    const fresh = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
    await sendTextWith(fresh, 'a');
    await sendTextWith(fresh, 'b');
    const tokenCalls = emu.requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token/internal');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0].body).toEqual({ app_id: emu.appId, app_secret: '***' });
    expect(tokenCalls[0].response).toMatchObject({ code: 0, expire: 7200, tenant_access_token: expect.stringMatching(/^t-/) });
    expect(emu.requests[1].headers.authorization).toMatch(/^Bearer t-/);
  });

  test('a wrong secret gives 10014 and the SDK call fails', async () => {
    const bad = new lark.Client({ appId: emu.appId, appSecret: 'nope', domain: emu.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
    await expect(sendTextWith(bad, 'x')).rejects.toThrow(/failed to get tenant_access_token, code: 10014/);
  });

  test('calls without a token get 99991661', async () => {
    const res = await fetch(`${emu.url}/open-apis/im/v1/messages?receive_id_type=open_id`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 99991661, error: { log_id: expect.any(String) } });
  });

  test('unknown routes answer 404 JSON', async () => {
    const res = await fetch(`${emu.url}/open-apis/im/v9/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 404 });
  });
});

function sendTextWith(c: lark.Client, text: string) {
  return c.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'text', content: JSON.stringify({ text }) } });
}

describe('messages', () => {
  test('create is recorded with its parsed content', async () => {
    const res = await sendText(USER, '你好');
    expect(res.code).toBe(0);
    expect(res.data?.message_id).toMatch(/^om_[0-9a-f]{32}$/);
    const [msg] = emu.messagesTo(USER);
    expect(msg).toMatchObject({ message_id: res.data?.message_id, receive_id_type: 'open_id', msg_type: 'text', content: { text: '你好' } });
    expect(msg.chat_id).toBe(emu.p2pChatId(USER));
    expect(emu.messagesTo(msg.chat_id)).toHaveLength(1);
  });

  test('bad requests are refused like the platform does', async () => {
    const r1 = await refusal(client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: 'oc_123', msg_type: 'text', content: '{"text":"x"}' } }));
    expect(r1).toMatchObject({ status: 400, code: 230034 });
    const r2 = await refusal(client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'text', content: 'not json' } }));
    expect(r2.code).toBe(230001);
    const r3 = await refusal(client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'texts', content: '{"text":"x"}' } }));
    expect(r3.code).toBe(230001);
    const r4 = await refusal(client.request({ method: 'POST', url: '/open-apis/im/v1/messages', data: { receive_id: USER, msg_type: 'text', content: '{"text":"x"}' } }));
    expect(r4.code).toBe(99992402);
    expect(emu.messages()).toHaveLength(0);
  });

  test('reply goes to the root message conversation', async () => {
    const root = await sendText(USER, 'root');
    const reply = await client.im.message.reply({ path: { message_id: root.data!.message_id! }, data: { msg_type: 'text', content: JSON.stringify({ text: 'reply' }) } });
    expect(reply.code).toBe(0);
    const replyMsg = emu.messages().find((m) => m.message_id === reply.data?.message_id);
    expect(replyMsg).toMatchObject({ root: root.data?.message_id, receive_id: USER, chat_id: root.data?.chat_id });
    const unknown = await refusal(client.im.message.reply({ path: { message_id: 'om_unknown' }, data: { msg_type: 'text', content: '{"text":"x"}' } }));
    expect(unknown.code).toBe(230001);
  });

  test('reply to a registered user message (as the simulated client does)', async () => {
    emu.registerInboundMessage({ message_id: 'om_user1', chat_id: CHAT, chat_type: 'group', sender_open_id: USER, msg_type: 'text', content: { text: 'hi' } });
    const reply = await client.im.message.reply({ path: { message_id: 'om_user1' }, data: { msg_type: 'text', content: '{"text":"ok"}' } });
    expect(reply.data?.chat_id).toBe(CHAT);
    expect(emu.messagesTo(CHAT)[0]).toMatchObject({ root: 'om_user1', receive_id_type: 'chat_id' });
  });

  test('uuid makes create idempotent', async () => {
    const a = await sendText(USER, 'once', 'uuid-1');
    const b = await sendText(USER, 'once', 'uuid-1');
    expect(b.data?.message_id).toBe(a.data?.message_id);
    expect(emu.messages()).toHaveLength(1);
    expect(emu.messages()[0].uuid).toBe('uuid-1');
    emu.advanceTime(3600_000);
    const c = await sendText(USER, 'once', 'uuid-1');
    expect(c.data?.message_id).not.toBe(a.data?.message_id);
  });

  test('patch updates an interactive message; lastCardTo follows', async () => {
    const sent = await sendCard(card([{ tag: 'markdown', content: 'v1' }]));
    const id = sent.data!.message_id!;
    const res = await client.im.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(card([{ tag: 'markdown', content: 'v2' }])) } });
    expect(res.code).toBe(0);
    expect(emu.lastCardTo(USER)?.body?.elements?.[0]).toEqual({ tag: 'markdown', content: 'v2' });
    const msg = emu.messagesTo(USER)[0];
    expect(msg.updates).toHaveLength(1);
    expect(msg.updateLog[0].via).toBe('patch');
    expect(msg.content).toMatchObject({ body: { elements: [{ content: 'v1' }] } });
  });

  test('patch refuses non-cards, 2.0 → 1.0 and invalid cards', async () => {
    const text = await sendText(USER, 't');
    expect((await refusal(client.im.message.patch({ path: { message_id: text.data!.message_id! }, data: { content: JSON.stringify(card([])) } }))).code).toBe(230001);
    const sent = await sendCard(card([]));
    const id = sent.data!.message_id!;
    const down = await refusal(client.im.message.patch({ path: { message_id: id }, data: { content: JSON.stringify({ config: { update_multi: true }, elements: [] }) } }));
    expect(down.code).toBe(230099);
    expect(down.msg).toContain('ErrCode: 200830');
    const bad = await refusal(client.im.message.patch({ path: { message_id: id }, data: { content: JSON.stringify(card([{ tag: 'note', elements: [] }])) } }));
    expect(bad.msg).toContain('ErrCode: 200861');
  });

  test('patching a message older than 14 days gives 230031', async () => {
    const sent = await sendCard(card([]));
    emu.advanceTime(15 * 24 * 3600_000);
    forgetToken(); // the SDK's cached token expired with the emulator clock
    const old = await refusal(client.im.message.patch({ path: { message_id: sent.data!.message_id! }, data: { content: JSON.stringify(card([])) } }));
    expect(old.code).toBe(230031);
  });
});

describe('card validation (schema 2.0)', () => {
  test('the removed action module gives 230099 / 200861 with the ErrPath', async () => {
    const r = await refusal(sendCard(card([
      { tag: 'markdown', content: 'x' },
      { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'ok' } }] },
    ])));
    expect(r.status).toBe(400);
    expect(r.code).toBe(230099);
    expect(r.msg).toMatch(/^Failed to create card content, ext=ErrCode: 200861; ErrPath: ROOT -> body -> elements -> \[1\]\(tag: action\);/);
    expect(r.msg).toContain('ErrorValue: unsupported tag action');
  });

  test('a form without a submit button gives 300123', async () => {
    const r = await refusal(sendCard(card([{ tag: 'form', name: 'f', elements: [{ tag: 'input', name: 'remark' }] }])));
    expect(r.msg).toContain('ErrCode: 300123');
  });

  test('duplicate names give 11310, unknown properties 200621', async () => {
    const dup = await refusal(sendCard(card([{ tag: 'form', name: 'f', elements: [
      { tag: 'input', name: 'a' },
      { tag: 'input', name: 'a' },
      { tag: 'button', name: 'go', form_action_type: 'submit', text: { tag: 'plain_text', content: 'go' } },
    ] }])));
    expect(dup.msg).toContain('ErrCode: 11310');
    expect(dup.msg).toContain('name(a) duplicate');
    const unknown = await refusal(sendCard(card([{ tag: 'column_set', columns: [{ tag: 'column', corner_radius: '4px', elements: [] }] }])));
    expect(unknown.msg).toContain('ErrCode: 200621');
  });

  test('cards over 30 KB give 230025; a valid rich card is accepted', async () => {
    const big = await refusal(sendCard(card([{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }])));
    expect(big.code).toBe(230025);
    const ok = await sendCard(card([
      { tag: 'column_set', columns: [{ tag: 'column', width: 'weighted', weight: 1, elements: [
        { tag: 'button', text: { tag: 'plain_text', content: '符合' }, type: 'primary', behaviors: [{ type: 'callback', value: { cmd: 'ok' } }] },
      ] }] },
      { tag: 'hr' },
      { tag: 'form', name: 'f', elements: [
        { tag: 'input', name: 'remark', max_length: 200, required: true, placeholder: { tag: 'plain_text', content: '备注' } },
        { tag: 'select_static', name: 'level', options: [{ text: { tag: 'plain_text', content: '高' }, value: 'high' }] },
        { tag: 'date_picker', name: 'due', initial_date: '2024-04-01' },
        { tag: 'button', name: 'submit', form_action_type: 'submit', text: { tag: 'plain_text', content: '提交' } },
      ] },
    ]));
    expect(ok.code).toBe(0);
  });
});

describe('files and images', () => {
  test('a Buffer upload (multipart part without filename) is stored as a file', async () => {
    const data = Buffer.from('%PDF-1.4 test');
    const res = await client.im.file.create({ data: { file_type: 'pdf', file_name: '报告.pdf', file: data } });
    expect(res?.file_key).toMatch(/^file_v3_/);
    const [file] = emu.files();
    expect(file).toMatchObject({ file_key: res?.file_key, file_type: 'pdf', file_name: '报告.pdf', size: data.length, part_filename: undefined });
    expect(file.data.equals(data)).toBe(true);
    const sent = await client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'file', content: JSON.stringify({ file_key: res?.file_key }) } });
    expect(sent.code).toBe(0);
  });

  test('a ReadStream upload carries a filename', async () => {
    const tmp = path.join(os.tmpdir(), `emu-${process.pid}-${Date.now()}.xls`);
    fs.writeFileSync(tmp, Buffer.alloc(2048, 7));
    try {
      const res = await client.im.file.create({ data: { file_type: 'xls', file_name: 'list.xls', file: fs.createReadStream(tmp) } });
      expect(res?.file_key).toBeDefined();
      expect(emu.files()[0]).toMatchObject({ size: 2048, part_filename: path.basename(tmp) });
    } finally {
      fs.unlinkSync(tmp);
    }
  });

  test('empty files, bad types and mismatched messages are refused', async () => {
    expect((await refusal(client.im.file.create({ data: { file_type: 'pdf', file_name: 'e.pdf', file: Buffer.alloc(0) } }))).code).toBe(234010);
    expect((await refusal(client.im.file.create({ data: { file_type: 'exe' as 'pdf', file_name: 'e.exe', file: Buffer.from('x') } }))).code).toBe(99992402);
    const audio = await client.im.file.create({ data: { file_type: 'opus', file_name: 'a.opus', file: Readable.from([Buffer.from('OggS')]) as unknown as Buffer, duration: 1000 } });
    const mismatch = await refusal(client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'file', content: JSON.stringify({ file_key: audio?.file_key }) } }));
    expect(mismatch.code).toBe(230055);
  });

  test('images upload, send and download through messageResource.get', async () => {
    const img = await client.im.image.create({ data: { image_type: 'message', image: PNG } });
    expect(img?.image_key).toMatch(/^img_v3_/);
    expect((await refusal(client.im.image.create({ data: { image_type: 'message', image: Buffer.from('not an image') } }))).code).toBe(234011);
    const sent = await client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'image', content: JSON.stringify({ image_key: img?.image_key }) } });
    const resource = await client.im.messageResource.get({ path: { message_id: sent.data!.message_id!, file_key: img!.image_key! }, params: { type: 'image' } });
    const chunks: Buffer[] = [];
    for await (const chunk of resource.getReadableStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(PNG)).toBe(true);
  });

  test('a user image registered through the emulator can be downloaded by the bot', async () => {
    const key = emu.storeUserResource('image', PNG);
    emu.registerInboundMessage({ message_id: 'om_img', chat_id: emu.p2pChatId(USER), chat_type: 'p2p', sender_open_id: USER, msg_type: 'image', content: { image_key: key } });
    const resource = await client.im.messageResource.get({ path: { message_id: 'om_img', file_key: key }, params: { type: 'image' } });
    const tmp = path.join(os.tmpdir(), `emu-img-${process.pid}.png`);
    await resource.writeFile(tmp);
    expect(fs.readFileSync(tmp).equals(PNG)).toBe(true);
    fs.unlinkSync(tmp);
    // the bot cannot forward a user's resource as its own
    const forward = await refusal(client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'image', content: JSON.stringify({ image_key: key }) } }));
    expect(forward.code).toBe(230017);
  });
});

describe('delayed card update (interactive/v1/card/update)', () => {
  const update = (token: string, c: unknown) => client.request<{ code: number; msg: string }>({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token, card: c } });

  test('a c-token updates the card twice, then is used up; it expires after 30 min', async () => {
    const sent = await sendCard(card([{ tag: 'markdown', content: 'v1' }]));
    const token = emu.issueCardToken(sent.data!.message_id!, USER);
    expect(await update(token, card([{ tag: 'markdown', content: 'v2' }]))).toEqual({ code: 0, msg: 'ok' });
    expect(await update(token, card([{ tag: 'markdown', content: 'v3' }]))).toEqual({ code: 0, msg: 'ok' });
    expect((await refusal(update(token, card([])))).code).toBe(300040);
    expect(emu.lastCardTo(USER)?.body?.elements?.[0]).toMatchObject({ content: 'v3' });
    expect(emu.messagesTo(USER)[0].updateLog.map((u) => u.via)).toEqual(['card.update', 'card.update']);

    const other = emu.issueCardToken(sent.data!.message_id!, USER);
    expect((await refusal(update(other, card([{ tag: 'action', actions: [] }])))).code).toBe(11311);
    expect((await refusal(update('bad-token', card([])))).code).toBe(300020);
    emu.advanceTime(31 * 60_000);
    expect((await refusal(update(other, card([])))).code).toBe(300030);
  });
});
