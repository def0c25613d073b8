/**
 * Feishu's message limits belong to the app, not to a process (docs/architecture.md "Several instances"): two and
 * three real service processes (test/support/serviceProcess.ts, as `npm start` runs the service) share one
 * database. First a burst: 150 cards queued at once, due at once, which every process rushes at. Then a 市局联络员
 * asks one of them for a draw and confirms it through another; the dispatch (≥ 250 messages) is delivered by all of
 * them together. The emulator enforces the limits for the app as a whole (50 messages a second and 1,000 a minute,
 * 5 a second per receiver) and answers 230020 beyond them.
 *
 * Asserted: at most 1% of the sends drew 230020 (the design aims at none; the figures are printed), every message
 * was accepted exactly once, every process delivered some, and the delivery took at most 1.15 × the time the limits
 * allow plus 5 s. That time counts each message from when the dispatch queued it (streamBoundSeconds): on two
 * shared cores the dispatch itself may queue slower than 50 a second, and then no sender can be faster. The strict
 * figure, all messages queued at once, is `npm run bench`'s (scripts/bench/outboxProcesses.ts).
 */
import mongoose from 'mongoose';
import { createLogger } from '../../src/logger';
import { Outbox } from '../../src/platform/outbox';
import { SimulatedFeishu } from '../../src/sandbox/client';
import { startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';
import { drawModel } from '../../src/store/draw';
import { outboxModel, type OutboxEntry } from '../../src/store/outbox';
import { uniqueDbName } from '../support/db';
import { TEST_APP, TEST_CALLBACK_DEADLINE_MS, withDbName } from '../support/harness';
import { deliveryFigures, logCounts, sharedDatabase, startInstances, streamBoundSeconds, type DeliveryFigures } from '../support/outboxProcesses';
import type { ServiceProcess } from '../support/processes';
import { seedRegistries } from '../support/registries';

jest.setTimeout(600_000);

/**
 * Enough enterprises for a draw whose dispatch sends at least 250 messages: five seconds' worth of the app's 50 a
 * second. The loads are sized to fail without the shared limits, not to be long. With limits counted per process, n
 * processes would send up to n × 50 messages a second: every second of a load that keeps all of them busy draws
 * about (n − 1) × 50 answers 230020, far beyond the 1% allowed (2 of 250, 1 of the burst's 150). Measured on this
 * test with the app's budget counted per process (each process's own sliding window of 50 a second): burst 58 and 50
 * answers 230020, dispatch 161 and 224 (2 and 3 processes); with the shared budget: 0.
 */
const ENTERPRISES = 320;
const MIN_DISPATCH = 250;

let db: Awaited<ReturnType<typeof sharedDatabase>>;

beforeAll(async () => {
  db = await sharedDatabase();
});

afterAll(async () => {
  await db?.close();
});

/** A burst queued all at once before the draw (the bench's case, smaller): 30 users, 5 cards each (3 s at 50/s). */
const BURST_USERS = 30;
const BURST_PER_USER = 5;

interface Burst {
  figures: DeliveryFigures;
  notOnce: string[];
  seconds: number;
}

interface Run {
  n: number;
  burst: Burst;
  figures: DeliveryFigures;
  /** create/reply entries the dispatch queued */
  entries: number;
  notSent: string[];
  /** entries whose uuid the platform did not accept exactly once */
  notOnce: string[];
  /** sends the platform accepted that are no entry of the outbox */
  strangers: number;
  /** the time the limits allow for these messages, queued when they were (streamBoundSeconds) */
  allowedSeconds: number;
  /** from the first queued message to the last accepted one */
  seconds: number;
  /** from the first to the last queued message */
  queueSeconds: number;
  /** from the first accepted message to the last */
  sendSeconds: number;
  byProcess: number[];
  errors: string[];
}

function client(port: number, emulator: LarkEmulator): SimulatedFeishu {
  return new SimulatedFeishu({
    botUrl: `http://127.0.0.1:${port}/lark/events`,
    encryptKey: TEST_APP.encryptKey,
    verificationToken: TEST_APP.verificationToken,
    appId: TEST_APP.appId,
    emulator,
    callbackTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 5000,
    hardTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 10_000,
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** n processes on a fresh database; a draw asked through the first process and confirmed through the last. */
async function dispatchThrough(n: number): Promise<Run> {
  const uri = withDbName(db.uri, uniqueDbName(`limits${n}`));
  const conn = await mongoose.createConnection(uri).asPromise();
  const emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
  let processes: ServiceProcess[] = [];
  try {
    const reg = await seedRegistries(conn, { enterprises: ENTERPRISES });
    processes = await startInstances(n, { uri, emulator, name: `limits${n}`, logLevel: 'debug' });
    const burst = await burstThrough(conn, emulator);
    const first = client(processes[0]!.port, emulator);
    const last = client(processes[n - 1]!.port, emulator);
    const asked = await first.sendText(reg.cityLiaison.openId, '/抽取 种子=20240401');
    const preview = await emulator.waitFor((m) => m.root === asked.messageId, 60_000);
    const seq = emulator.requests[emulator.requests.length - 1]!.seq;
    const clickedAt = new Date();
    const tap = await last.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取', { messageId: preview.message_id });
    expect(tap.status).toBe(200);
    const outbox = outboxModel(conn);
    await until('the draw is dispatched', async () => (await drawModel(conn).exists({ status: 'confirmed', dispatchedAt: { $exists: true } })) !== null, 120_000);
    await until('the outbox is drained', async () => (await outbox.countDocuments({ status: { $in: ['pending', 'sending'] } })) === 0, 300_000);

    const queued = await outbox
      .find({ createdAt: { $gte: clickedAt }, kind: { $in: ['send', 'reply', 'file'] }, key: { $not: /^burst:/ } }, { key: 1, uuid: 1, status: 1, createdAt: 1, rateKey: 1 })
      .lean<Pick<OutboxEntry, 'key' | 'uuid' | 'status' | 'createdAt' | 'rateKey'>[]>();
    const known = new Set((await outbox.find({}, { uuid: 1 }).lean<Pick<OutboxEntry, 'uuid'>[]>()).map((e) => e.uuid));
    const accepted = new Map<string, number>();
    let lastAccepted = 0;
    let firstAccepted = Infinity;
    for (const r of emulator.requests) {
      if (r.seq <= seq || r.method !== 'POST' || r.status !== 200 || !/^\/open-apis\/im\/v1\/messages(\/[^/]+\/reply)?$/.test(r.path)) continue;
      const uuid = (r.body as { uuid?: string }).uuid ?? '';
      accepted.set(uuid, (accepted.get(uuid) ?? 0) + 1);
      lastAccepted = Math.max(lastAccepted, r.at);
      firstAccepted = Math.min(firstAccepted, r.at);
    }
    const firstQueued = Math.min(...queued.map((e) => e.createdAt.getTime()));
    const errors = processes.flatMap((p) => p.logs().filter((l) => (l.level as number) >= 50).map((l) => String(l.msg)));
    return {
      n,
      burst,
      figures: deliveryFigures(emulator, seq),
      entries: queued.length,
      notSent: queued.filter((e) => e.status !== 'sent').map((e) => `${e.key}: ${e.status}`),
      notOnce: queued.filter((e) => accepted.get(e.uuid) !== 1).map((e) => `${e.key}: ${accepted.get(e.uuid) ?? 0}`),
      strangers: [...accepted.keys()].filter((u) => !known.has(u)).length,
      allowedSeconds: streamBoundSeconds(queued.map((e) => ({ receiver: e.rateKey, release: e.createdAt.getTime() }))),
      seconds: (lastAccepted - firstQueued) / 1000,
      queueSeconds: (Math.max(...queued.map((e) => e.createdAt.getTime())) - firstQueued) / 1000,
      sendSeconds: (lastAccepted - firstAccepted) / 1000,
      byProcess: logCounts(processes, 'outbox delivered'),
      errors,
    };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
    await emulator.close();
  }
}

/**
 * Cards queued with a delivery time in the future, then made due at once: every process rushes at them (with limits
 * counted per process, two processes would send 100 a second and draw hundreds of 230020).
 */
async function burstThrough(conn: mongoose.Connection, emulator: LarkEmulator): Promise<Burst> {
  const later = new Date(Date.now() + 3600_000);
  const queue = new Outbox(outboxModel(conn), undefined, undefined, createLogger('silent'), {}, () => later);
  const card = (text: string) => ({ schema: '2.0', body: { elements: [{ tag: 'markdown', content: text }] } });
  for (let r = 0; r < BURST_PER_USER; r++) {
    for (let u = 0; u < BURST_USERS; u++) await queue.sendCard(`burst:${u}:${r}`, { openId: `ou_burst${String(u).padStart(26, '0')}` }, card(`第${r + 1}条`));
  }
  const outbox = outboxModel(conn);
  const seq = emulator.requests.length > 0 ? emulator.requests[emulator.requests.length - 1]!.seq : 0;
  const t0 = Date.now();
  await outbox.updateMany({ key: /^burst:/ }, { $set: { nextAttemptAt: new Date() } });
  await until('the burst is delivered', async () => (await outbox.countDocuments({ key: /^burst:/, status: { $in: ['pending', 'sending'] } })) === 0, 300_000);
  const entries = await outbox.find({ key: /^burst:/ }, { key: 1, uuid: 1, status: 1 }).lean<Pick<OutboxEntry, 'key' | 'uuid' | 'status'>[]>();
  const accepted = new Map<string, number>();
  let last = t0;
  for (const r of emulator.requests) {
    if (r.seq <= seq || r.method !== 'POST' || r.status !== 200 || r.path !== '/open-apis/im/v1/messages') continue;
    const uuid = (r.body as { uuid?: string }).uuid ?? '';
    accepted.set(uuid, (accepted.get(uuid) ?? 0) + 1);
    last = Math.max(last, r.at);
  }
  return {
    figures: deliveryFigures(emulator, seq),
    notOnce: entries.filter((e) => e.status !== 'sent' || accepted.get(e.uuid) !== 1).map((e) => `${e.key}: ${e.status} ${accepted.get(e.uuid) ?? 0}`),
    seconds: (last - t0) / 1000,
  };
}

function describeRun(r: Run): string {
  const b = r.burst;
  const f = r.figures;
  return (
    `${r.n} process(es): ${f.accepted} messages accepted (${r.entries} queued), ${f.rateLimited} answers 230020, ` +
    `${f.duplicates} duplicates, ${r.seconds.toFixed(2)} s where the limits allow ${r.allowedSeconds.toFixed(2)} s ` +
    `(×${(r.seconds / r.allowedSeconds).toFixed(2)}; all queued at once: ${f.boundSeconds.toFixed(2)} s), peak ${f.peakPerSecond}/s and ${f.peakPerReceiverSecond}/s per receiver, ` +
    `delivered per process ${r.byProcess.join('/')}; queued over ${r.queueSeconds.toFixed(2)} s, sent over ${r.sendSeconds.toFixed(2)} s. ` +
    `Burst: ${b.figures.accepted} messages, ${b.figures.rateLimited} answers 230020, ${b.seconds.toFixed(2)} s for a bound of ` +
    `${b.figures.boundSeconds.toFixed(2)} s (×${(b.seconds / b.figures.boundSeconds).toFixed(2)})`
  );
}

describe('the platform limits hold for the app across service processes', () => {
  it.each([2, 3])('%i processes: every message once, at most 1%% answered 230020, all processes sending, delivered in the time the limits allow', async (n) => {
    const run = await dispatchThrough(n);
    process.stdout.write(`${describeRun(run)}\n`);
    // The burst, queued at once: each card once, (almost) no 230020, within the platform's windows.
    expect(run.burst.notOnce).toEqual([]);
    expect(run.burst.figures.accepted).toBe(BURST_USERS * BURST_PER_USER);
    expect(run.burst.figures.rateLimited).toBeLessThanOrEqual(Math.floor(BURST_USERS * BURST_PER_USER * 0.01));
    expect(run.burst.figures.peakPerSecond).toBeLessThanOrEqual(50);
    // The draw's dispatch:
    expect(run.entries).toBeGreaterThanOrEqual(MIN_DISPATCH);
    expect(run.notSent).toEqual([]);
    expect(run.notOnce).toEqual([]);
    expect(run.strangers).toBe(0);
    expect(run.figures.duplicates).toBe(0);
    expect(run.figures.rateLimited).toBeLessThanOrEqual(Math.floor(run.entries * 0.01));
    // The app's budget is shared, not added up (the emulator refuses more, and a refusal would show above) …
    expect(run.figures.peakPerSecond).toBeLessThanOrEqual(50);
    expect(run.figures.peakPerReceiverSecond).toBeLessThanOrEqual(5);
    // … every process took part …
    expect(run.byProcess.filter((x) => x > 0)).toHaveLength(n);
    // … and the messages went out as fast as the limits allow, given when the dispatch queued them: 1.15 × that
    // time, plus 5 s for a process starved of CPU on two shared cores (a target's lease left hanging would cost
    // 10 s, backing off after 230020 more).
    expect(run.seconds).toBeLessThanOrEqual(run.allowedSeconds * 1.15 + 5);
    expect(run.errors).toEqual([]);
  });
});
