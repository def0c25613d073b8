/** Open Platform endpoints: token, im/v1 messages, files, images, resources, delayed card update, WS endpoint. */
import type { MultipartPart } from './multipart';
import { ApiError, badRequest, Codes, fieldError, invalidParam, Messages } from './errors';
import { checkVersionChange, formatCardViolation, validateCard, validateInteractiveContent, type CardCheck } from './card-validator';
import { newFileKey, newImageKey, newMessageId, p2pChatId } from './ids';
import { patchRules, sendRules, type RateRule, type SlidingWindowLimiter } from './rate-limiter';
import { CARD_TOKEN_MAX_USES, CARD_TOKEN_TTL_MS, type EmulatorStore, type TokenRegistry } from './store';
import type { WsGateway } from './ws-gateway';
import type { JsonObject, ReceiveIdType, SentMessage } from './types';

export interface ParsedBody {
  json?: unknown;
  parts?: MultipartPart[];
}

export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: ParsedBody;
}

export type ApiReply =
  | { status?: number; json: unknown }
  | { status?: number; binary: Buffer; contentType: string; filename?: string };

export interface EmulatorCore {
  readonly appId: string;
  readonly appSecret: string;
  readonly tenantKey: string;
  readonly store: EmulatorStore;
  readonly tokens: TokenRegistry;
  readonly ws: WsGateway;
  /** Undefined when rate limits are disabled. */
  readonly limiter?: SlidingWindowLimiter;
  readonly url: string;
  now(): number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** Requires `Authorization: Bearer <tenant_access_token>`. */
  auth: boolean;
  handler: (req: ApiRequest) => ApiReply | Promise<ApiReply>;
}

const RECEIVE_ID_TYPES: readonly ReceiveIdType[] = ['open_id', 'user_id', 'union_id', 'email', 'chat_id'];
const RECEIVE_ID_FORMAT: Record<ReceiveIdType, RegExp> = {
  open_id: /^ou_[0-9A-Za-z]+$/,
  union_id: /^on_[0-9A-Za-z]+$/,
  chat_id: /^oc_[0-9A-Za-z]+$/,
  user_id: /^[0-9A-Za-z_-]+$/,
  email: /^[^@\s]+@[^@\s]+$/,
};
const MSG_TYPES = ['text', 'post', 'image', 'file', 'audio', 'media', 'sticker', 'interactive', 'share_chat', 'share_user'];
const FILE_TYPES = ['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream'];
const IMAGE_TYPES = ['message', 'avatar'];
const KB = 1024;
const CARD_MAX_BYTES = 30 * KB;
const TEXT_MAX_BYTES = 150 * KB;
const FILE_MAX_BYTES = 30 * KB * KB;
const IMAGE_MAX_BYTES = 10 * KB * KB;
/** im/v1 message-resource/get: only resources up to 100 MB can be downloaded. */
const RESOURCE_MAX_BYTES = 100 * KB * KB;
const PATCH_WINDOW_MS = 14 * 24 * 3600_000;
const UUID_MAX = 50;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ------------------------------------------------------------------------------------------------------------------
// request helpers

function jsonBody(req: ApiRequest): Obj {
  if (!isObject(req.body.json)) throw new ApiError(400, Codes.bodyType, 'Invalid request body: expected a JSON object');
  return req.body.json;
}

function requiredString(body: Obj, field: string): string {
  const v = body[field];
  if (v === undefined || v === null || v === '') throw fieldError(field, `${field} is required`);
  if (typeof v !== 'string') throw new ApiError(400, Codes.bodyType, `Invalid parameter type in json: ${field}`);
  return v;
}

function optionalString(body: Obj, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredString(body, field);
}

function optionalUuid(body: Obj): string | undefined {
  const uuid = optionalString(body, 'uuid');
  if (uuid !== undefined && uuid.length > UUID_MAX) throw fieldError('uuid', `uuid must be at most ${UUID_MAX} characters`);
  return uuid;
}

const ok = (data: unknown): ApiReply => ({ json: { code: 0, msg: 'success', data } });

// ------------------------------------------------------------------------------------------------------------------
// content validation

function parseContent(msgType: string, raw: string): JsonObject {
  const bytes = Buffer.byteLength(raw, 'utf8');
  const max = msgType === 'text' ? TEXT_MAX_BYTES : CARD_MAX_BYTES;
  if (bytes > max) throw badRequest(Codes.contentTooLong, Messages.contentTooLong);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    if (msgType === 'interactive') {
      throw badRequest(Codes.cardBuildFailed, formatCardViolation({ errCode: 200621, errPath: 'ROOT', errMsg: 'parse card json err', errorValue: raw.slice(0, 50) }));
    }
    throw invalidParam('invalid message content, content is not a valid JSON string');
  }
  if (!isObject(parsed)) throw invalidParam('invalid message content, content must be a JSON object');
  return parsed;
}

function refuseCard(check: CardCheck): void {
  if (!check.ok) throw badRequest(Codes.cardBuildFailed, formatCardViolation(check));
}

/** Check content against its msg_type (resource keys must be the bot's own uploads of the right kind). */
function checkContent(core: EmulatorCore, msgType: string, content: JsonObject): void {
  const str = (field: string): string => {
    const v = content[field];
    if (typeof v !== 'string' || v === '') throw invalidParam(`invalid message content, ${msgType} content needs "${field}"`);
    return v;
  };
  switch (msgType) {
    case 'text':
      if (str('text').trim() === '') throw invalidParam('invalid message content, text is empty');
      return;
    case 'post': {
      const post = isObject(content.post) ? content.post : content;
      const locales = Object.values(post).filter(isObject);
      if (!locales.length || !locales.every((l) => Array.isArray(l.content))) {
        throw invalidParam('invalid message content, post needs {"zh_cn": {"title", "content": [[...]]}}');
      }
      return;
    }
    case 'image': {
      const image = core.store.images.get(str('image_key'));
      if (!image) throw invalidParam('invalid image_key');
      if (image.uploadedBy !== 'bot') throw badRequest(Codes.notResourceOwner, 'Bot is NOT the owner of the resource.');
      return;
    }
    case 'file':
    case 'audio':
    case 'media': {
      const file = core.store.files.get(str('file_key'));
      if (!file) throw invalidParam('invalid file_key');
      if (file.uploadedBy !== 'bot') throw badRequest(Codes.notResourceOwner, 'Bot is NOT the owner of the resource.');
      const expected = msgType === 'audio' ? ['opus'] : msgType === 'media' ? ['mp4'] : FILE_TYPES.filter((t) => t !== 'opus' && t !== 'mp4');
      if (!expected.includes(file.file_type)) {
        throw badRequest(Codes.fileTypeMismatch, 'The type of file upload does not match the type of message being sent.');
      }
      return;
    }
    case 'sticker':
      str('file_key');
      return;
    case 'share_chat':
      str('chat_id');
      return;
    case 'share_user':
      str('user_id');
      return;
    case 'interactive':
      refuseCard(validateInteractiveContent(content));
      return;
  }
}

// ------------------------------------------------------------------------------------------------------------------
// rate limiting

function throttle(core: EmulatorCore, rules: RateRule[]): void {
  if (core.limiter?.admit(rules, core.now())) throw badRequest(Codes.msgRateLimit, Messages.msgRateLimit);
}

const targetOf = (type: ReceiveIdType, id: string): { kind: 'user' | 'chat'; id: string } =>
  type === 'chat_id' ? { kind: 'chat', id } : { kind: 'user', id };

// ------------------------------------------------------------------------------------------------------------------
// messages

function messageData(core: EmulatorCore, m: SentMessage): JsonObject {
  return {
    message_id: m.message_id,
    ...(m.root ? { root_id: m.root, parent_id: m.root } : {}),
    msg_type: m.msg_type,
    create_time: String(m.createdAt),
    update_time: String(m.createdAt),
    deleted: false,
    updated: false,
    chat_id: m.chat_id,
    sender: { id: core.appId, id_type: 'app_id', sender_type: 'app', tenant_key: core.tenantKey },
    body: { content: JSON.stringify(m.content) },
  };
}

interface Destination {
  receive_id: string;
  receive_id_type: ReceiveIdType;
  chat_id: string;
}

function send(core: EmulatorCore, api: 'create' | 'reply', dest: Destination, body: Obj, root?: string): ApiReply {
  const msgType = requiredString(body, 'msg_type');
  const raw = requiredString(body, 'content');
  const uuid = optionalUuid(body);
  if (!MSG_TYPES.includes(msgType)) throw invalidParam(`invalid msg_type: ${msgType}`);
  if (uuid) {
    const previous = core.store.byUuid(uuid, core.now());
    if (previous) return ok(messageData(core, previous));
  }
  const content = parseContent(msgType, raw);
  checkContent(core, msgType, content);
  throttle(core, sendRules(api, targetOf(dest.receive_id_type, dest.receive_id)));
  const msg: SentMessage = {
    message_id: newMessageId(),
    ...dest,
    msg_type: msgType,
    content,
    current: content,
    uuid,
    root,
    reply_in_thread: api === 'reply' ? body.reply_in_thread === true : undefined,
    createdAt: core.now(),
    updates: [],
    updateLog: [],
  };
  core.store.addMessage(msg);
  return ok(messageData(core, msg));
}

function createMessage(core: EmulatorCore, req: ApiRequest): ApiReply {
  const type = req.query.receive_id_type;
  if (!type) throw fieldError('receive_id_type', 'receive_id_type is required');
  if (!RECEIVE_ID_TYPES.includes(type as ReceiveIdType)) {
    throw fieldError('receive_id_type', `receive_id_type must be one of ${RECEIVE_ID_TYPES.join(', ')}`);
  }
  const idType = type as ReceiveIdType;
  const body = jsonBody(req);
  const receiveId = requiredString(body, 'receive_id');
  if (!RECEIVE_ID_FORMAT[idType].test(receiveId)) {
    throw badRequest(230034, `The query parameter receive_id_type is not matched with receive_id, ext=${idType}: ${receiveId}`);
  }
  const chatId = idType === 'chat_id' ? receiveId : p2pChatId(core.appId, receiveId);
  return send(core, 'create', { receive_id: receiveId, receive_id_type: idType, chat_id: chatId }, body);
}

/** Where a reply to `messageId` goes: the conversation of a bot message or of a registered user message. */
function replyDestination(core: EmulatorCore, messageId: string): Destination | undefined {
  const sent = core.store.message(messageId);
  if (sent) return { receive_id: sent.receive_id, receive_id_type: sent.receive_id_type, chat_id: sent.chat_id };
  const inbound = core.store.inbound.get(messageId);
  if (!inbound) return undefined;
  return inbound.chat_type === 'p2p'
    ? { receive_id: inbound.sender_open_id, receive_id_type: 'open_id', chat_id: inbound.chat_id }
    : { receive_id: inbound.chat_id, receive_id_type: 'chat_id', chat_id: inbound.chat_id };
}

function replyMessage(core: EmulatorCore, req: ApiRequest): ApiReply {
  const id = req.params.message_id;
  const dest = replyDestination(core, id);
  if (!dest) throw invalidParam(`message_id not found: ${id}`);
  return send(core, 'reply', dest, jsonBody(req), id);
}

function patchMessage(core: EmulatorCore, req: ApiRequest): ApiReply {
  const id = req.params.message_id;
  const msg = core.store.message(id);
  if (!msg) throw invalidParam(`message_id not found: ${id}`);
  if (msg.msg_type !== 'interactive') throw invalidParam('This message is NOT a card.');
  if (core.now() - msg.createdAt > PATCH_WINDOW_MS) {
    throw badRequest(230031, 'The message has been sent for more than 14 days and cannot be updated.');
  }
  const raw = requiredString(jsonBody(req), 'content');
  const content = parseContent('interactive', raw);
  for (const card of [msg.current, content]) {
    const isTemplateRef = card.type === 'template' || card.type === 'card';
    const config = isObject(card.config) ? card.config : {};
    if (card.schema !== '2.0' && !isTemplateRef && config.update_multi !== true) {
      throw invalidParam('only shared cards (config.update_multi: true, before and after the update) can be patched');
    }
  }
  refuseCard(checkVersionChange(msg.current, content));
  throttle(core, patchRules(id));
  core.store.updateMessage(msg, content, 'patch', core.now());
  return { json: { code: 0, msg: 'success', data: {} } };
}

// ------------------------------------------------------------------------------------------------------------------
// files, images, resources

function multipart(req: ApiRequest): { field: (name: string) => string | undefined; part: (name: string) => MultipartPart | undefined } {
  const parts = req.body.parts;
  if (!parts) throw new ApiError(400, Codes.bodyType, 'Invalid request body: expected multipart/form-data');
  const part = (name: string): MultipartPart | undefined => parts.find((p) => p.name === name);
  return { part, field: (name) => part(name)?.data.toString('utf8') };
}

function uploadFile(core: EmulatorCore, req: ApiRequest): ApiReply {
  const form = multipart(req);
  const fileType = form.field('file_type');
  if (!fileType) throw fieldError('file_type', 'file_type is required');
  if (!FILE_TYPES.includes(fileType)) throw fieldError('file_type', `file_type must be one of ${FILE_TYPES.join(', ')}`);
  const fileName = form.field('file_name');
  if (!fileName) throw fieldError('file_name', 'file_name is required');
  const part = form.part('file');
  if (!part) throw fieldError('file', 'file is required');
  if (part.data.length === 0) throw badRequest(Codes.fileEmpty, "File's size can't be 0.");
  if (part.data.length > FILE_MAX_BYTES) throw badRequest(Codes.fileTooLarge, 'The file size exceeds the limit.');
  const duration = form.field('duration');
  const fileKey = newFileKey();
  core.store.files.set(fileKey, {
    file_key: fileKey,
    file_type: fileType,
    file_name: fileName,
    duration: duration ? Number(duration) : undefined,
    part_filename: part.filename,
    size: part.data.length,
    data: Buffer.from(part.data),
    uploadedBy: 'bot',
    createdAt: core.now(),
  });
  return ok({ file_key: fileKey });
}

/** Content type from the magic bytes of the formats the platform accepts. */
export function sniffImage(data: Buffer): string | undefined {
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => data[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  if (starts(0x52, 0x49, 0x46, 0x46) && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  if (starts(0x00, 0x00, 0x01, 0x00)) return 'image/x-icon';
  if (data.subarray(4, 8).toString('latin1') === 'ftyp') return 'image/heic';
  return undefined;
}

function uploadImage(core: EmulatorCore, req: ApiRequest): ApiReply {
  const form = multipart(req);
  const imageType = form.field('image_type');
  if (!imageType) throw fieldError('image_type', 'image_type is required');
  if (!IMAGE_TYPES.includes(imageType)) throw fieldError('image_type', `image_type must be one of ${IMAGE_TYPES.join(', ')}`);
  const part = form.part('image');
  if (!part) throw fieldError('image', 'image is required');
  if (part.data.length === 0) throw badRequest(Codes.fileEmpty, "File's size can't be 0.");
  if (part.data.length > IMAGE_MAX_BYTES) throw badRequest(Codes.fileTooLarge, 'The image size exceeds the limit.');
  const contentType = sniffImage(part.data);
  if (!contentType) throw badRequest(Codes.imageFormat, "Can't recognise image format.");
  const imageKey = newImageKey();
  core.store.images.set(imageKey, {
    image_key: imageKey,
    image_type: imageType,
    contentType,
    size: part.data.length,
    data: Buffer.from(part.data),
    uploadedBy: 'bot',
    createdAt: core.now(),
  });
  return ok({ image_key: imageKey });
}

/** Every file_key / image_key in a message content (post messages nest them). */
function resourceKeys(content: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(content)) for (const c of content) resourceKeys(c, out);
  else if (isObject(content)) {
    for (const [k, v] of Object.entries(content)) {
      if ((k === 'file_key' || k === 'image_key') && typeof v === 'string') out.add(v);
      else resourceKeys(v, out);
    }
  }
  return out;
}

/**
 * GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file: the resource of that message only
 * (a bot's own message or a user's message the bot received). Refusals as the platform documents them (HTTP 400):
 * 234001 bad `type`, 234003 the key is not in that message (or no such message), 234043 a card message,
 * 234037 a resource over 100 MB.
 */
function getResource(core: EmulatorCore, req: ApiRequest): ApiReply {
  const { message_id: messageId, file_key: key } = req.params;
  const type = req.query.type;
  if (type !== 'image' && type !== 'file') throw badRequest(Codes.resourceInvalidParam, 'Invalid request param.');
  const sent = core.store.message(messageId);
  const inbound = core.store.inbound.get(messageId);
  if (!sent && !inbound) throw badRequest(Codes.fileNotInMessage, 'File not in message.');
  if ((sent?.msg_type ?? inbound?.msg_type) === 'interactive') {
    throw badRequest(Codes.resourceUnsupportedMessage, 'Unsupported message type.');
  }
  const contents = sent ? [sent.content, ...sent.updates] : [inbound!.content];
  const keys = resourceKeys(contents);
  const image = core.store.images.get(key);
  const file = core.store.files.get(key);
  if (!keys.has(key) || (type === 'image' && !image) || (type === 'file' && !file)) {
    throw badRequest(Codes.fileNotInMessage, 'File not in message.');
  }
  if (image) return { binary: image.data, contentType: image.contentType };
  const stored = file!;
  if (stored.size > RESOURCE_MAX_BYTES) throw badRequest(Codes.resourceTooLarge, 'Downloaded file size exceeds limit.');
  return { binary: stored.data, contentType: 'application/octet-stream', filename: stored.file_name };
}

// ------------------------------------------------------------------------------------------------------------------
// delayed card update (interactive/v1/card/update)

function cardUpdateError(code: number, msg: string): ApiError {
  return badRequest(code, msg);
}

function delayedCardUpdate(core: EmulatorCore, req: ApiRequest): ApiReply {
  const body = jsonBody(req);
  const token = body.token;
  if (typeof token !== 'string' || !/^c-[0-9A-Za-z_-]+$/.test(token)) throw cardUpdateError(Codes.cardTokenFormat, 'token format error');
  const entry = core.store.cardTokens.get(token);
  if (!entry) throw cardUpdateError(Codes.cardTokenFormat, 'token is invalid');
  if (core.now() - entry.issuedAt > CARD_TOKEN_TTL_MS) throw cardUpdateError(Codes.cardTokenExpired, 'token has expired');
  if (entry.uses >= CARD_TOKEN_MAX_USES) throw cardUpdateError(Codes.cardTokenUsedUp, 'token has been used up');
  const card = body.card;
  if (!isObject(card)) throw cardUpdateError(Codes.cardFormat, 'card format not as required, ext=card must be a JSON object');
  if (Buffer.byteLength(JSON.stringify(card), 'utf8') > CARD_MAX_BYTES) {
    throw cardUpdateError(Codes.cardFormat, 'card format not as required, ext=card exceeds 30 KB');
  }
  const msg = core.store.message(entry.messageId);
  const check = msg ? checkVersionChange(msg.current, card) : validateCard(card);
  if (!check.ok) throw cardUpdateError(Codes.cardFormat, `card format not as required, ext=${formatCardViolation(check)}`);
  entry.uses += 1;
  if (msg) core.store.updateMessage(msg, card, 'card.update', core.now());
  return { json: { code: 0, msg: 'ok' } };
}

// ------------------------------------------------------------------------------------------------------------------
// auth and long connection

function tenantAccessToken(core: EmulatorCore, req: ApiRequest): ApiReply {
  const body = isObject(req.body.json) ? req.body.json : {};
  if (body.app_id !== core.appId) return { json: { code: Codes.invalidParam, msg: 'invalid param' } };
  if (body.app_secret !== core.appSecret) return { json: { code: Codes.appSecretInvalid, msg: 'app secret invalid' } };
  const { token, expire } = core.tokens.issue(core.now());
  return { json: { code: 0, msg: 'ok', tenant_access_token: token, expire } };
}

/** 获取企业信息 (tenant/v2/tenant/query): the tenant of the app's tenant_access_token. */
function tenantQuery(core: EmulatorCore): ApiReply {
  return {
    json: {
      code: 0,
      msg: 'success',
      data: { tenant: { name: '模拟企业', display_id: 'F000000001', tenant_tag: 0, tenant_key: core.tenantKey, avatar: {} } },
    },
  };
}

function wsEndpoint(core: EmulatorCore, req: ApiRequest): ApiReply {
  const body = isObject(req.body.json) ? req.body.json : {};
  if (body.AppID !== core.appId || body.AppSecret !== core.appSecret) {
    return { json: { code: Codes.wsAuthFailed, msg: 'auth failed', data: {} } };
  }
  return { json: { code: 0, msg: 'ok', data: core.ws.endpoint(core.url) } };
}

export function openApiRoutes(core: EmulatorCore): Route[] {
  const route = (method: Route['method'], path: string, auth: boolean, fn: (core: EmulatorCore, req: ApiRequest) => ApiReply): Route => ({
    method,
    path,
    auth,
    handler: (req) => fn(core, req),
  });
  return [
    route('POST', '/open-apis/auth/v3/tenant_access_token/internal', false, tenantAccessToken),
    route('POST', '/callback/ws/endpoint', false, wsEndpoint),
    route('GET', '/open-apis/tenant/v2/tenant/query', true, tenantQuery),
    route('POST', '/open-apis/im/v1/messages', true, createMessage),
    route('POST', '/open-apis/im/v1/messages/:message_id/reply', true, replyMessage),
    route('PATCH', '/open-apis/im/v1/messages/:message_id', true, patchMessage),
    route('POST', '/open-apis/im/v1/files', true, uploadFile),
    route('POST', '/open-apis/im/v1/images', true, uploadImage),
    route('GET', '/open-apis/im/v1/messages/:message_id/resources/:file_key', true, getResource),
    route('POST', '/open-apis/interactive/v1/card/update', true, delayedCardUpdate),
  ];
}

/** receive_id / chat_id a request is addressed to, for fault rules with `receiveId`. */
export function requestTargets(core: EmulatorCore, method: string, path: string, body: ParsedBody): string[] {
  if (method === 'POST' && path === '/open-apis/im/v1/messages') {
    const json = isObject(body.json) ? body.json : {};
    return typeof json.receive_id === 'string' ? [json.receive_id] : [];
  }
  const id = /^\/open-apis\/im\/v1\/messages\/([^/]+)(?:\/reply)?$/.exec(path)?.[1];
  const dest = id ? replyDestination(core, id) : undefined;
  return dest ? [dest.receive_id, dest.chat_id] : [];
}
