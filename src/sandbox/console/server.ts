/**
 * The browser sandbox's server side (GET /sandbox and /sandbox/api/…): it plays the Feishu client for whoever the
 * page user picks. What a person types or clicks goes to the bot the way Feishu sends it (the simulated client:
 * encrypted, signed events and callbacks posted to /lark/events); what the bot sent is read from the emulator. The
 * page never calls the bot's internals. The one thing read from the database is the staff registry (who can be
 * picked, as Feishu's contacts would list them), and the sample-data button writes it through the same import
 * operations as `npm run cli -- import`.
 *
 * Only this machine may use it: requests from other addresses, or for another host name (DNS rebinding), are
 * refused, and writes must be JSON from the page's own origin.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import type Koa from 'koa';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { Logger } from '../../logger';
import { staffModel } from '../../store/staff';
import type { SimulatedFeishu } from '../client';
import type { ConversationEntry, LarkEmulator, SentMessage } from '../emulator';
import { cardSummary, elementAt, renderCardHtml } from '../render/cardHtml';
import { loadSampleData, SampleDataError } from './sampleData';

export interface SandboxConsoleDeps {
  emulator: LarkEmulator;
  log: Logger;
  now: () => Date;
}

export interface SandboxConsole {
  middleware: Koa.Middleware;
  /** The running service's database and the Feishu client that posts to its webhook. */
  attach(running: { conn: Connection; feishu: SimulatedFeishu }): void;
  /** End the open event streams (the service stops only once every connection has ended). */
  closeStreams(): void;
}

/** Someone who is in no registry: what a newcomer to the app is before the registries are loaded. */
export const VISITOR = { openId: 'ou_sandboxvisitor00000000000000001', name: '访客（未登记）' } as const;

const OPEN_ID = z.string().regex(/^ou_[0-9A-Za-z]{1,64}$/);
const MAX_TEXT = 4000;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const MAX_BODY_BYTES = 15 * 1024 * 1024;

const textBody = z.object({ text: z.string().trim().min(1, '消息不能为空').max(MAX_TEXT, `消息最多 ${MAX_TEXT} 个字`) });
const imageBody = z.object({ name: z.string().max(200).optional(), data: z.string().min(1).max(Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4) });
const fileBody = z.object({
  name: z.string().trim().min(1, '文件需要有文件名').max(200, '文件名最多 200 个字'),
  data: z.string().min(1).max(Math.ceil((MAX_FILE_BYTES * 4) / 3) + 4),
});
const clickBody = z.object({
  messageId: z.string().regex(/^om_[0-9A-Za-z_]+$/),
  path: z.string().regex(/^[0-9A-Za-z_/]{1,300}$/),
  version: z.number().int().min(0),
  form: z.record(z.string(), z.union([z.string().max(5000), z.array(z.string().max(500)).max(100)])).optional(),
});

// ---- loopback only ------------------------------------------------------------------------------------------------

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || /^127(\.\d{1,3}){3}$/.test(a);
}

function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

function refuseRemote(ctx: Koa.Context): boolean {
  if (!isLoopbackAddress(ctx.req.socket.remoteAddress) || !LOOPBACK_HOSTS.has(hostName(ctx.get('host')).toLowerCase())) {
    ctx.status = 403;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = '本地试用页面只接受本机访问：请在运行 npm start 的电脑上打开 http://127.0.0.1:<端口>/sandbox';
    return true;
  }
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    const origin = ctx.get('origin');
    const sameOrigin = origin === '' || origin === `http://${ctx.get('host')}`;
    if (!sameOrigin || !/^application\/json\b/i.test(ctx.get('content-type'))) {
      ctx.status = 403;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = '只接受本页面发出的请求';
      return true;
    }
  }
  return false;
}

// ---- helpers ------------------------------------------------------------------------------------------------------

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, '内容过大（最多 10 MB 的图片）'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(new HttpError(400, '请求内容不是有效的 JSON'));
      }
    });
    req.on('error', reject);
  });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, r.error.issues.map((i) => i.message).join('；'));
  return r.data;
}

/** The page's files: beside this module (tsx, the usual way), or in the checkout's src/ when run from dist/. */
function assetDir(): string {
  const candidates = [path.join(__dirname, 'assets'), path.resolve(__dirname, '../../../../src/sandbox/console/assets')];
  const dir = candidates.find((d) => existsSync(path.join(d, 'index.html')));
  if (!dir) throw new HttpError(500, `找不到本地试用页面的文件（查找了 ${candidates.join('、')}）`);
  return dir;
}

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };
const ASSETS = ['app.js', 'app.css', 'card.css', 'card.js', 'index.html'] as const;

// ---- the chat as the page shows it --------------------------------------------------------------------------------

export interface ChatEntry {
  id: string;
  from: 'user' | 'bot';
  at: number;
  kind: 'text' | 'card' | 'image' | 'file' | 'other';
  /** text messages; for others a one-line description */
  text: string;
  /** cards: the rendered card */
  html?: string;
  /** cards: how many times the card was replaced (a click names the version it saw) */
  version?: number;
  imageKey?: string;
  file?: { key: string; name: string; size: number };
  /** true for a bot message that replaced its card after it was sent */
  updated?: boolean;
}

function contentText(content: Record<string, unknown>): string {
  return typeof content.text === 'string' ? content.text.replace(/^@_user_\d+\s*/, '') : '';
}

function postText(content: Record<string, unknown>): string {
  const post = (content.zh_cn ?? content.en_us ?? Object.values(content)[0]) as { title?: string; content?: { text?: string }[][] } | undefined;
  if (!post || !Array.isArray(post.content)) return '[富文本]';
  const lines = post.content.map((line) => (Array.isArray(line) ? line.map((seg) => seg?.text ?? '').join('') : ''));
  return [post.title, ...lines].filter((l) => l).join('\n');
}

/** `withHtml` false: a card's text line only (the people list shows that; rendering the card is the costly part). */
function chatEntry(e: ConversationEntry, emulator: LarkEmulator, withHtml = true): ChatEntry {
  if (e.from === 'user') {
    const m = e.message;
    const base = { id: m.message_id, from: 'user' as const, at: m.createdAt };
    if (m.msg_type === 'text') return { ...base, kind: 'text', text: contentText(m.content) };
    if (m.msg_type === 'image') return { ...base, kind: 'image', text: '[图片]', imageKey: String(m.content.image_key) };
    if (m.msg_type === 'file') {
      const key = String(m.content.file_key);
      const f = emulator.files().find((x) => x.file_key === key);
      return { ...base, kind: 'file', text: `[文件] ${f?.file_name ?? ''}`, file: { key, name: f?.file_name ?? String(m.content.file_name ?? '文件'), size: f?.size ?? 0 } };
    }
    return { ...base, kind: 'other', text: `[${m.msg_type}]` };
  }
  const m: SentMessage = e.message;
  const base = { id: m.message_id, from: 'bot' as const, at: m.createdAt };
  switch (m.msg_type) {
    case 'text':
      return { ...base, kind: 'text', text: contentText(m.current) };
    case 'post':
      return { ...base, kind: 'text', text: postText(m.current) };
    case 'interactive':
      return { ...base, kind: 'card', text: cardSummary(m.current), html: withHtml ? renderCardHtml(m.current) : undefined, version: m.updates.length, updated: m.updates.length > 0 };
    case 'image':
      return { ...base, kind: 'image', text: '[图片]', imageKey: String(m.current.image_key) };
    case 'file': {
      const key = String(m.current.file_key);
      const f = emulator.files().find((x) => x.file_key === key);
      return { ...base, kind: 'file', text: `[文件] ${f?.file_name ?? ''}`, file: { key, name: f?.file_name ?? '文件', size: f?.size ?? 0 } };
    }
    default:
      return { ...base, kind: 'other', text: `[${m.msg_type}]` };
  }
}

// ---- the console --------------------------------------------------------------------------------------------------

export function sandboxConsole(deps: SandboxConsoleDeps): SandboxConsole {
  const { emulator, log } = deps;
  let running: { conn: Connection; feishu: SimulatedFeishu } | undefined;
  /** open id → emulator time up to which the person has read their chat */
  const readUpTo = new Map<string, number>();
  const streams = new Set<ServerResponse>();
  let seq = 0;

  const unsubscribe = emulator.onActivity((a) => {
    seq += 1;
    const data = `data: ${JSON.stringify({ seq, openId: a.openId ?? null })}\n\n`;
    for (const s of streams) s.write(data);
  });

  const need = (): { conn: Connection; feishu: SimulatedFeishu } => {
    if (!running) throw new HttpError(503, '机器人服务正在启动，请稍候刷新');
    return running;
  };

  function unread(openId: string): { unread: number; last?: ChatEntry } {
    const conv = emulator.conversation(openId);
    const since = readUpTo.get(openId) ?? -1;
    const lastEntry = conv[conv.length - 1];
    return {
      unread: conv.filter((e) => e.from === 'bot' && e.message.createdAt > since).length,
      last: lastEntry ? chatEntry(lastEntry, emulator, false) : undefined,
    };
  }

  function personView(p: { openId: string; name: string; roles: string[]; county: string; unit: string }) {
    const u = unread(p.openId);
    return { ...p, unread: u.unread, lastText: u.last ? `${u.last.from === 'user' ? '我：' : ''}${u.last.text}`.slice(0, 60) : '', lastAt: u.last?.at ?? 0 };
  }

  const router = new Router({ prefix: '/sandbox' });

  router.get('/', async (ctx) => {
    ctx.type = ASSET_TYPES['.html']!;
    ctx.set('cache-control', 'no-store');
    ctx.body = readFileSync(path.join(assetDir(), 'index.html'), 'utf8');
  });

  router.get('/assets/:file', async (ctx) => {
    const file = ctx.params.file ?? '';
    if (!(ASSETS as readonly string[]).includes(file)) return;
    ctx.type = ASSET_TYPES[path.extname(file)] ?? 'application/octet-stream';
    ctx.set('cache-control', 'no-store');
    ctx.body = readFileSync(path.join(assetDir(), file));
  });

  router.get('/api/people', async (ctx) => {
    const { conn } = need();
    const staff = await staffModel(conn).find({}, { openId: 1, name: 1, roles: 1, county: 1, unit: 1, _id: 0 }).sort({ county: 1, name: 1 }).lean();
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      seq,
      visitor: personView({ ...VISITOR, roles: [], county: '', unit: '未登记在人员名录中' }),
      people: staff.map((s) => personView({ openId: s.openId, name: s.name, roles: s.roles, county: s.county, unit: s.unit })),
    };
  });

  router.get('/api/chat/:openId', async (ctx) => {
    const openId = parse(OPEN_ID, ctx.params.openId);
    const conv = emulator.conversation(openId);
    const entries = conv.map((e) => chatEntry(e, emulator));
    // Opening the chat reads it (only messages that exist now: a later one stays unread until shown).
    const latest = conv.reduce((t, e) => Math.max(t, e.message.createdAt), readUpTo.get(openId) ?? -1);
    readUpTo.set(openId, latest);
    ctx.set('cache-control', 'no-store');
    ctx.body = { seq, openId, entries };
  });

  router.post('/api/chat/:openId/text', async (ctx) => {
    const openId = parse(OPEN_ID, ctx.params.openId);
    const { text } = parse(textBody, await readJson(ctx.req));
    const res = await need().feishu.sendText(openId, text);
    ctx.body = { ok: res.status === 200, status: res.status, messageId: res.messageId };
  });

  router.post('/api/chat/:openId/image', async (ctx) => {
    const openId = parse(OPEN_ID, ctx.params.openId);
    const body = parse(imageBody, await readJson(ctx.req));
    const bytes = Buffer.from(body.data, 'base64');
    if (bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES) throw new HttpError(400, '图片应为 10 MB 以内的 PNG、JPEG、GIF、BMP 或 WEBP 文件');
    const { feishu } = need();
    const key = emulator.storeUserResource('image', bytes);
    if (!emulator.images().find((i) => i.image_key === key)?.contentType.startsWith('image/')) {
      throw new HttpError(400, '无法识别的图片格式：请发送 PNG、JPEG、GIF、BMP 或 WEBP 图片');
    }
    const res = await feishu.sendImage(openId, key);
    ctx.body = { ok: res.status === 200, status: res.status, messageId: res.messageId };
  });
  // A file message (registries, holiday calendars …): uploaded to the emulator, then a genuine `file` message event.
  router.post('/api/chat/:openId/file', async (ctx) => {
    const openId = parse(OPEN_ID, ctx.params.openId);
    const body = parse(fileBody, await readJson(ctx.req));
    const bytes = Buffer.from(body.data, 'base64');
    if (bytes.length === 0) throw new HttpError(400, '文件是空的');
    if (bytes.length > MAX_FILE_BYTES) throw new HttpError(400, '试用页面一次最多发送 10 MB 的文件');
    const res = await need().feishu.sendFile(openId, body.name, bytes);
    ctx.body = { ok: res.status === 200, status: res.status, messageId: res.messageId };
  });

  router.post('/api/chat/:openId/click', async (ctx) => {
    const openId = parse(OPEN_ID, ctx.params.openId);
    const body = parse(clickBody, await readJson(ctx.req));
    const { feishu } = need();
    const entry = emulator.conversation(openId).find((e) => e.from === 'bot' && e.message.message_id === body.messageId);
    if (!entry || entry.from !== 'bot' || entry.message.msg_type !== 'interactive') throw new HttpError(404, '找不到这张卡片');
    const message = entry.message;
    if (message.updates.length !== body.version) {
      ctx.body = { ok: false, stale: true, toast: { type: 'info', content: '卡片已更新，请在最新的卡片上操作' } };
      return;
    }
    const card = message.current;
    const el = elementAt(card, body.path);
    if (!el || el.tag !== 'button') throw new HttpError(400, '这里没有按钮');
    try {
      const res = await feishu.clickButton(openId, card, (b) => b.element === el, {
        formValues: body.form,
        messageId: message.message_id,
        chatId: message.chat_id,
      });
      ctx.body = {
        ok: res.clientError === undefined,
        toast: res.toast,
        clientError: res.clientError ? { code: res.clientError.code, msg: res.clientError.msg } : undefined,
      };
    } catch (err) {
      const msg = (err as Error).message;
      if (/did not answer/.test(msg)) {
        // Sent, but no answer at all: Feishu shows its timeout error (the bot may still update the card later).
        ctx.body = { ok: false, clientError: { code: 200341, msg: '机器人没有及时响应' } };
        return;
      }
      // What the Feishu client itself refuses before sending (an empty required field, a too long text, a dead button).
      log.info({ err: msg }, 'sandbox: the client refused a click');
      const required = /required field "([^"]+)"/.exec(msg);
      throw new HttpError(422, required ? `请填写必填项（${required[1]}）` : `飞书客户端不会发送这次点击：${msg}`);
    }
  });

  router.post('/api/sample-data', async (ctx) => {
    const { conn } = need();
    try {
      ctx.body = { ok: true, ...(await loadSampleData(conn, deps.now())) };
    } catch (err) {
      if (err instanceof SampleDataError) throw new HttpError(409, err.message);
      throw err;
    }
  });

  router.get('/api/resource/:key', async (ctx) => {
    const key = ctx.params.key ?? '';
    const image = emulator.images().find((i) => i.image_key === key);
    if (image) {
      ctx.type = image.contentType;
      ctx.body = image.data;
      return;
    }
    const file = emulator.files().find((f) => f.file_key === key);
    if (!file) throw new HttpError(404, '文件不存在（模拟器重启后，之前的文件不再保留）');
    ctx.type = 'application/octet-stream';
    ctx.set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.file_name)}`);
    ctx.body = file.data;
  });

  router.get('/api/events', async (ctx) => {
    // Written straight to the response (koa would report a stream the browser closes as an error).
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 1000\ndata: ${JSON.stringify({ seq, openId: null })}\n\n`);
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(ping);
      streams.delete(res);
    });
  });

  const routes = router.routes();
  const middleware: Koa.Middleware = async (ctx, next) => {
    if (ctx.path !== '/sandbox' && !ctx.path.startsWith('/sandbox/')) return next();
    if (refuseRemote(ctx)) return;
    try {
      await routes(ctx as never, async () => undefined);
      if (ctx.body === undefined && ctx.status === 404) {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = '没有这个页面';
        ctx.status = 404; // (koa makes a body 200)
      }
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.body = { ok: false, error: err.message };
        return;
      }
      throw err;
    }
  };

  return {
    middleware,
    attach(r) {
      running = r;
    },
    closeStreams() {
      for (const s of streams) s.end();
      streams.clear();
      unsubscribe();
    },
  };
}
