import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Context } from 'koa';
import type { Logger } from '../logger';

const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

function readRawBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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
 * every event and callback, 401 with no effect on either failure, and always a JSON answer.
 */
export function larkWebhook(opts: {
  encryptKey: string;
  verificationToken: string;
  dispatcher: lark.EventDispatcher;
  log: Logger;
}) {
  const { encryptKey, verificationToken, dispatcher, log } = opts;
  const cipher = new lark.AESCipher(encryptKey);

  const reject = (ctx: Context, status: number, error: string) => {
    ctx.status = status;
    ctx.type = 'application/json';
    ctx.body = { error };
  };

  return async (ctx: Context): Promise<void> => {
    const declared = Number(ctx.get('content-length'));
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      ctx.set('Connection', 'close');
      return reject(ctx, 413, 'body too large');
    }
    let raw: string;
    try {
      raw = await readRawBody(ctx.req);
    } catch (err) {
      return reject(ctx, err instanceof BodyTooLarge ? 413 : 400, 'unreadable body');
    }
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

    // Checked above: let the SDK route and flatten without checking again.
    const data = Object.assign(Object.create({ headers: ctx.headers }) as object, plain);
    let result: unknown;
    try {
      result = await dispatcher.invoke(data, { needCheck: false });
    } catch (err) {
      log.error({ err, eventType: headerObj?.event_type }, 'webhook: handler failed; Feishu will redeliver');
      return reject(ctx, 500, 'handler failed');
    }
    ctx.status = 200;
    ctx.type = 'application/json';
    // An event type we do not handle answers a string from the SDK; Feishu needs only a 200.
    ctx.body = isRecord(result) ? result : {};
  };
}
