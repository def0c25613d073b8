/**
 * GET /open-apis/im/v1/messages/:message_id/resources/:file_key through the real SDK (client.im.messageResource.get):
 * a user's file message is downloadable, only with its own message, with the refusals the platform documents; and
 * the bot's downloader (platform/messageFiles.ts) reads it with a size cap.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import type { Readable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { createMessageFileSource } from '../../src/platform/messageFiles';
import { SimulatedFeishu } from '../../src/sandbox/client';
import { silentLogger, startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';

const USER = 'ou_b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6';
let emu: LarkEmulator;
let client: lark.Client;
let feishu: SimulatedFeishu;

beforeAll(async () => {
  emu = await startLarkEmulator();
  client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache(), logger: silentLogger });
  // No bot listens: the messages are only registered with the emulator (deliveries fail, which these tests ignore).
  feishu = new SimulatedFeishu({ botUrl: 'http://127.0.0.1:9/lark/events', verificationToken: 'vt', appId: emu.appId, emulator: emu, hardTimeoutMs: 500 });
});

afterAll(async () => {
  await emu.close();
});

async function userFile(name: string, bytes: Buffer): Promise<{ messageId: string; fileKey: string }> {
  const fileKey = emu.storeUserResource('file', bytes, { fileName: name });
  const envelope = feishu.messageEvent(USER, 'file', { file_key: fileKey, file_name: name }, { mentionBot: false });
  const message = envelope.event.message as { message_id: string; chat_id: string; content: string };
  emu.registerInboundMessage({
    message_id: message.message_id,
    chat_id: message.chat_id,
    chat_type: 'p2p',
    sender_open_id: USER,
    msg_type: 'file',
    content: JSON.parse(message.content),
  });
  return { messageId: message.message_id, fileKey };
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The {code, msg} of a refused download (the SDK asks for a stream, so the error body is a stream too). */
async function refusal(p: Promise<unknown>): Promise<{ status: number; code: number; msg: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { response: { status: number; data: Readable } };
    const body = JSON.parse((await readAll(e.response.data)).toString('utf8')) as { code: number; msg: string };
    return { status: e.response.status, code: body.code, msg: body.msg };
  }
  throw new Error('expected a refusal');
}

describe('message resources', () => {
  it('serves the file of a user’s file message to the SDK', async () => {
    const bytes = Buffer.from('姓名,飞书OpenID\r\n张三,ou_x\r\n');
    const { messageId, fileKey } = await userFile('staff.csv', bytes);
    const res = await client.im.messageResource.get({ path: { message_id: messageId, file_key: fileKey }, params: { type: 'file' } });
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('staff.csv'));
    expect(await readAll(res.getReadableStream())).toEqual(bytes);
  });

  it('refuses what the platform refuses', async () => {
    const a = await userFile('a.csv', Buffer.from('a'));
    const b = await userFile('b.csv', Buffer.from('b'));
    const get = (messageId: string, fileKey: string, type: string) =>
      client.im.messageResource.get({ path: { message_id: messageId, file_key: fileKey }, params: { type } });
    // the key of another message
    expect(await refusal(get(a.messageId, b.fileKey, 'file'))).toEqual({ status: 400, code: 234003, msg: 'File not in message.' });
    // no such message
    expect(await refusal(get('om_00000000000000000000000000000000', a.fileKey, 'file'))).toMatchObject({ status: 400, code: 234003 });
    // a bad type
    expect(await refusal(get(a.messageId, a.fileKey, 'video'))).toEqual({ status: 400, code: 234001, msg: 'Invalid request param.' });
    // a file asked for as an image
    expect(await refusal(get(a.messageId, a.fileKey, 'image'))).toMatchObject({ status: 400, code: 234003 });
    // a card message
    const sent = await client.im.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: USER, msg_type: 'interactive', content: JSON.stringify({ schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'x' }] } }) },
    });
    expect(await refusal(get(sent.data!.message_id!, a.fileKey, 'file'))).toEqual({ status: 400, code: 234043, msg: 'Unsupported message type.' });
  });
});

describe('the bot’s downloader', () => {
  const source = () => createMessageFileSource(client, emu.appId, createLogger('silent'));

  it('reads a file up to the cap', async () => {
    const bytes = Buffer.alloc(64 * 1024, 0x61);
    const { messageId, fileKey } = await userFile('x.csv', bytes);
    const res = await source().download(messageId, fileKey, bytes.length);
    expect(res).toEqual({ ok: true, data: bytes });
  });

  it('refuses a file over the cap without reading it all', async () => {
    const { messageId, fileKey } = await userFile('big.csv', Buffer.alloc(3 * 1024 * 1024, 0x61));
    expect(await source().download(messageId, fileKey, 1024 * 1024)).toEqual({ ok: false, reason: 'tooLarge', bytes: 3 * 1024 * 1024 });
  });

  it('reports the platform’s error code', async () => {
    const a = await userFile('a.csv', Buffer.from('a'));
    const b = await userFile('b.csv', Buffer.from('b'));
    expect(await source().download(a.messageId, b.fileKey, 1024)).toMatchObject({ ok: false, reason: 'failed', code: 234003 });
  });

  it('fetches a new token once when the old one is refused', async () => {
    const { messageId, fileKey } = await userFile('t.csv', Buffer.from('t'));
    const s = source();
    await s.download(messageId, fileKey, 1024); // a token is cached
    emu.expireTokens();
    expect(await s.download(messageId, fileKey, 1024)).toEqual({ ok: true, data: Buffer.from('t') });
  });
});
