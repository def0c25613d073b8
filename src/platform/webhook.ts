import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Context } from 'koa';
import type { Logger } from '../logger';
import { callbackAnswerBody } from './callbackBody';
import { ownHandlerCall } from './events';
import { foreignOrigin, type TenantGuard } from './origin';

const MAX_BODY_BYTES = 1024 * 1024;
/**
 * After a 413 the rest of the body is read and thrown away (up to this much, for up to DISCARD_MS), so that the
 * client reads the answer instead of a connection reset; a client still sending after that is cut off.
 */
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
const DISCARD_MS = 10_000;

type Body = { ok: true; raw: string } | { ok: false; tooLarge: boolean };

/**
 * Reads the body up to MAX_BODY_BYTES, counting what arrives (a chunked body declares no length). Past the limit
 * nothing more is kept: it answers at once and the remainder is discarded (see `discardRest`).
 */
function readRawBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        discardRest(req, size);
        resolve({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve({ ok: true, raw: Buffer.concat(chunks).toString('utf8') });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => resolve({ ok: false, tooLarge: false }));
  });
}

/** Lingering close: read and drop what the client still sends, within bounds, then let the connection go. */
function discardRest(req: IncomingMessage, already = 0): void {
  let dropped = already;
  const cutOff = () => req.socket.destroy();
  const timer = setTimeout(cutOff, DISCARD_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_MAX_BYTES + MAX_BODY_BYTES) {
      clearTimeout(timer);
      cutOff();
    }
  });
  req.on('end', () => clearTimeout(timer));
  req.on('close', () => clearTimeout(timer));
  req.on('error', () => clearTimeout(timer));
  req.resume();
}

function header(ctx: Context, name: string): string {
  const v = ctx.get(name);
  return typeof v === 'string' ? v : '';
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Replays of a captured request are refused once older than this; it is shorter than the de-duplication memory
 * (3 days) and longer than Feishu's redelivery schedule (the last retry comes about 7 hours after the event).
 */
const MAX_REQUEST_AGE_MS = 24 * 3600 * 1000;

function freshTimestamp(ts: string, now: number): boolean {
  if (!/^\d{9,11}$/.test(ts)) return false;
  return Math.abs(now - Number(ts) * 1000) <= MAX_REQUEST_AGE_MS;
}

/** X-Lark-Signature = hex(sha256(timestamp + nonce + encryptKey + body)), over the bytes as received. */
export function larkSignature(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey + body).digest('hex');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * POST /lark/events: the event subscription and card callback request URL.
 * The SDK's adapters answer a bad signature with 204 and never compare the Verification Token, so this does
 * what they do not: URL verification (plain and encrypted), signature over the raw body, Verification Token on
 * every event and callback, the app id and tenant key the envelope names (platform/origin.ts), 401 with no effect
 * on any failure, 413 for a body over 1 MB (declared or, chunked, counted as it arrives; the connection is not
 * reset: the rest is read and discarded within bounds), and always a JSON answer.
 */
export function larkWebhook(opts: {
  encryptKey: string;
  verificationToken: string;
  /** our app: events and callbacks naming another app (or, when known, another tenant) are refused */
  appId: string;
  tenant?: TenantGuard;
  dispatcher: lark.EventDispatcher;
  log: Logger;
}) {
  const { encryptKey, verificationToken, appId, tenant, dispatcher, log } = opts;
  const cipher = new lark.AESCipher(encryptKey);

  const reject = (ctx: Context, status: number, error: string) => {
    ctx.status = status;
    ctx.type = 'application/json';
    ctx.body = { error };
  };

  return async (ctx: Context): Promise<void> => {
    const declared = Number(ctx.get('content-length'));
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      // Answered before a byte of the body is read; what the client sends anyway is discarded.
      discardRest(ctx.req);
      return reject(ctx, 413, 'body too large');
    }
    const body = await readRawBody(ctx.req);
    if (!body.ok) return reject(ctx, body.tooLarge ? 413 : 400, body.tooLarge ? 'body too large' : 'unreadable body');
    const raw = body.raw;
    let outer: unknown;
    try {
      outer = JSON.parse(raw);
    } catch {
      return reject(ctx, 400, 'body is not JSON');
    }
    if (!isRecord(outer)) return reject(ctx, 400, 'body is not a JSON object');

    // Every event and callback is signed; only URL verification comes unsigned. The signature is checked before
    // anything is decrypted, and every failure gets the same answer.
    const ts = header(ctx, 'x-lark-request-timestamp');
    const nonce = header(ctx, 'x-lark-request-nonce');
    const signature = header(ctx, 'x-lark-signature');
    const signed = ts !== '' || nonce !== '' || signature !== '';
    if (signed) {
      if (!ts || !nonce || !signature || !safeEqual(larkSignature(ts, nonce, encryptKey, raw), signature.toLowerCase())) {
        log.warn('webhook: bad signature');
        return reject(ctx, 401, 'unauthorized');
      }
      if (!freshTimestamp(ts, Date.now())) {
        log.warn('webhook: stale or malformed request timestamp');
        return reject(ctx, 401, 'unauthorized');
      }
    }

    let plain: Record<string, unknown>;
    if (typeof outer.encrypt === 'string') {
      try {
        const inner: unknown = JSON.parse(cipher.decrypt(outer.encrypt));
        if (!isRecord(inner)) throw new Error('not an object');
        plain = inner;
      } catch {
        log.warn('webhook: body could not be decrypted with the Encrypt Key');
        return reject(ctx, 401, 'unauthorized');
      }
    } else {
      plain = outer;
    }

    // URL verification is exempt from the signature (Feishu sends none) but not from the token.
    if (plain.type === 'url_verification') {
      if (typeof plain.token !== 'string' || !safeEqual(plain.token, verificationToken)) {
        log.warn('webhook: url_verification with a wrong Verification Token');
        return reject(ctx, 401, 'unauthorized');
      }
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = { challenge: typeof plain.challenge === 'string' ? plain.challenge : '' };
      return;
    }
    if (!signed) {
      log.warn('webhook: unsigned event');
      return reject(ctx, 401, 'unauthorized');
    }

    const headerObj = isRecord(plain.header) ? plain.header : undefined;
    const token = plain.schema === '2.0' ? headerObj?.token : plain.token;
    if (typeof token !== 'string' || !safeEqual(token, verificationToken)) {
      log.warn({ eventType: headerObj?.event_type }, 'webhook: wrong Verification Token');
      return reject(ctx, 401, 'unauthorized');
    }

    // Signed with our keys, yet naming another app or tenant: not ours either (platform/origin.ts).
    const foreign = await foreignOrigin(plain, { appId, tenant });
    if (foreign) {
      log.warn({ eventType: headerObj?.event_type, reason: foreign }, 'webhook: event of another app or tenant');
      return reject(ctx, 401, 'unauthorized');
    }

    // Checked above: our handler called as the SDK would call it (events.ts ownHandlerCall), or the SDK left to route
    // and flatten without checking again.
    const own = ownHandlerCall(dispatcher, plain);
    let result: unknown;
    try {
      result = own ? await own() : await dispatcher.invoke(Object.assign(Object.create({ headers: ctx.headers }) as object, plain), { needCheck: false });
    } catch (err) {
      log.error({ err, eventType: headerObj?.event_type }, 'webhook: handler failed; Feishu will redeliver');
      return reject(ctx, 500, 'handler failed');
    }
    ctx.status = 200;
    ctx.type = 'application/json';
    // An event type we do not handle answers a string from the SDK; Feishu needs only a 200. A card answer is sent
    // with the card's text as rendered (callbackBody.ts), the same bytes as the answer serialised.
    ctx.body = isRecord(result) ? callbackAnswerBody(result) : {};
  };
}
