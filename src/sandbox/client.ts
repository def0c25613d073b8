/**
 * A simulated Feishu platform/client for tests: it acts as users talking to the bot. It posts genuine v2 event
 * envelopes (`im.message.receive_v1`, `card.action.trigger`), encrypted and signed the way Feishu does, to the bot's
 * HTTP endpoint — or pushes them over the emulator's WS long connection — and it clicks card buttons the way the
 * Feishu client does (form values, required fields, dead buttons, callback answer checks).
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { monotonicUs } from '../platform/benchProbe';
import { checkVersionChange, type CardViolation } from '../../src/sandbox/emulator/card-validator';
import { botOpenIdOf, groupChatIdOf, newEventId, newMessageId, p2pChatId, unionIdOf, userIdOf } from '../../src/sandbox/emulator/ids';
import { WsAckError } from '../../src/sandbox/emulator/ws-gateway';
import { keptWithStored } from '../../src/sandbox/emulator/store';
import type { LarkEmulator } from '../../src/sandbox/emulator';
import type { CardElement, CardJson, JsonObject } from '../../src/sandbox/emulator/types';

export interface SimulatedFeishuOptions {
  /** The bot's event/callback URL, e.g. http://127.0.0.1:3000/lark/events. Required for the http transport. */
  botUrl?: string;
  /** Encrypt Key: when set, bodies are AES-encrypted and signed. */
  encryptKey?: string;
  verificationToken: string;
  appId: string;
  tenantKey?: string;
  /** When given: user messages are registered (so the bot can reply), card tokens and callback cards go through it. */
  emulator?: LarkEmulator;
  /** `http` (default) posts to botUrl; `ws` pushes through the emulator's long connection. */
  transport?: 'http' | 'ws';
  /** Display name of the bot in @-mentions. */
  botName?: string;
  /** A card callback answered later than this is reported as clientError 200341 (Feishu: 3 s). */
  callbackTimeoutMs?: number;
  /** Deliveries still unanswered after this long fail with an error (default 10 s; Feishu itself waits 3 s). */
  hardTimeoutMs?: number;
  /**
   * Reuse connections to the bot (HTTP/1.1 keep-alive), as Feishu's own callback client — a Go HTTP client, by its
   * User-Agent — does. Off by default: tests restart services on the same port, and a kept socket to a killed process
   * would fail the next delivery. The benchmark turns it on for the service and its baseline alike.
   */
  keepAlive?: boolean;
}

export interface EventEnvelope {
  schema: '2.0';
  header: {
    event_id: string;
    event_type: string;
    create_time: string;
    token: string;
    app_id: string;
    tenant_key: string;
  };
  event: JsonObject;
}

export interface DeliverOptions {
  /** Send a wrong X-Lark-Signature. */
  tamperSignature?: boolean;
  /** Replace the verification token in the envelope. */
  wrongToken?: boolean;
  /** Do not encrypt (the body is still signed when an Encrypt Key is set). */
  plain?: boolean;
}

export interface DeliveryResult {
  status: number;
  /** Parsed JSON when possible, else the text ('' for an empty body). */
  body: unknown;
  /** from posting the request to the end of the answer (fractional milliseconds) */
  elapsedMs: number;
  /** the answer's HTTP headers (http transport) */
  headers?: http.IncomingHttpHeaders;
  /**
   * http transport: when the request was posted and when its answer had been read whole, on the machine's monotonic
   * clock in microseconds (process.hrtime, the same clock in every process of the machine: the bench compares them
   * with the times the service's probe reports)
   */
  postedUs?: number;
  readUs?: number;
}

export interface SendResult extends DeliveryResult {
  envelope: EventEnvelope;
  /** event.message.message_id of the envelope. */
  messageId: string;
}

export interface SendMessageOptions {
  chatType?: 'p2p' | 'group';
  /** Default: the p2p chat with the user, or `defaultGroupChatId` for groups. */
  chatId?: string;
  /** Prefix the text with an @-mention of the bot (default: true in groups). */
  mentionBot?: boolean;
  messageId?: string;
  eventId?: string;
}

export interface ClickOptions {
  formValues?: Record<string, string | string[]>;
  messageId?: string;
  chatId?: string;
}

/** What the Feishu client would show instead of applying the callback answer. */
export interface ClientError {
  code: 200341 | 200671 | 200672 | 200673 | 200830;
  msg: string;
  violation?: CardViolation;
}

export interface ClickResult extends DeliveryResult {
  envelope: EventEnvelope;
  messageId: string;
  /** The card of a `card:{type:'raw', data}` answer. */
  card?: CardJson;
  toast?: { type: string; content: string };
  /** Set when the client would refuse the answer (status, shape, card, timeout). */
  clientError?: ClientError;
}

export interface ButtonInfo {
  text: string;
  /** The `behaviors[{type:'callback'}].value` (1.0 cards: the button's `value`). */
  value: unknown;
  /** The enclosing form's name. */
  formName?: string;
  name?: string;
  formActionType?: 'submit' | 'reset';
  disabled: boolean;
  /** Whether a click sends a callback (a callback behaviour, or a form submit). */
  hasCallback: boolean;
  element: CardElement;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ------------------------------------------------------------------------------------------------------------------
// crypto, exactly as Feishu does it

/** AES-256-CBC with key sha256(encryptKey), a random IV prepended, base64. */
export function encryptEvent(encryptKey: string, plaintext: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** X-Lark-Signature: sha256 hex of timestamp + nonce + encryptKey + the exact body string. */
export function signBody(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey + body).digest('hex');
}

// ------------------------------------------------------------------------------------------------------------------
// card inspection

const CONTAINER_CHILDREN = ['elements', 'columns'] as const;
const FORM_FIELD_TAGS = new Set([
  'input', 'select_static', 'multi_select_static', 'select_person', 'multi_select_person', 'date_picker', 'picker_time',
  'picker_datetime', 'checker', 'select_img',
]);

/** Top-level components of a 2.0 card (body.elements) or 1.0 card (elements). */
function rootElements(card: unknown): unknown[] {
  if (!isObject(card)) return [];
  const body = isObject(card.body) ? card.body : undefined;
  if (body && Array.isArray(body.elements)) return body.elements;
  return Array.isArray(card.elements) ? card.elements : [];
}

/** Children of a component: container elements, columns, checker buttons, 1.0 `action.actions`. */
function children(el: Obj): unknown[] {
  const out: unknown[] = [];
  for (const key of CONTAINER_CHILDREN) if (Array.isArray(el[key])) out.push(...(el[key] as unknown[]));
  if (isObject(el.button_area) && Array.isArray(el.button_area.buttons)) out.push(...el.button_area.buttons);
  if (el.tag === 'action' && Array.isArray(el.actions)) out.push(...el.actions);
  return out;
}

function walk(nodes: unknown[], visit: (el: Obj, form: Obj | undefined) => void, form?: Obj): void {
  for (const node of nodes) {
    if (!isObject(node)) continue;
    const inner = node.tag === 'form' ? node : form;
    visit(node, form);
    walk(children(node), visit, inner);
  }
}

const textOf = (t: unknown): string => (isObject(t) && typeof t.content === 'string' ? t.content : typeof t === 'string' ? t : '');

function buttonInfo(el: Obj, form: Obj | undefined, legacy: boolean): ButtonInfo {
  const behaviors = Array.isArray(el.behaviors) ? el.behaviors.filter(isObject) : [];
  const callback = behaviors.find((b) => b.type === 'callback');
  const formActionType = el.form_action_type === 'submit' || el.action_type === 'form_submit'
    ? 'submit'
    : el.form_action_type === 'reset' || el.action_type === 'form_reset' ? 'reset' : undefined;
  const legacyValue = legacy && isObject(el.value) ? el.value : undefined;
  return {
    text: textOf(el.text).trim(),
    value: callback ? callback.value : legacyValue,
    formName: form && typeof form.name === 'string' ? form.name : undefined,
    name: typeof el.name === 'string' ? el.name : undefined,
    formActionType,
    disabled: el.disabled === true,
    hasCallback: Boolean(callback) || legacyValue !== undefined || (formActionType === 'submit' && form !== undefined),
    element: el as CardElement,
  };
}

/** Every button of a card (anywhere: body, columns, forms, panels, containers, checker button areas). */
export function findButtons(card: unknown): ButtonInfo[] {
  // copies: a caller may change what it is given, and a card the emulator holds keeps its list
  return storedButtons(card).map((b) => ({ ...b }));
}

/** Kept with each card the emulator holds (never changed in place: emulator/store.ts storedContents). */
const storedButtons = keptWithStored(buttonsOf);

function buttonsOf(card: unknown): ButtonInfo[] {
  const legacy = !(isObject(card) && card.schema === '2.0');
  const buttons: ButtonInfo[] = [];
  walk(rootElements(card), (el, form) => {
    if (el.tag === 'button') buttons.push(buttonInfo(el, form, legacy));
  });
  return buttons;
}

const HIDDEN_KEYS = new Set(['behaviors', 'confirm', 'hover_tips', 'disabled_tips', 'value', 'multi_url', 'fallback', 'i18n_content']);

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003', sim: '~' };

/** Markdown text as shown: character references (&#60; &#x3c; &lt; …) decoded, in one pass as the client does. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** All visible text of a card (header, markdown as shown, text objects, buttons, tables, inputs), one piece per line. */
export const cardText: (card: unknown) => string = keptWithStored(textOfCard);

function textOfCard(card: unknown): string {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    if (typeof node.content === 'string' && node.tag === 'plain_text') out.push(node.content);
    if (typeof node.content === 'string' && ['lark_md', 'markdown'].includes(String(node.tag))) out.push(decodeEntities(node.content));
    if (node.tag === 'input' && typeof node.default_value === 'string') out.push(node.default_value);
    if (node.tag === 'table') {
      const cols = Array.isArray(node.columns) ? node.columns.filter(isObject) : [];
      for (const c of cols) if (typeof c.display_name === 'string') out.push(c.display_name);
      for (const row of Array.isArray(node.rows) ? node.rows.filter(isObject) : []) {
        for (const c of cols) {
          const cell = row[String(c.name)];
          if (typeof cell === 'string' || typeof cell === 'number') out.push(String(cell));
          else if (Array.isArray(cell)) out.push(...cell.map((x) => (isObject(x) ? textOf(x.text) || String(x.value ?? '') : String(x))));
        }
      }
      return;
    }
    for (const [key, value] of Object.entries(node)) if (!HIDDEN_KEYS.has(key)) visit(value);
  };
  visit(card);
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------------------------------
// forms

interface FormField {
  el: Obj;
  tag: string;
  name: string;
}

function formFields(form: Obj): FormField[] {
  const fields: FormField[] = [];
  walk(children(form), (el) => {
    const tag = String(el.tag);
    if (!FORM_FIELD_TAGS.has(tag)) return;
    if (typeof el.name !== 'string' || el.name === '') {
      throw new Error(`Feishu client error 200530: the ${tag} component in form "${String(form.name)}" has no name`);
    }
    fields.push({ el, tag, name: el.name });
  });
  return fields;
}

const optionValues = (el: Obj): string[] =>
  (Array.isArray(el.options) ? el.options.filter(isObject) : []).map((o) => String(o.value));

const withTz = (v: string): string => (/[+-]\d{4}$/.test(v) ? v : `${v} +0800`);

function defaultValue(f: FormField): string | string[] | boolean | undefined {
  const el = f.el;
  switch (f.tag) {
    case 'input':
      return typeof el.default_value === 'string' ? el.default_value : typeof el.value === 'string' ? el.value : '';
    case 'select_static':
    case 'select_person':
      if (typeof el.initial_option === 'string') return el.initial_option;
      return typeof el.initial_index === 'number' ? optionValues(el)[el.initial_index - 1] : undefined;
    case 'multi_select_static':
    case 'multi_select_person':
      return Array.isArray(el.selected_values) ? el.selected_values.map(String) : undefined;
    case 'date_picker':
      return typeof el.initial_date === 'string' ? withTz(el.initial_date) : undefined;
    case 'picker_time':
      return typeof el.initial_time === 'string' ? withTz(el.initial_time) : undefined;
    case 'picker_datetime':
      return typeof el.initial_datetime === 'string' ? withTz(el.initial_datetime) : undefined;
    case 'checker':
      return el.checked === true;
    default:
      return undefined;
  }
}

/** The value a user could actually enter, or an error naming what the client would not allow. */
function userValue(f: FormField, given: string | string[]): string | string[] {
  const options = optionValues(f.el);
  const single = f.tag === 'select_static' || f.tag === 'select_person';
  const multi = f.tag === 'multi_select_static' || f.tag === 'multi_select_person';
  if (multi) {
    const values = Array.isArray(given) ? given : [given];
    const unknown = options.length ? values.filter((v) => !options.includes(v)) : [];
    if (unknown.length) throw new Error(`field "${f.name}" has no option ${unknown.join(', ')} (options: ${options.join(', ')})`);
    return values;
  }
  if (Array.isArray(given)) throw new Error(`field "${f.name}" (${f.tag}) takes a single value`);
  if (single && options.length && !options.includes(given)) {
    throw new Error(`field "${f.name}" has no option ${given} (options: ${options.join(', ')})`);
  }
  if (f.tag === 'input') {
    const max = typeof f.el.max_length === 'number' ? f.el.max_length : 1000;
    if ([...given].length > max) throw new Error(`field "${f.name}" accepts at most ${max} characters`);
    return given;
  }
  return f.tag.startsWith('date') || f.tag.startsWith('picker') ? withTz(given) : given;
}

function collectFormValue(form: Obj, formValues: Record<string, string | string[]>): Record<string, unknown> {
  const fields = formFields(form);
  const names = fields.map((f) => f.name);
  for (const name of Object.keys(formValues)) {
    if (!names.includes(name)) throw new Error(`form "${String(form.name)}" has no field "${name}" (fields: ${names.join(', ')})`);
  }
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const given = formValues[f.name];
    const value = given !== undefined ? userValue(f, given) : defaultValue(f);
    const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
    if (f.el.required === true && empty) {
      throw new Error(`required field "${f.name}" is empty: the Feishu client refuses to submit form "${String(form.name)}"`);
    }
    if (value !== undefined) out[f.name] = value;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------------
// transport

/**
 * A kept connection the server closes as it idles (Node's server: after 5 s) can meet a delivery sent on it at that
 * very moment: the request fails with ECONNRESET before any answer, and the server never read it. Kept connections are
 * let go after KEPT_IDLE_MS, before the server's own timeout, and a delivery that fails so on a reused connection is
 * sent once more on a new one (Node's documented remedy, `request.reusedSocket`). A reset for another reason (the bot
 * died while handling the request) is sent again too: the same event id, which the bot's de-duplication recognises.
 */
const KEPT_IDLE_MS = 4000;

function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  agent: http.Agent | false,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => req.destroy(new Error(`the bot did not answer ${url} within ${timeoutMs} ms`)), timeoutMs);
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (agent && req.reusedSocket && e.code === 'ECONNRESET') post(url, body, headers, timeoutMs, false).then(resolve, reject);
      else reject(e);
    });
    req.end(body);
  });
}

function parseText(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ------------------------------------------------------------------------------------------------------------------

export class SimulatedFeishu {
  readonly tenantKey: string;
  readonly botOpenId: string;
  /** The group used by `sendText(..., {chatType:'group'})` when no chatId is given. */
  readonly defaultGroupChatId: string;
  private readonly transport: 'http' | 'ws';
  /** keep-alive connections to the bot (opts.keepAlive), else a new connection per delivery */
  private readonly agent: http.Agent | false;

  constructor(private readonly opts: SimulatedFeishuOptions) {
    this.agent = opts.keepAlive === true ? new http.Agent({ keepAlive: true, timeout: KEPT_IDLE_MS }) : false;
    this.tenantKey = opts.tenantKey ?? opts.emulator?.tenantKey ?? '2ed263bf32cf1651';
    this.botOpenId = botOpenIdOf(opts.appId);
    this.defaultGroupChatId = groupChatIdOf(opts.appId);
    this.transport = opts.transport ?? 'http';
    if (this.transport === 'http' && !opts.botUrl) throw new Error('SimulatedFeishu: botUrl is required for the http transport');
    if (this.transport === 'ws' && !opts.emulator) throw new Error('SimulatedFeishu: the ws transport needs the emulator');
  }

  /** Closes the kept connections (keepAlive); deliveries after it open new ones. */
  close(): void {
    if (this.agent) this.agent.destroy();
  }

  /** The p2p chat between the bot and a user. */
  p2pChatId(openId: string): string {
    return p2pChatId(this.opts.appId, openId);
  }

  // -- envelopes -----------------------------------------------------------------------------------------------------

  private header(eventType: string, eventId: string | undefined, createTime: string): EventEnvelope['header'] {
    return {
      event_id: eventId ?? newEventId(),
      event_type: eventType,
      create_time: createTime,
      token: this.opts.verificationToken,
      app_id: this.opts.appId,
      tenant_key: this.tenantKey,
    };
  }

  private sender(openId: string): Obj {
    return { open_id: openId, union_id: unionIdOf(openId), user_id: userIdOf(openId) };
  }

  /** A genuine `im.message.receive_v1` envelope (not sent). */
  messageEvent(openId: string, messageType: string, content: Obj, opts: SendMessageOptions = {}): EventEnvelope {
    const chatType = opts.chatType ?? 'p2p';
    const chatId = opts.chatId ?? (chatType === 'group' ? this.defaultGroupChatId : this.p2pChatId(openId));
    const now = String(Date.now());
    const mention = opts.mentionBot ?? chatType === 'group';
    let body = content;
    const message: Obj = {
      message_id: opts.messageId ?? newMessageId(),
      create_time: now,
      update_time: now,
      chat_id: chatId,
      chat_type: chatType,
      message_type: messageType,
    };
    if (mention) {
      if (messageType === 'text') body = { ...content, text: `@_user_1 ${String(content.text)}` };
      message.mentions = [{
        key: '@_user_1',
        id: { open_id: this.botOpenId, union_id: unionIdOf(this.botOpenId), user_id: '' },
        name: this.opts.botName ?? 'bot',
        tenant_key: this.tenantKey,
      }];
    }
    message.content = JSON.stringify(body);
    return {
      schema: '2.0',
      header: this.header('im.message.receive_v1', opts.eventId, now),
      event: {
        sender: { sender_id: this.sender(openId), sender_type: 'user', tenant_key: this.tenantKey },
        message,
      },
    };
  }

  textEvent(openId: string, text: string, opts?: SendMessageOptions): EventEnvelope {
    return this.messageEvent(openId, 'text', { text }, opts);
  }

  /** A user sends a text message to the bot. */
  sendText(openId: string, text: string, opts?: SendMessageOptions): Promise<SendResult> {
    return this.sendMessage(this.textEvent(openId, text, opts));
  }

  /** A user sends an image (get a key with `emulator.storeUserResource('image', bytes)`). */
  sendImage(openId: string, imageKey: string, opts?: SendMessageOptions): Promise<SendResult> {
    return this.sendMessage(this.messageEvent(openId, 'image', { image_key: imageKey }, { mentionBot: false, ...opts }));
  }

  /**
   * A user sends a file to the bot, as the Feishu client does: the file is uploaded to the platform first (the
   * emulator keeps it and answers with a file_key), then a `file` message `{file_key, file_name}` is delivered.
   * The bot downloads it with the message resource API, which the emulator serves for this message only.
   */
  async sendFile(openId: string, fileName: string, bytes: Buffer | Uint8Array, opts?: SendMessageOptions): Promise<SendResult & { fileKey: string }> {
    const emulator = this.opts.emulator;
    if (!emulator) throw new Error('SimulatedFeishu.sendFile needs the emulator (the file must be uploaded to the platform)');
    if (fileName.trim() === '') throw new Error('SimulatedFeishu.sendFile: a file has a name');
    const fileKey = emulator.storeUserResource('file', Buffer.from(bytes), { fileName, fileType: 'stream' });
    const envelope = this.messageEvent(openId, 'file', { file_key: fileKey, file_name: fileName }, { mentionBot: false, ...opts });
    return { ...(await this.sendMessage(envelope)), fileKey };
  }

  private async sendMessage(envelope: EventEnvelope): Promise<SendResult> {
    const message = envelope.event.message as Obj;
    this.opts.emulator?.registerInboundMessage({
      message_id: String(message.message_id),
      chat_id: String(message.chat_id),
      chat_type: message.chat_type === 'group' ? 'group' : 'p2p',
      sender_open_id: String((envelope.event.sender as { sender_id: { open_id: string } }).sender_id.open_id),
      msg_type: String(message.message_type),
      content: JSON.parse(String(message.content)) as JsonObject,
    });
    return { ...(await this.deliver(envelope)), envelope, messageId: String(message.message_id) };
  }

  // -- delivery ------------------------------------------------------------------------------------------------------

  /** Deliver (or redeliver, or forge) an envelope. */
  async deliver(envelope: object, opts: DeliverOptions = {}): Promise<DeliveryResult> {
    let payload: Obj = { ...(envelope as Obj) };
    if (opts.wrongToken) {
      payload = isObject(payload.header)
        ? { ...payload, header: { ...payload.header, token: 'wrong-verification-token' } }
        : { ...payload, token: 'wrong-verification-token' };
    }
    const started = Date.now();
    if (this.transport === 'ws') {
      try {
        const body = await this.opts.emulator!.pushWsEvent(payload);
        return { status: 200, body, elapsedMs: Date.now() - started };
      } catch (e) {
        if (e instanceof WsAckError) return { status: e.code, body: undefined, elapsedMs: Date.now() - started };
        throw e;
      }
    }
    return this.postSigned(payload, opts, true);
  }

  /** The url_verification challenge Feishu sends when the request URL is configured (unsigned, as the docs say). */
  async urlVerification(opts: { encrypted: boolean }): Promise<DeliveryResult & { challenge: string }> {
    const challenge = randomBytes(16).toString('hex');
    const payload = { challenge, token: this.opts.verificationToken, type: 'url_verification' };
    const result = await this.postSigned(payload, { plain: !opts.encrypted }, false);
    return { ...result, challenge };
  }

  private async postSigned(payload: Obj, opts: DeliverOptions, sign: boolean): Promise<DeliveryResult> {
    const key = this.opts.encryptKey;
    const plaintext = JSON.stringify(payload);
    const body = key && !opts.plain ? JSON.stringify({ encrypt: encryptEvent(key, plaintext) }) : plaintext;
    const headers: Record<string, string> = { 'user-agent': 'Go-http-client/1.1', 'x-request-id': newEventId() };
    if (key && sign) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(8).toString('hex');
      const signature = signBody(timestamp, nonce, key, body);
      headers['x-lark-request-timestamp'] = timestamp;
      headers['x-lark-request-nonce'] = nonce;
      headers['x-lark-signature'] = opts.tamperSignature ? signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')) : signature;
    }
    const postedUs = monotonicUs();
    const started = performance.now();
    const res = await post(this.opts.botUrl!, body, headers, this.opts.hardTimeoutMs ?? 10_000, this.agent);
    // the answer's time is when it has been read whole, as Feishu's client waits for it; reading its JSON is the
    // client's own work after that (a card answer's is larger than a bare acknowledgement's)
    const elapsedMs = performance.now() - started;
    const readUs = monotonicUs();
    return { status: res.status, body: parseText(res.text), elapsedMs, headers: res.headers, postedUs, readUs };
  }

  // -- card interaction ----------------------------------------------------------------------------------------------

  /** Find a button the way a user would: by its text, or by a predicate. Throws for dead or disabled buttons. */
  pickButton(card: unknown, button: string | ((b: ButtonInfo) => boolean)): ButtonInfo {
    const all = findButtons(card);
    const match = typeof button === 'string' ? (b: ButtonInfo): boolean => b.text === button.trim() : button;
    const found = all.find(match);
    const label = typeof button === 'string' ? `"${button}"` : 'matching the predicate';
    if (!found) throw new Error(`no button ${label} in the card (buttons: ${all.map((b) => `"${b.text}"`).join(', ') || 'none'})`);
    if (found.disabled) throw new Error(`button ${label} is disabled`);
    if (found.formActionType === 'reset') throw new Error(`button ${label} is a form reset button: it sends no callback`);
    if (!found.hasCallback) {
      throw new Error(`dead button ${label}: it has no callback behaviour${found.formActionType === 'submit' ? ' and is outside a form' : ''}`);
    }
    return found;
  }

  /** The `card.action.trigger` envelope a click produces (not sent). */
  cardActionEvent(openId: string, card: unknown, button: string | ((b: ButtonInfo) => boolean), opts: ClickOptions = {}): {
    envelope: EventEnvelope;
    messageId: string;
    button: ButtonInfo;
  } {
    const info = this.pickButton(card, button);
    const action: Obj = { tag: 'button', timezone: 'Asia/Shanghai' };
    if (info.value !== undefined) action.value = info.value;
    if (info.name) action.name = info.name;
    if (info.formActionType === 'submit' && info.formName !== undefined) {
      let form: Obj | undefined;
      walk(rootElements(card), (el) => {
        if (el.tag === 'form' && el.name === info.formName) form = el;
      });
      action.form_value = collectFormValue(form!, opts.formValues ?? {});
    } else if (opts.formValues) {
      throw new Error('formValues given, but the button does not submit a form');
    }
    // the message clicked: the one named, else the latest one showing this card (a search over every message)
    const sent = opts.messageId !== undefined ? this.opts.emulator?.messageById(opts.messageId) : this.opts.emulator?.findMessageByCard(card, openId);
    const messageId = opts.messageId ?? sent?.message_id ?? newMessageId();
    const chatId = opts.chatId ?? sent?.chat_id ?? this.p2pChatId(openId);
    const updateToken = this.opts.emulator?.issueCardToken(messageId, openId) ?? `c-${randomBytes(20).toString('hex')}`;
    const envelope: EventEnvelope = {
      schema: '2.0',
      header: this.header('card.action.trigger', undefined, String(Date.now() * 1000)),
      event: {
        operator: { tenant_key: this.tenantKey, user_id: userIdOf(openId), open_id: openId, union_id: unionIdOf(openId) },
        token: updateToken,
        action,
        host: 'im_message',
        context: { open_message_id: messageId, open_chat_id: chatId },
      },
    };
    return { envelope, messageId, button: info };
  }

  /**
   * Click a button: posts `card.action.trigger` and checks the answer as the Feishu client does. A raw card in the
   * answer is validated and (with an emulator) applied to the message.
   */
  async clickButton(openId: string, card: unknown, button: string | ((b: ButtonInfo) => boolean), opts: ClickOptions = {}): Promise<ClickResult> {
    const { envelope, messageId } = this.cardActionEvent(openId, card, button, opts);
    const res = await this.deliver(envelope);
    const result: ClickResult = { ...res, envelope, messageId };
    const fail = (code: ClientError['code'], msg: string, violation?: CardViolation): ClickResult => ({ ...result, clientError: { code, msg, violation } });
    if (res.elapsedMs > (this.opts.callbackTimeoutMs ?? 3000)) return fail(200341, `no answer within ${this.opts.callbackTimeoutMs ?? 3000} ms`);
    if (res.status !== 200) return fail(200671, `callback answered HTTP ${res.status}`);
    const body = res.body;
    if (!isObject(body)) return fail(200672, `callback answer is not a JSON object: ${JSON.stringify(body)}`);
    if (body.toast !== undefined) {
      const toast = body.toast;
      if (!isObject(toast) || !['info', 'success', 'error', 'warning'].includes(String(toast.type)) || typeof toast.content !== 'string') {
        return fail(200672, `bad toast: ${JSON.stringify(toast)}`);
      }
      result.toast = { type: String(toast.type), content: toast.content };
    }
    if (body.card !== undefined) {
      const answer = body.card;
      if (!isObject(answer) || !['raw', 'template'].includes(String(answer.type)) || !isObject(answer.data)) {
        return fail(200672, `bad card answer: ${JSON.stringify(answer).slice(0, 200)}`);
      }
      if (answer.type === 'raw') {
        // the emulator checks the answer against the message's current card: when that is the card clicked, the
        // client's own check would be the same one again
        const shown = this.opts.emulator?.messageById(messageId);
        const violation =
          (shown?.current === card ? undefined : checkCallbackCard(card, answer.data)) ?? this.opts.emulator?.applyCallbackCard(messageId, answer.data);
        if (violation) return fail(violation.errCode === 200830 ? 200830 : 200673, violation.errMsg, violation);
        result.card = answer.data as CardJson;
      }
    }
    return result;
  }
}

/** The clicked card is what the client shows: the answer must be a valid card of the same schema. */
function checkCallbackCard(previous: unknown, card: unknown): CardViolation | undefined {
  const check = checkVersionChange(previous, card);
  return check.ok ? undefined : check;
}
