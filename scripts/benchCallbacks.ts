/**
 * Card-callback latency through the real webhook (decrypt, verify, dedupe, route, database, render), against a
 * baseline server that only decrypts and verifies, under the same load in the same run.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import * as lark from '@larksuiteoapi/node-sdk';
import { larkSignature } from '../src/platform/webhook';
import { staffModel } from '../src/store/staff';
import { SimulatedFeishu, type EventEnvelope } from '../test/support/lark-client';
import { TEST_APP, type Harness } from '../test/support/harness';
import type { Result } from './bench';

const CLICKS = 300;
const CONCURRENCY = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runLoad(envelopes: EventEnvelope[], deliver: (e: EventEnvelope) => Promise<{ status: number; ok: boolean }>) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < envelopes.length) {
      const e = envelopes[next++];
      const t0 = performance.now();
      const res = await deliver(e).catch(() => ({ status: 0, ok: false }));
      latencies.push(performance.now() - t0);
      if (res.status !== 200 || !res.ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

/** A server doing only what any handler must: decrypt and check the signature, then answer {}. */
async function baselineServer(): Promise<{ url: string; close(): Promise<void> }> {
  const cipher = new lark.AESCipher(TEST_APP.encryptKey);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const sig = larkSignature(String(req.headers['x-lark-request-timestamp']), String(req.headers['x-lark-request-nonce']), TEST_APP.encryptKey, raw);
      const ok = sig === req.headers['x-lark-signature'];
      if (ok) JSON.parse(cipher.decrypt((JSON.parse(raw) as { encrypt: string }).encrypt));
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function benchCallbacks(h: Harness): Promise<Result[]> {
  const user = 'ou_benchliaison0000000000000000001';
  await staffModel(h.service.db.connection).create({ openId: user, name: '压测联络员', roles: ['联络员'], unit: '市局', county: '市局', avoid: [] });
  const sent = await h.feishu.sendText(user, '/帮助');
  const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
  const help = await h.emulator.waitFor((m) => m.root === messageId);
  const envelopes = Array.from({ length: CLICKS }, () => h.feishu.cardActionEvent(user, help.content, '用法', { messageId: help.message_id }).envelope);

  const bot = await runLoad(envelopes, async (e) => {
    const r = await h.feishu.deliver(e);
    const body = r.body as { card?: unknown; toast?: { type: string } };
    return { status: r.status, ok: body.card !== undefined && body.toast?.type !== 'error' };
  });

  const baseline = await baselineServer();
  try {
    const direct = new SimulatedFeishu({ botUrl: baseline.url, encryptKey: TEST_APP.encryptKey, verificationToken: TEST_APP.verificationToken, appId: TEST_APP.appId });
    const base = await runLoad(envelopes, async (e) => ({ ...(await direct.deliver(e)), ok: true }));
    return [
      { name: 'callback_p50_ms', value: Math.round(bot.p50 * 10) / 10, unit: 'ms' },
      { name: 'callback_p99_ms', value: Math.round(bot.p99 * 10) / 10, unit: 'ms' },
      { name: 'callback_errors', value: bot.errors, unit: 'responses' },
      { name: 'baseline_p99_ms', value: Math.round(base.p99 * 10) / 10, unit: 'ms' },
    ];
  } finally {
    await baseline.close();
  }
}
