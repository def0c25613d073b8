/**
 * A local emulator of the Feishu Open Platform for tests: the real SDK talks to it over HTTP (its `domain` set to
 * `emulator.url`) and over the pbbp2 WebSocket long connection.
 *
 *   const emu = await startLarkEmulator();
 *   const client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache() });
 *   ...
 *   await emu.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router, { type RouterContext } from '@koa/router';
import { ApiError, Codes, errorEnvelope, Messages } from './errors';
import { FaultInjector, faultError, type FaultRule } from './faults';
import { newFileKey, newImageKey, newLogId, p2pChatId } from './ids';
import { boundaryOf, parseMultipart } from './multipart';
import { SlidingWindowLimiter, type RateLimitStats } from './rate-limiter';
import { openApiRoutes, requestTargets, sniffImage, type ApiReply, type ApiRequest, type EmulatorCore, type ParsedBody } from './routes';
import { EmulatorStore, TokenRegistry } from './store';
import { checkVersionChange, type CardViolation } from './card-validator';
import { DEFAULT_WS_CONFIG, WsGateway, type PushOptions, type WsClientConfig } from './ws-gateway';
import type { CardJson, InboundMessage, JsonObject, RecordedRequest, SentMessage, StoredFile, StoredImage } from './types';

export * from './types';
export type { FaultAction, FaultRule } from './faults';
export type { RateLimitStats, RateScope } from './rate-limiter';
export type { CardViolation, CardCheck } from './card-validator';
export { validateCard, formatCardViolation, CardErr } from './card-validator';
export { WsAckError, type PushOptions, type WsClientConfig } from './ws-gateway';
export { p2pChatId, groupChatIdOf, unionIdOf, userIdOf, botOpenIdOf } from './ids';

/**
 * A logger for SDK clients in tests: expected refusals would otherwise be printed. (Note that
 * `loggerLevel: LoggerLevel.fatal` does not silence Client/EventDispatcher: 0 is falsy and falls back to info.)
 */
export const silentLogger = {
  error: (): void => undefined,
  warn: (): void => undefined,
  info: (): void => undefined,
  debug: (): void => undefined,
  trace: (): void => undefined,
};

export interface LarkEmulatorOptions {
  /** Listening port (default: a free one). */
  port?: number;
  /** Default `cli_a1b2c3d4e5f6a7b8` (the SDK's WSClient refuses app ids that are not `cli_` + 16 hex digits). */
  appId?: string;
  appSecret?: string;
  tenantKey?: string;
  /** Enforce the platform's message rate limits (default true). */
  rateLimits?: boolean;
  /** ClientConfig handed to WS clients (seconds). */
  ws?: Partial<WsClientConfig>;
  /** Keep every version of a message's card (default true); false keeps the latest only (store.ts EmulatorStore). */
  keepCardHistory?: boolean;
}

export interface LarkEmulator {
  /** Base URL without trailing slash, to pass as the SDK's `domain`. */
  readonly url: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly tenantKey: string;
  /** Every HTTP call, oldest first (cleared by reset()). */
  readonly requests: readonly RecordedRequest[];
  /** Requests refused by the real rate limits (not by injected faults). */
  readonly rateLimited: RateLimitStats;
  close(): Promise<void>;
  /** Forget recorded requests, messages, resources, faults, rate windows, card tokens and the clock offset. Tokens stay valid. */
  reset(): void;

  messages(): SentMessage[];
  messagesTo(receiveId: string): SentMessage[];
  /** The current card JSON of the latest interactive message to a receive_id or chat_id. */
  lastCardTo(receiveId: string): CardJson | undefined;
  files(): StoredFile[];
  images(): StoredImage[];
  /** Resolve with the first message (sent or updated) matching; rejects after timeoutMs (default 20 s: a generous bound, not a speed target). */
  waitFor(predicate: (m: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  /** Resolve with the first recorded request matching; rejects after timeoutMs (default 20 s). */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;

  /** All tokens issued so far answer 99991663 (HTTP 400) from now on; new ones can be fetched. */
  expireTokens(): void;
  injectFaults(rules: FaultRule | readonly FaultRule[]): void;
  clearFaults(): void;
  /** Number of injected faults not yet consumed. */
  pendingFaults(): number;
  /** The emulator's clock (ms); advanceTime moves it forward (token TTLs, uuid window, card tokens, rate windows). */
  now(): number;
  advanceTime(ms: number): void;

  /** Push an `event` data frame to the connected WSClient; resolves with the handler's return value. */
  pushWsEvent(payload: object, opts?: PushOptions): Promise<unknown>;
  wsConnected(): boolean;
  waitForWsClient(timeoutMs?: number): Promise<void>;
  /** Drop WS connections as a server restart would. */
  dropWsConnections(): void;

  // Hooks for the simulated client (src/sandbox/client.ts)
  /** Make a user's message known, so the bot can reply to it and download its resources. */
  registerInboundMessage(msg: Omit<InboundMessage, 'createdAt'>): void;
  /** Store a user-uploaded resource (e.g. the image of an image message); returns its key. */
  storeUserResource(kind: 'image' | 'file', data: Buffer, opts?: { fileName?: string; fileType?: string }): string;
  /** Issue the `c-…` delayed-update token of a card callback. */
  issueCardToken(messageId: string, openId: string): string;
  /** Apply a card returned by a callback (`card:{type:'raw',data}`); returns the violation the client would show. */
  applyCallbackCard(messageId: string, card: unknown): CardViolation | undefined;
  /** The latest interactive message whose current card equals `card`. */
  findMessageByCard(card: unknown, viewer?: string): SentMessage | undefined;
  /** A message the bot sent, by its id. */
  messageById(messageId: string): SentMessage | undefined;
  /** The chat id of the p2p chat between the app and a user. */
  p2pChatId(openId: string): string;

  // Hooks for the browser sandbox (src/sandbox/console/)
  /** A user's 1:1 chat with the bot as the Feishu client shows it: their messages and the bot's, oldest first. */
  conversation(openId: string): ConversationEntry[];
  /** Called whenever a message is sent, updated or received; returns the function that unsubscribes. */
  onActivity(listener: (activity: Activity) => void): () => void;
}

/** One message of a 1:1 chat: sent by the user (registered by the simulated client) or by the bot. */
export type ConversationEntry = { from: 'user'; message: InboundMessage } | { from: 'bot'; message: SentMessage };

/** What changed: the chat and, where known, the user whose chat it is. */
export interface Activity {
  chatId: string;
  openId?: string;
}

/** The store event a registered user message emits (the store itself emits `change` for the bot's messages). */
const INBOUND = 'inbound';

interface State {
  body: ParsedBody;
  fault?: string;
}

const SECRET_FIELDS = ['app_secret', 'AppSecret'];

function maskSecrets(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy: JsonObject = { ...(body as JsonObject) };
  for (const key of SECRET_FIELDS) if (key in copy) copy[key] = '***';
  return copy;
}

function readRaw(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return {};
  const boundary = /multipart\/form-data/i.test(contentType ?? '') ? boundaryOf(contentType) : undefined;
  if (boundary) {
    try {
      return { parts: parseMultipart(raw, boundary) };
    } catch (e) {
      throw new ApiError(400, Codes.bodyType, `Invalid multipart body: ${(e as Error).message}`);
    }
  }
  try {
    return { json: JSON.parse(raw.toString('utf8')) };
  } catch {
    throw new ApiError(400, Codes.bodyType, 'Invalid request body: not valid JSON');
  }
}

function summarizeBody(body: ParsedBody): unknown {
  if (body.parts) {
    const fields: Record<string, string> = {};
    const files: Array<{ name: string; filename?: string; contentType?: string; size: number }> = [];
    for (const p of body.parts) {
      if (p.name === 'file' || p.name === 'image' || p.filename !== undefined) {
        files.push({ name: p.name, filename: p.filename, contentType: p.contentType, size: p.data.length });
      } else {
        fields[p.name] = p.data.toString('utf8');
      }
    }
    return { fields, files };
  }
  return maskSecrets(body.json);
}

function recordHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    out[key] = key === 'authorization' ? v.replace(/^(\S+\s+)?(.{0,6}).*$/, (_m, scheme: string | undefined, head: string) => `${scheme ?? ''}${head}…`) : v;
  }
  return out;
}

class Emulator implements LarkEmulator, EmulatorCore {
  readonly store: EmulatorStore;
  readonly tokens = new TokenRegistry();
  readonly limiter?: SlidingWindowLimiter;
  readonly ws: WsGateway;
  readonly requests: RecordedRequest[] = [];
  url = '';
  private readonly faults = new FaultInjector();
  private readonly server: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private clockOffset = 0;
  private seq = 0;

  constructor(
    readonly appId: string,
    readonly appSecret: string,
    readonly tenantKey: string,
    rateLimits: boolean,
    wsConfig: WsClientConfig,
    keepCardHistory: boolean,
  ) {
    this.store = new EmulatorStore(keepCardHistory);
    this.limiter = rateLimits ? new SlidingWindowLimiter() : undefined;
    this.ws = new WsGateway(wsConfig);
    const app = this.buildApp();
    this.server = http.createServer(app.callback());
    this.server.on('upgrade', (req, socket, head: Buffer) => {
      if (!this.ws.handleUpgrade(req, socket, head)) socket.destroy();
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  // -- HTTP pipeline -------------------------------------------------------------------------------------------------

  private buildApp(): Koa<State> {
    const app = new Koa<State>();
    const router = new Router<State>();
    const protectedPaths: Array<{ method: string; pattern: RegExp }> = [];
    for (const route of openApiRoutes(this)) {
      const handler = async (ctx: RouterContext<State>): Promise<void> => {
        const req: ApiRequest = { params: { ...ctx.params }, query: this.query(ctx.URL), body: ctx.state.body };
        this.send(ctx, await route.handler(req));
      };
      if (route.method === 'GET') router.get(route.path, handler);
      else if (route.method === 'POST') router.post(route.path, handler);
      else router.patch(route.path, handler);
      if (route.auth) protectedPaths.push({ method: route.method, pattern: new RegExp(`^${route.path.replace(/:[a-z_]+/g, '[^/]+')}$`) });
    }
    const needsAuth = (method: string, path: string): boolean => protectedPaths.some((p) => p.method === method && p.pattern.test(path));

    app.use(async (ctx, next) => {
      const started = Date.now();
      const logId = newLogId();
      ctx.state.body = {};
      try {
        ctx.state.body = parseBody(ctx.method === 'GET' ? Buffer.alloc(0) : await readRaw(ctx.req), ctx.get('content-type'));
        await next();
        if (ctx.status === 404 && ctx.body === undefined) {
          throw new ApiError(404, 404, `404 page not found: ${ctx.method} ${ctx.path}`);
        }
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(500, 500, `emulator error: ${(e as Error).message}`);
        ctx.status = err.httpStatus;
        ctx.body = errorEnvelope(err.code, err.message, logId, err.fieldViolations);
        ctx.set(err.headers);
      }
      ctx.set('X-Tt-Logid', logId);
      this.record(ctx, started);
    });
    app.use(async (ctx, next) => {
      const action = this.faults.take({ method: ctx.method, path: ctx.path, targets: requestTargets(this, ctx.method, ctx.path, ctx.state.body) });
      if (action) {
        ctx.state.fault = action.type;
        if (action.type !== 'delay') throw faultError(action);
        await this.sleep(action.ms);
      }
      await next();
    });
    app.use(async (ctx, next) => {
      if (needsAuth(ctx.method, ctx.path)) this.authenticate(ctx.get('authorization'));
      await next();
    });
    app.use(router.routes());
    // A client that stops reading a download (e.g. a file over its size limit) is not the server's error.
    app.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      console.error(err);
    });
    return app;
  }

  private authenticate(header: string): void {
    const match = /^Bearer\s+(\S+)$/.exec(header);
    if (!match) throw new ApiError(400, Codes.tokenMissing, Messages.tokenMissing);
    if (!this.tokens.isValid(match[1], this.now())) throw new ApiError(400, Codes.tokenInvalid, Messages.tokenInvalid);
  }

  private query(url: URL): Record<string, string> {
    return Object.fromEntries(url.searchParams.entries());
  }

  private send(ctx: Koa.Context, reply: ApiReply): void {
    ctx.status = reply.status ?? 200;
    if ('json' in reply) {
      ctx.body = reply.json;
      return;
    }
    ctx.type = reply.contentType;
    if (reply.filename) ctx.set('Content-Disposition', `attachment; filename="${encodeURIComponent(reply.filename)}"`);
    ctx.body = reply.binary;
  }

  private record(ctx: Koa.ParameterizedContext<State>, started: number): void {
    const response = Buffer.isBuffer(ctx.body) ? { binary: ctx.body.length } : ctx.body;
    const rec: RecordedRequest = {
      seq: ++this.seq,
      at: this.now(),
      method: ctx.method,
      path: ctx.path,
      query: this.query(ctx.URL),
      headers: recordHeaders(ctx.headers),
      body: summarizeBody(ctx.state.body),
      status: ctx.status,
      response,
      fault: ctx.state.fault,
      durationMs: Date.now() - started,
    };
    this.requests.push(rec);
    this.store.events.emit('request', rec);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // -- public API ----------------------------------------------------------------------------------------------------

  get rateLimited(): RateLimitStats {
    return this.limiter?.snapshot() ?? { total: 0, byScope: { app_second: 0, app_minute: 0, user: 0, chat: 0, message: 0 } };
  }

  now(): number {
    return Date.now() + this.clockOffset;
  }

  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.ws.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.store.events.removeAllListeners();
  }

  reset(): void {
    this.clockOffset = 0;
    this.requests.length = 0;
    this.store.reset();
    this.limiter?.reset();
    this.faults.clear();
    this.ws.reset();
  }

  messages(): SentMessage[] {
    return [...this.store.messages];
  }

  messagesTo(receiveId: string): SentMessage[] {
    return this.store.messagesTo(receiveId);
  }

  lastCardTo(receiveId: string): CardJson | undefined {
    return this.store.lastCardTo(receiveId);
  }

  files(): StoredFile[] {
    return [...this.store.files.values()];
  }

  images(): StoredImage[] {
    return [...this.store.images.values()];
  }

  waitFor(predicate: (m: SentMessage) => boolean, timeoutMs = 20_000): Promise<SentMessage> {
    const describe = (): string =>
      this.store.messages.map((m) => `${m.msg_type} → ${m.receive_id}: ${JSON.stringify(m.current).slice(0, 120)}`).join('\n  ') || '(none)';
    return this.waitOn('change', () => this.store.messages.find(predicate), (m) => predicate(m), timeoutMs,
      () => `no matching message within ${timeoutMs} ms; messages so far:\n  ${describe()}`);
  }

  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs = 20_000): Promise<RecordedRequest> {
    return this.waitOn('request', () => this.requests.find(predicate), predicate, timeoutMs,
      () => `no matching request within ${timeoutMs} ms (${this.requests.length} recorded)`);
  }

  private waitOn<T>(event: string, existing: () => T | undefined, matches: (v: T) => boolean, timeoutMs: number, error: () => string): Promise<T> {
    const found = existing();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (v: T): void => {
        if (!matches(v)) return;
        clearTimeout(timer);
        this.store.events.off(event, listener);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.store.events.off(event, listener);
        reject(new Error(error()));
      }, timeoutMs);
      this.store.events.on(event, listener);
    });
  }

  expireTokens(): void {
    this.tokens.expireAll();
  }

  injectFaults(rules: FaultRule | readonly FaultRule[]): void {
    this.faults.add(rules);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  pendingFaults(): number {
    return this.faults.pending();
  }

  pushWsEvent(payload: object, opts?: PushOptions): Promise<unknown> {
    return this.ws.push(payload, opts);
  }

  wsConnected(): boolean {
    return this.ws.connected();
  }

  waitForWsClient(timeoutMs?: number): Promise<void> {
    return this.ws.waitForClient(timeoutMs);
  }

  dropWsConnections(): void {
    this.ws.drop();
  }

  registerInboundMessage(msg: Omit<InboundMessage, 'createdAt'>): void {
    const inbound: InboundMessage = { ...msg, createdAt: this.now() };
    this.store.inbound.set(msg.message_id, inbound);
    this.store.events.emit(INBOUND, inbound);
  }

  storeUserResource(kind: 'image' | 'file', data: Buffer, opts: { fileName?: string; fileType?: string } = {}): string {
    const createdAt = this.now();
    if (kind === 'image') {
      const key = newImageKey();
      const contentType = sniffImage(data) ?? 'application/octet-stream';
      this.store.images.set(key, { image_key: key, image_type: 'message', contentType, size: data.length, data, uploadedBy: 'user', createdAt });
      return key;
    }
    const key = newFileKey();
    this.store.files.set(key, {
      file_key: key,
      file_type: opts.fileType ?? 'stream',
      file_name: opts.fileName ?? 'file',
      size: data.length,
      data,
      uploadedBy: 'user',
      createdAt,
    });
    return key;
  }

  issueCardToken(messageId: string, openId: string): string {
    return this.store.issueCardToken(messageId, openId, this.now());
  }

  applyCallbackCard(messageId: string, card: unknown): CardViolation | undefined {
    const msg = this.store.message(messageId);
    const check = checkVersionChange(msg?.current, card);
    if (!check.ok) return { errCode: check.errCode, errPath: check.errPath, errMsg: check.errMsg, errorValue: check.errorValue };
    if (msg) this.store.updateMessage(msg, card as JsonObject, 'callback', this.now());
    return undefined;
  }

  findMessageByCard(card: unknown, viewer?: string): SentMessage | undefined {
    return this.store.findByCard(card, viewer);
  }

  messageById(messageId: string): SentMessage | undefined {
    return this.store.message(messageId);
  }

  p2pChatId(openId: string): string {
    return p2pChatId(this.appId, openId);
  }

  conversation(openId: string): ConversationEntry[] {
    const chatId = this.p2pChatId(openId);
    const mine: ConversationEntry[] = [...this.store.inbound.values()]
      .filter((m) => m.chat_id === chatId)
      .map((message) => ({ from: 'user', message }));
    const bot: ConversationEntry[] = this.store.messages.filter((m) => m.chat_id === chatId).map((message) => ({ from: 'bot', message }));
    // Both lists are in arrival order; merge by time, the user's message first on a tie (a reply never precedes it).
    const out: ConversationEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < mine.length || j < bot.length) {
      if (j >= bot.length || (i < mine.length && mine[i].message.createdAt <= bot[j].message.createdAt)) out.push(mine[i++]);
      else out.push(bot[j++]);
    }
    return out;
  }

  onActivity(listener: (activity: Activity) => void): () => void {
    const sent = (m: SentMessage): void =>
      listener({ chatId: m.chat_id, openId: m.receive_id_type === 'open_id' ? m.receive_id : undefined });
    const received = (m: InboundMessage): void =>
      listener({ chatId: m.chat_id, openId: m.chat_type === 'p2p' ? m.sender_open_id : undefined });
    this.store.events.on('change', sent);
    this.store.events.on(INBOUND, received);
    return () => {
      this.store.events.off('change', sent);
      this.store.events.off(INBOUND, received);
    };
  }
}

export async function startLarkEmulator(opts: LarkEmulatorOptions = {}): Promise<LarkEmulator> {
  const emulator = new Emulator(
    opts.appId ?? 'cli_a1b2c3d4e5f6a7b8',
    opts.appSecret ?? 'emulator-app-secret',
    opts.tenantKey ?? '2ed263bf32cf1651',
    opts.rateLimits ?? true,
    { ...DEFAULT_WS_CONFIG, ...opts.ws },
    opts.keepCardHistory ?? true,
  );
  await emulator.listen(opts.port ?? 0);
  return emulator;
}
