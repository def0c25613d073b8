/**
 * Card-callback latency through the real webhook (decrypt, verify, dedupe, route, database, render) while many
 * inspectors answer their checklists at once, against a baseline server that only decrypts and verifies, under
 * the same load in the same run. An answer the bot acknowledged but did not store counts as lost.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import * as lark from '@larksuiteoapi/node-sdk';
import { Types } from 'mongoose';
import { CHECKLISTS } from '../src/domain/checklists';
import { larkSignature } from '../src/platform/webhook';
import { staffModel } from '../src/store/staff';
import { taskModel, type TaskDoc } from '../src/store/task';
import { enterprise } from '../test/support/fixtures';
import { SimulatedFeishu, type EventEnvelope } from '../src/sandbox/client';
import { TEST_APP, type Harness } from '../test/support/harness';
import type { Result } from './bench';

const INSPECTORS = 30;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarise(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** A server doing only what any handler must: check the signature, decrypt, answer {}. */
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
  const conn = h.service.db.connection;
  // One task per inspector, so every answer is independent (no intended conflicts).
  const tasks: TaskDoc[] = [];
  for (let i = 0; i < INSPECTORS; i++) {
    const openId = `ou_benchinspector${String(i).padStart(17, '0')}`;
    await staffModel(conn).create({ openId, name: `检查员${i}`, roles: ['执法人员'], unit: '市局', county: '市局', avoid: [] });
    const kind = i % 2 === 0 ? 'industrial' : 'food';
    const task = await taskModel(conn).create({
      campaignId: new Types.ObjectId(),
      drawId: new Types.ObjectId(),
      no: i + 1,
      enterprise: enterprise(kind, { uscc: `91140800MA0BENCH${String(i).padStart(2, '0')}` , name: `压测企业${i}（示例）` }),
      checklist: kind,
      team: [{ openId, name: `检查员${i}`, role: '执法人员', unit: '市局', county: '市局' }],
      state: '待检查',
      version: 0,
    });
    tasks.push(task.toObject() as TaskDoc);
  }

  const latencies: number[] = [];
  const baselineEnvelopes: EventEnvelope[] = [];
  let errors = 0;
  let acknowledged = 0;
  const inspect = async (task: TaskDoc) => {
    const openId = task.team[0].openId;
    const start = { schema: '2.0', body: { elements: [{ tag: 'button', text: { tag: 'plain_text', content: '开始检查' }, behaviors: [{ type: 'callback', value: { a: 'insp.start', task: String(task._id) } }] }] } };
    await h.service.outbox.sendCard(`bench:start:${String(task._id)}`, { openId }, start);
    const sent = await h.emulator.waitFor((m) => m.receive_id === openId, 30_000);
    let card = (await h.feishu.clickButton(openId, sent.current, '开始检查')).card;
    const items = CHECKLISTS[task.checklist].items.length;
    for (let item = 1; item <= items && card; item++) {
      const verdict = item % 4 === 0 ? '不符合' : '符合';
      const formValues = { record: verdict === '不符合' ? `第${item}项现场发现的问题（压测）` : '' };
      const { envelope } = h.feishu.cardActionEvent(openId, card, verdict, { formValues, messageId: sent.message_id });
      baselineEnvelopes.push(envelope);
      const t0 = performance.now();
      const res = await h.feishu.clickButton(openId, card, verdict, { formValues, messageId: sent.message_id });
      latencies.push(performance.now() - t0);
      const ok = res.status === 200 && !res.clientError && res.toast?.type !== 'error';
      if (!ok) errors++;
      else acknowledged++;
      card = res.card;
    }
  };
  await Promise.all(tasks.map(inspect));

  const stored = await taskModel(conn).find({ _id: { $in: tasks.map((t) => t._id) } }).lean<TaskDoc[]>();
  const storedAnswers = stored.reduce((n, t) => n + (t.inspection?.answers.length ?? 0), 0);
  const bot = summarise(latencies);

  const baseline = await baselineServer();
  try {
    const direct = new SimulatedFeishu({ botUrl: baseline.url, encryptKey: TEST_APP.encryptKey, verificationToken: TEST_APP.verificationToken, appId: TEST_APP.appId });
    const baseLatencies: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < baselineEnvelopes.length) {
        const e = baselineEnvelopes[next++];
        const t0 = performance.now();
        await direct.deliver(e);
        baseLatencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: INSPECTORS }, worker));
    const base = summarise(baseLatencies);
    return [
      { name: 'callback_count', value: latencies.length, unit: 'callbacks' },
      { name: 'callback_p50_ms', value: Math.round(bot.p50 * 10) / 10, unit: 'ms' },
      { name: 'callback_p99_ms', value: Math.round(bot.p99 * 10) / 10, unit: 'ms' },
      { name: 'callback_errors', value: errors, unit: 'responses' },
      { name: 'lost_answers', value: Math.max(0, acknowledged - storedAnswers), unit: 'answers' },
      { name: 'baseline_p99_ms', value: Math.round(base.p99 * 10) / 10, unit: 'ms' },
    ];
  } finally {
    await baseline.close();
  }
}
