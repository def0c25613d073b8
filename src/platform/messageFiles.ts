/**
 * Downloading the file of a user's `file` message with the SDK: `client.im.messageResource.get` →
 * GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=file (docs/feishu.md). The SDK asks axios for a
 * stream and resolves to `{getReadableStream, writeFile, headers}`; a refusal (HTTP 4xx) rejects with an AxiosError
 * whose `response.data` is also a stream, so the JSON error body is read from it here.
 *
 * The bytes are read with a cap: a file larger than `maxBytes` is refused as soon as the Content-Length (or the
 * bytes read so far) say so, before anything parses it.
 */
import type { Readable } from 'node:stream';
import type * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../logger';
import { invalidateTenantToken } from './larkClient';

export type DownloadResult =
  | { ok: true; data: Buffer }
  | { ok: false; reason: 'tooLarge'; bytes: number }
  | { ok: false; reason: 'failed'; code?: number; message: string };

export interface MessageFileSource {
  download(messageId: string, fileKey: string, maxBytes: number): Promise<DownloadResult>;
}

const TOKEN_CODES = new Set([99991661, 99991663]);
const ERROR_BODY_LIMIT = 64 * 1024;

class TooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`more than the limit (${bytes} bytes read)`);
  }
}

/** Reads a stream to a Buffer; stops (and destroys the stream) past `maxBytes`. */
function readCapped(stream: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        reject(new TooLarge(total));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks, total)));
    stream.on('error', reject);
  });
}

/** The Open Platform's {code, msg} from a failed call (the body is a stream for this endpoint). */
async function failureOf(err: unknown): Promise<{ status?: number; code?: number; message: string }> {
  const e = err as { response?: { status?: number; data?: unknown }; message?: string };
  const status = e.response?.status;
  let body: unknown = e.response?.data;
  if (body && typeof (body as Readable).pipe === 'function') {
    try {
      body = JSON.parse((await readCapped(body as Readable, ERROR_BODY_LIMIT)).toString('utf8'));
    } catch {
      body = undefined;
    }
  }
  const parsed = body as { code?: unknown; msg?: unknown } | undefined;
  const code = typeof parsed?.code === 'number' ? parsed.code : undefined;
  const msg = typeof parsed?.msg === 'string' ? parsed.msg : (e.message ?? 'download failed');
  return { status, code, message: `${status ?? ''} ${code ?? ''} ${msg}`.trim() };
}

export function createMessageFileSource(client: lark.Client, appId: string, log: Logger): MessageFileSource {
  const attempt = async (messageId: string, fileKey: string, maxBytes: number): Promise<DownloadResult> => {
    const res = await client.im.messageResource.get({ path: { message_id: messageId, file_key: fileKey }, params: { type: 'file' } });
    const stream = res.getReadableStream();
    const declared = Number((res.headers as Record<string, unknown> | undefined)?.['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      stream.destroy();
      return { ok: false, reason: 'tooLarge', bytes: declared };
    }
    try {
      return { ok: true, data: await readCapped(stream, maxBytes) };
    } catch (err) {
      if (err instanceof TooLarge) return { ok: false, reason: 'tooLarge', bytes: err.bytes };
      throw err;
    }
  };

  return {
    async download(messageId, fileKey, maxBytes) {
      // One retry: after a refreshed token (the SDK never refreshes it), or after a passing 5xx / network error.
      for (let tries = 1; ; tries++) {
        try {
          return await attempt(messageId, fileKey, maxBytes);
        } catch (err) {
          const failure = await failureOf(err);
          const token = failure.code !== undefined && TOKEN_CODES.has(failure.code);
          const passing = failure.status === undefined || failure.status >= 500 || failure.status === 429;
          log.warn({ messageId, error: failure.message, tries }, 'message file download failed');
          if (tries >= 2 || !(token || passing)) return { ok: false, reason: 'failed', code: failure.code, message: failure.message };
          if (token) invalidateTenantToken(client, appId);
          else await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
  };
}
