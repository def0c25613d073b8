/**
 * The callback load: simulated inspectors (src/sandbox/client.ts: genuine encrypted, signed `card.action.trigger`
 * envelopes, cards read and clicked as the Feishu client does) walking their nine-item checklists through the
 * service's real webhook, the service running in its own process. Each inspector asks for /我的任务 (set-up, not
 * timed), then, all at once, clicks 开始检查 and answers the nine items, waiting a think time before every click
 * (an inspector reads the card and taps; the schedule is fixed by a seed, so the baseline gets the same one).
 *
 * Measured per walk: latency of every callback as the client sees it (request posted → answer read), errors (any
 * answer that is not a 200 with a success toast and a valid card, or slower than Feishu's 3 s), lost answers
 * (acknowledged but not in the database), and from the service's own process (platform/benchProbe.ts): CPU per
 * callback, database commands per item answer, the event loop's delay.
 */
import { performance } from 'node:perf_hooks';
import { Types, type Connection } from 'mongoose';
import { CHECKLISTS } from '../../src/domain/checklists';
import { BENCH_COMMANDS_HEADER, BENCH_TIMES_HEADER, type BenchFigures } from '../../src/platform/benchProbe';
import type { LarkEmulator } from '../../src/sandbox/emulator';
import { SimulatedFeishu, findButtons, type DeliveryResult, type EventEnvelope } from '../../src/sandbox/client';
import { staffModel } from '../../src/store/staff';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { enterprise } from '../../test/support/fixtures';
import { getJson } from './processes';
import { insertBenchCampaign } from './summary';

export const BENCH_APP = {
  appId: 'cli_a1b2c3d4e5f6a7b8',
  appSecret: 'bench-app-secret',
  encryptKey: 'bench-encrypt-key-0123456789',
  verificationToken: 'bench-verification-token',
};

/** Items of 附件3 and of 附件4 */
export const ITEMS = CHECKLISTS.industrial.items.length;
if (CHECKLISTS.food.items.length !== ITEMS) throw new Error('附件3 and 附件4 are expected to have as many items');

/** Feishu waits this long for a callback's answer. */
const FEISHU_CALLBACK_TIMEOUT_MS = 3000;

export interface Inspector {
  openId: string;
  name: string;
}

export function inspectors(n: number): Inspector[] {
  return Array.from({ length: n }, (_, i) => ({ openId: `ou_benchinspector${String(i).padStart(17, '0')}`, name: `检查员${i}` }));
}

export { mulberry32 as prng } from '../../src/domain/prng';

/** The staff records of the inspectors (and whoever else the bench needs), once per run. */
export async function seedStaff(conn: Connection, people: Inspector[]): Promise<void> {
  await staffModel(conn).insertMany(
    people.map((p) => ({ openId: p.openId, name: p.name, roles: ['执法人员'], unit: '市局', county: '市局', avoid: [] })),
  );
}

/** One task (待检查) per inspector, each the inspector's own, so no answer conflicts with another; their campaign. */
export async function seedTasks(conn: Connection, people: Inspector[], phase: string): Promise<Types.ObjectId[]> {
  // their campaign, its inspection window open today (开始检查 checks it); closed, so that the year's active campaign
  // (the summary's, bench/summary.ts) stays the only active one
  const campaignId = (await insertBenchCampaign(conn, `基准测试专项（检查员${phase}）`, 'closed'))._id;
  const drawId = new Types.ObjectId();
  const docs = people.map((p, i) => {
    const kind = i % 2 === 0 ? 'industrial' : 'food';
    return {
      campaignId,
      drawId,
      no: i + 1,
      enterprise: enterprise(kind, { uscc: `91140800MA0B${phase}${String(i).padStart(4, '0')}`, name: `压测企业${phase}${i}（示例）` }),
      checklist: kind,
      team: [{ openId: p.openId, name: p.name, role: '执法人员', unit: '市局', county: '市局' }],
      state: '待检查',
      version: 0,
    };
  });
  const inserted = await taskModel(conn).insertMany(docs);
  return inserted.map((t) => t._id);
}

export interface Walk {
  inspector: Inspector;
  taskId: string;
  /** think times before each click (start + items) */
  think: number[];
  /** the card the inspector starts from (its task list) and that message's id */
  card?: unknown;
  messageId?: string;
  /** what was clicked, for the baseline: the envelopes, in order */
  envelopes: EventEnvelope[];
}

/**
 * One callback's time in three parts (ms), from the machine's monotonic clock read by the client and by the server
 * (BENCH_TIMES_HEADER): before the server's handler (the client posting, the kernel, the request waiting for the
 * server's event loop), inside it, and after it (the answer written, the kernel, the answer waiting for the client's
 * event loop to be read).
 */
export interface Split {
  totalMs: number;
  beforeMs: number;
  insideMs: number;
  afterMs: number;
}

/** The split of one delivery, when the server said when it handled the request. */
export function splitOf(res: DeliveryResult): Split | undefined {
  const times = res.headers?.[BENCH_TIMES_HEADER];
  if (typeof times !== 'string' || res.postedUs === undefined || res.readUs === undefined) return undefined;
  const [inUs, outUs] = times.split(',').map(Number) as [number, number];
  if (!Number.isFinite(inUs) || !Number.isFinite(outUs)) return undefined;
  return {
    totalMs: (res.readUs - res.postedUs) / 1000,
    beforeMs: (inUs - res.postedUs) / 1000,
    insideMs: (outUs - inUs) / 1000,
    afterMs: (res.readUs - outUs) / 1000,
  };
}

/** What a phase's callbacks gave against any server: the service (PhaseResult) or a reference (runBaseline). */
export interface ReferenceResult {
  latencies: number[];
  /** the latencies' splits (those the server timed) */
  splits: Split[];
  /** when each callback of `latencies` was sent, in ms since the phase began (same order) */
  sentAtMs: number[];
  /** latencies of the 开始检查 clicks only (each walk's first) */
  startLatencies: number[];
  errors: number;
  seconds: number;
}

/** What a phase of walks gave: the references' figures (ReferenceResult), and what only the service's walks give. */
export interface PhaseResult extends ReferenceResult {
  /** latencies of item answers only */
  answerLatencies: number[];
  errorSamples: string[];
  acknowledged: number;
  /** database commands of each item answer before its answer (x-bench-db-commands) */
  answerCommands: number[];
  /** the same for each 开始检查 */
  startCommands: number[];
}

function pushSplit(splits: Split[], res: DeliveryResult): void {
  const split = splitOf(res);
  if (split) splits.push(split);
}

/** Think times (ms) for `clicks` clicks, uniform in [min, max], from `rnd`. */
export function thinkTimes(rnd: () => number, clicks: number, min: number, max: number): number[] {
  return Array.from({ length: clicks }, () => min + (max - min) * rnd());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Set-up requests in flight at once: the set-up is not timed, and on a loaded machine 200 at once may time out. */
const SETUP_CONCURRENCY = 20;

/** Set-up (not timed): every inspector sends /我的任务 and waits for the list with the task to start. */
export async function prepareWalks(feishu: SimulatedFeishu, emulator: LarkEmulator, walks: Walk[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < walks.length) {
      const w = walks[next++]!;
      const sent = await feishu.sendText(w.inspector.openId, '/我的任务');
      if (sent.status !== 200) throw new Error(`/我的任务 answered HTTP ${sent.status}`);
      const reply = await emulator.waitFor((m) => m.root === sent.messageId, 120_000);
      w.card = reply.current;
      w.messageId = reply.message_id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, walks.length) }, worker));
}

/**
 * All walks at once; each click after its think time. `answers` (all ITEMS unless an experiment says otherwise, e.g.
 * 0 to measure the 开始检查 clicks alone) is how many items each inspector answers.
 */
export async function runWalks(feishu: SimulatedFeishu, walks: Walk[], answers = ITEMS): Promise<PhaseResult> {
  const result: PhaseResult = {
    latencies: [],
    splits: [],
    answerLatencies: [],
    startLatencies: [],
    sentAtMs: [],
    errors: 0,
    errorSamples: [],
    acknowledged: 0,
    answerCommands: [],
    startCommands: [],
    seconds: 0,
  };
  const fail = (why: string) => {
    result.errors++;
    if (result.errorSamples.length < 5) result.errorSamples.push(why);
  };
  const t0 = performance.now();
  await Promise.all(
    walks.map(async (w) => {
      const openId = w.inspector.openId;
      let click = 0;
      await sleep(w.think[click++]!);
      const startSent = performance.now() - t0;
      const start = await feishu.clickButton(openId, w.card, (b) => (b.value as { task?: string } | undefined)?.task === w.taskId, { messageId: w.messageId });
      w.envelopes.push(start.envelope);
      result.latencies.push(start.elapsedMs);
      pushSplit(result.splits, start);
      result.sentAtMs.push(startSent);
      result.startLatencies.push(start.elapsedMs);
      const startCommands = Number(start.headers?.[BENCH_COMMANDS_HEADER]);
      if (Number.isFinite(startCommands)) result.startCommands.push(startCommands);
      if (start.status !== 200 || start.clientError || !start.card || start.toast?.type !== 'success') {
        fail(`start: ${start.status} ${JSON.stringify(start.clientError ?? start.toast ?? start.body).slice(0, 200)}`);
        return;
      }
      let card: unknown = start.card;
      for (let item = 1; item <= Math.min(answers, ITEMS); item++) {
        await sleep(w.think[click++]!);
        const verdict = item % 4 === 0 ? '不符合' : '符合';
        const formValues = { record: verdict === '不符合' ? `第${item}项现场发现的问题（压测）` : '' };
        const sent = performance.now() - t0;
        const res = await feishu.clickButton(openId, card, verdict, { formValues, messageId: w.messageId });
        w.envelopes.push(res.envelope);
        result.latencies.push(res.elapsedMs);
        pushSplit(result.splits, res);
        result.sentAtMs.push(sent);
        result.answerLatencies.push(res.elapsedMs);
        const commands = Number(res.headers?.[BENCH_COMMANDS_HEADER]);
        if (Number.isFinite(commands)) result.answerCommands.push(commands);
        if (res.status !== 200 || res.clientError || !res.card || res.toast?.type !== 'success') {
          fail(`item ${item}: ${res.status} ${JSON.stringify(res.clientError ?? res.toast ?? res.body).slice(0, 200)}`);
          if (!res.card) return;
        } else {
          result.acknowledged++;
        }
        card = res.card;
      }
      // the last answer's card is the record's summary: no item left to answer
      if (answers >= ITEMS && findButtons(card).some((b) => b.text === '符合')) fail('the checklist did not end after nine answers');
    }),
  );
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** The same clicks (re-encrypted and signed at send time) against the baseline server, on the same schedule. */
export async function runBaseline(baselineUrl: string, walks: Walk[]): Promise<ReferenceResult> {
  const direct = new SimulatedFeishu({
    botUrl: baselineUrl,
    encryptKey: BENCH_APP.encryptKey,
    verificationToken: BENCH_APP.verificationToken,
    appId: BENCH_APP.appId,
    hardTimeoutMs: 10_000,
    // as the service's client (bench.ts): connections kept alive
    keepAlive: true,
  });
  const latencies: number[] = [];
  const splits: Split[] = [];
  const sentAtMs: number[] = [];
  const startLatencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    walks.map(async (w) => {
      for (let i = 0; i < w.envelopes.length; i++) {
        await sleep(w.think[i]!);
        const sent = performance.now() - t0;
        const res = await direct.deliver(w.envelopes[i]!);
        latencies.push(res.elapsedMs);
        sentAtMs.push(sent);
        // the first click of a walk is its 开始检查 (runWalks)
        if (i === 0) startLatencies.push(res.elapsedMs);
        pushSplit(splits, res);
        if (res.status !== 200 || res.elapsedMs > FEISHU_CALLBACK_TIMEOUT_MS) errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  direct.close();
  return { latencies, splits, sentAtMs, startLatencies, errors, seconds };
}

/** Answers stored in the database for these tasks (each answer is one item of one task). */
export async function storedAnswers(conn: Connection, taskIds: Types.ObjectId[]): Promise<number> {
  const stored = await taskModel(conn).find({ _id: { $in: taskIds } }, { 'inspection.answers': 1 }).lean<TaskDoc[]>();
  return stored.reduce((n, t) => n + (t.inspection?.answers.length ?? 0), 0);
}

export { percentile } from '../../src/platform/benchProbe';

export async function probe(url: string): Promise<BenchFigures> {
  return getJson<BenchFigures>(`${url}/debug/bench`);
}

/** A new measurement window in the service (platform/benchProbe.ts); `attribute` false: commands not attributed to requests. */
export async function resetProbe(url: string, opts: { attribute?: boolean } = {}): Promise<void> {
  await getJson(`${url}/debug/bench/reset${opts.attribute === false ? '?attribute=0' : ''}`, 'POST');
}
