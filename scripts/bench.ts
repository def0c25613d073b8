/**
 * npm run bench: speed and delivery figures (never in the unit tests). Prints a table and writes
 * bench-results.json: {machine: {cpus, node, mongo, load}, results: [{name, value, unit}]}.
 *
 * Processes, so that each figure is the cost of what it names:
 * - the database: MONGODB_URI when set, else the embedded wire server in a process of its own (bench/dbServer.ts);
 * - the service: `node --import tsx src/main.ts` (what `npm start` runs), configured by its environment against
 *   the database and the emulator, with SPOTCHECK_BENCH=1 (platform/benchProbe.ts: CPU, memory, commands);
 * - the baseline: a decrypt-only server (bench/baselineServer.ts), under the same load in the same run;
 * - the database floor: the same server with one database write per click and a card-sized answer, under the same
 *   load again (what any handler that records a click costs here: the gap between the baseline and the service split);
 * - this process: the Feishu emulator and the load generator (simulated clients, bench/callbacks.ts).
 *
 * `npm run bench -- draw summary` runs only the named measurements (MEASUREMENTS below; nothing written);
 * `-- --profile` writes CPU profiles of the service and the database process (node --cpu-prof, one file per
 * thread) into the run directory it prints, and keeps it; without it the run directory (the processes' logs) is
 * removed at the end, also when a measurement fails (a process's errors quote the end of its log).
 * BENCH_INSPECTORS (200) and BENCH_THINK_MS ("250-750") change the callback load, and BENCH_BESIDE_SUMMARY=0 leaves out
 * the callbacks' second phase beside /汇总, BENCH_ANSWERS (9) the items each inspector answers, BENCH_ROUNDS (3) the timed
 * rounds of the callbacks, for experiments only: the figures in the README are from the defaults.
 * With --profile the callbacks print their walks' window on the profiles' clock, to read that phase alone.
 * BENCH_NODE_ARGS (every child process), BENCH_DB_NODE_ARGS (the database process) and BENCH_SERVICE_NODE_ARGS (the
 * service) add node flags, e.g. "--trace-gc" (written to the process's log in the run directory, kept with
 * --profile), for experiments only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { startLarkEmulator, type LarkEmulator } from '../src/sandbox/emulator';
import { SimulatedFeishu } from '../src/sandbox/client';
import { staffModel } from '../src/store/staff';
import { ensureIndexes } from '../src/store/indexes';
import { createLogger } from '../src/logger';
import { uniqueDbName } from '../test/support/db';
import { withDbName } from '../test/support/harness';
import {
  BENCH_APP,
  inspectors,
  ITEMS,
  percentile,
  prepareWalks,
  probe,
  prng,
  resetProbe,
  runBaseline,
  runWalks,
  seedStaff,
  seedTasks,
  storedAnswers,
  thinkTimes,
  type PhaseResult,
  type ReferenceResult,
  type Split,
  type Walk,
} from './bench/callbacks';
import { benchDraw, benchDrawService } from './bench/draw';
import { benchOutbox } from './bench/outbox';
import { benchOutboxProcesses } from './bench/outboxProcesses';
import type { DbFigures, DbHeap } from './bench/dbServer';
import type { BenchFigures } from '../src/platform/benchProbe';
import { freePort, getJson, startChild, waitForLine, waitHealthy, type Child } from './bench/processes';
import { round, type Result } from './bench/results';
import { benchSummary, seedSummaryData } from './bench/summary';

export type { Result } from './bench/results';

const INSPECTORS = Number(process.env.BENCH_INSPECTORS ?? 200);
const [THINK_MIN, THINK_MAX] = (process.env.BENCH_THINK_MS ?? '250-750').split('-').map(Number) as [number, number];
/** BENCH_BESIDE_SUMMARY=0: no second phase beside /汇总 (and no 20,000 tasks seeded for it), for experiments only */
const BESIDE_SUMMARY = process.env.BENCH_BESIDE_SUMMARY !== '0';
/** BENCH_ANSWERS=0: the inspectors only click 开始检查 (the start's own cost), for experiments only */
const ANSWERS = Number(process.env.BENCH_ANSWERS ?? ITEMS);
/** inspectors whose walks measure the database commands per callback (with the probe's attribution on) */
const CALIBRATION = Math.min(50, INSPECTORS);
const PROFILE = process.argv.includes('--profile');
/** rounds of the timed walks (each followed by the baseline's), pooled; BENCH_ROUNDS for experiments only */
const ROUND_PHASES = ['A', 'D', 'E', 'F', 'G'];
const ROUNDS = Math.min(ROUND_PHASES.length, Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)));

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Phase results as figures, with `prefix` for the names. */
function latencyFigures(prefix: string, r: PhaseResult): Result[] {
  return [
    { name: `${prefix}_count`, value: r.latencies.length, unit: 'callbacks' },
    { name: `${prefix}_p50_ms`, value: round(percentile(r.latencies, 50), 1), unit: 'ms' },
    { name: `${prefix}_p99_ms`, value: round(percentile(r.latencies, 99), 1), unit: 'ms' },
    { name: `${prefix}_max_ms`, value: round(Math.max(...r.latencies), 1), unit: 'ms' },
    { name: `${prefix}_errors`, value: r.errors, unit: 'responses' },
  ];
}

/** The first second of a phase: the 开始检查 clicks (think 250–750 ms) and the first answers after them. */
const BURST_MS = 1000;

/** The latencies of the callbacks sent after the phase's first second. */
function afterBurst(r: Pick<ReferenceResult, 'latencies' | 'sentAtMs'>): number[] {
  return r.latencies.filter((_, i) => r.sentAtMs[i]! >= BURST_MS);
}

/**
 * Where the phase's latencies come from: by kind (开始检查 vs item answers) and by when the callback was sent
 * (within the phase's first second, i.e. the 开始检查 burst, or after it). Also printed per second of the phase.
 */
function splitFigures(prefix: string, r: ReferenceResult): Result[] {
  const burst = r.latencies.filter((_, i) => r.sentAtMs[i]! < BURST_MS);
  const after = afterBurst(r);
  const bySecond = new Map<number, number[]>();
  r.latencies.forEach((l, i) => {
    const s = Math.floor(r.sentAtMs[i]! / 1000);
    const list = bySecond.get(s);
    if (list) list.push(l);
    else bySecond.set(s, [l]);
  });
  say(
    `  ${prefix} p99 by second sent: ${[...bySecond.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, ls]) => `${s}s:${Math.round(percentile(ls, 99))}(${ls.length})`)
      .join(' ')}`,
  );
  return [
    { name: `${prefix}_start_p50_ms`, value: round(percentile(r.startLatencies, 50), 1), unit: 'ms' },
    { name: `${prefix}_start_p99_ms`, value: round(percentile(r.startLatencies, 99), 1), unit: 'ms' },
    { name: `${prefix}_burst_p99_ms`, value: round(percentile(burst, 99), 1), unit: 'ms' },
    { name: `${prefix}_burst_count`, value: burst.length, unit: 'callbacks' },
    { name: `${prefix}_after_burst_p99_ms`, value: round(percentile(after, 99), 1), unit: 'ms' },
  ];
}

/**
 * Where the slow callbacks' time went (callbacks.ts Split): for the slowest 1% of `splits` (at or above their p99),
 * the mean time before the server's handler, inside it and after it; and each part's own p99.
 */
function partsFigures(prefix: string, splits: Split[]): Result[] {
  if (splits.length === 0) return [];
  const p99 = percentile(splits.map((x) => x.totalMs), 99);
  const slowest = splits.filter((x) => x.totalMs >= p99);
  const mean = (f: (x: Split) => number) => round(slowest.reduce((n, x) => n + f(x), 0) / slowest.length, 1);
  const p = (f: (x: Split) => number) => round(percentile(splits.map(f), 99), 1);
  return [
    { name: `${prefix}_slowest_before_ms`, value: mean((x) => x.beforeMs), unit: 'ms' },
    { name: `${prefix}_slowest_inside_ms`, value: mean((x) => x.insideMs), unit: 'ms' },
    { name: `${prefix}_slowest_after_ms`, value: mean((x) => x.afterMs), unit: 'ms' },
    { name: `${prefix}_before_p99_ms`, value: p((x) => x.beforeMs), unit: 'ms' },
    { name: `${prefix}_inside_p99_ms`, value: p((x) => x.insideMs), unit: 'ms' },
    { name: `${prefix}_after_p99_ms`, value: p((x) => x.afterMs), unit: 'ms' },
  ];
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds against one server as one: every callback of every round (its sentAtMs relative to its own round). */
function mergeReferences(rounds: ReferenceResult[]): ReferenceResult {
  return {
    latencies: rounds.flatMap((r) => r.latencies),
    splits: rounds.flatMap((r) => r.splits),
    sentAtMs: rounds.flatMap((r) => r.sentAtMs),
    startLatencies: rounds.flatMap((r) => r.startLatencies),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    seconds: rounds.reduce((n, r) => n + r.seconds, 0),
  };
}

/** The rounds' walks as one phase: mergeReferences, and the fields only the service's walks have. */
function mergePhases(rounds: PhaseResult[]): PhaseResult {
  return {
    ...mergeReferences(rounds),
    answerLatencies: rounds.flatMap((r) => r.answerLatencies),
    errorSamples: rounds.flatMap((r) => r.errorSamples).slice(0, 5),
    acknowledged: rounds.reduce((n, r) => n + r.acknowledged, 0),
    answerCommands: rounds.flatMap((r) => r.answerCommands),
    startCommands: rounds.flatMap((r) => r.startCommands),
  };
}

/** A process's probe figures over several windows: CPU and counts summed, the longest delay kept, latencies pooled. */
function poolFigures(windows: BenchFigures[]): BenchFigures {
  const sum = (f: (w: BenchFigures) => number) => windows.reduce((n, w) => n + f(w), 0);
  const max = (f: (w: BenchFigures) => number) => Math.max(...windows.map(f));
  const serverMs = windows.flatMap((w) => w.serverMs);
  const pct = (p: number) => (serverMs.length === 0 ? 0 : round(percentile(serverMs, p), 1));
  const last = windows[windows.length - 1]!;
  return {
    ...last,
    seconds: sum((w) => w.seconds),
    cpuUserMs: sum((w) => w.cpuUserMs),
    cpuSystemMs: sum((w) => w.cpuSystemMs),
    requests: sum((w) => w.requests),
    requestCommands: sum((w) => w.requestCommands),
    lateCommands: sum((w) => w.lateCommands),
    backgroundCommands: sum((w) => w.backgroundCommands),
    commands: sum((w) => w.commands),
    loopDelayMaxMs: max((w) => w.loopDelayMaxMs),
    loopDelayP99Ms: max((w) => w.loopDelayP99Ms),
    maxRssMb: max((w) => w.maxRssMb),
    serverMs,
    serverP50Ms: pct(50),
    serverP99Ms: pct(99),
    serverMaxMs: pct(100),
  };
}

function poolDbFigures(windows: DbFigures[]): DbFigures {
  const sum = (f: (w: DbFigures) => number) => windows.reduce((n, w) => n + f(w), 0);
  return {
    seconds: sum((w) => w.seconds),
    cpuUserMs: sum((w) => w.cpuUserMs),
    cpuSystemMs: sum((w) => w.cpuSystemMs),
    commands: sum((w) => w.commands),
    maxRssMb: Math.max(...windows.map((w) => w.maxRssMb)),
    majorGcs: sum((w) => w.majorGcs),
    externalMb: Math.max(...windows.map((w) => w.externalMb)),
    arenaMb: Math.max(...windows.map((w) => w.arenaMb)),
  };
}

interface Stack {
  runDir: string;
  dbUri: string;
  mongo: string;
  conn: mongoose.Connection;
  emulator: LarkEmulator;
  serviceUrl: string;
  baselineUrl: string;
  /** the database floor (bench/baselineServer.ts with FLOOR_MONGODB_URI) */
  floorUrl: string;
  /** the embedded database process's probe (bench/dbServer.ts), when the bench started it */
  dbProbeUrl?: string;
  feishu: SimulatedFeishu;
  close(): Promise<void>;
}

async function startStack(profile: boolean): Promise<Stack> {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-bench-'));
  // with --profile the profiles are what the run is for: kept, and the path printed
  const removeRunDir = () => {
    if (!profile) rmSync(runDir, { recursive: true, force: true });
  };
  const children: Child[] = [];
  let conn: mongoose.Connection | undefined;
  let emulator: LarkEmulator | undefined;
  /** the processes (the service first: it writes its CPU profile on exit), then the rest; then the run directory */
  const stopAll = async () => {
    try {
      for (const c of children.reverse()) await c.stop();
      await emulator?.close();
    } finally {
      removeRunDir();
    }
  };
  try {
    let external = process.env.MONGODB_URI;
    let database: Child | undefined;
    let dbProbeUrl: string | undefined;
    if (!external) {
      database = startChild('database', 'scripts/bench/dbServer.ts', {}, { runDir, profile, nodeArgs: DB_NODE_ARGS });
      children.push(database);
      ({ uri: external, probe: dbProbeUrl } = await waitForLine<{ uri: string; probe: string }>(database, 'uri'));
    }
    const dbUri = withDbName(external, uniqueDbName('bench'));
    conn = await mongoose.createConnection(dbUri).asPromise();
    await ensureIndexes(conn, createLogger('silent'));
    let mongo = 'wire-server';
    if (!database) mongo = String((await conn.db!.admin().command({ buildInfo: 1 })).version);

    // the latest card of each message only: every version of every click's card (~10,000 in a run) would stay in
    // this process, whose full collections then take longer and come sooner, every answer in flight waiting for them
    emulator = await startLarkEmulator({ appId: BENCH_APP.appId, appSecret: BENCH_APP.appSecret, keepCardHistory: false });
    /** A server of the bench in a process of its own, on a free port, once `health` answers 200: its address. */
    const startServer = async (name: string, entry: string, env: Record<string, string>, health: string, opts: { profile?: boolean } = {}) => {
      const port = await freePort();
      const child = startChild(name, entry, { PORT: String(port), ...env }, { runDir, ...opts });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitHealthy(child, `${url}${health}`);
      return url;
    };
    const serviceUrl = await startServer(
      'service',
      'src/main.ts',
      {
        MONGODB_URI: dbUri,
        LARK_APP_ID: BENCH_APP.appId,
        LARK_APP_SECRET: BENCH_APP.appSecret,
        LARK_ENCRYPT_KEY: BENCH_APP.encryptKey,
        LARK_VERIFICATION_TOKEN: BENCH_APP.verificationToken,
        LARK_DOMAIN: emulator.url,
        LARK_MODE: 'webhook',
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
        SPOTCHECK_BENCH: '1',
        SPOTCHECK_DATA_DIR: path.join(runDir, 'data'),
      },
      '/healthz',
      { profile },
    );
    // the two references: the decrypt-only baseline, and the same server writing each click (the database floor)
    const verifying = { LARK_ENCRYPT_KEY: BENCH_APP.encryptKey, LARK_VERIFICATION_TOKEN: BENCH_APP.verificationToken };
    const baselineUrl = await startServer('baseline', 'scripts/bench/baselineServer.ts', verifying, '/debug/bench');
    const floorUrl = await startServer('floor', 'scripts/bench/baselineServer.ts', { ...verifying, FLOOR_MONGODB_URI: dbUri }, '/debug/bench');

    const feishu = new SimulatedFeishu({
      botUrl: `${serviceUrl}/lark/events`,
      encryptKey: BENCH_APP.encryptKey,
      verificationToken: BENCH_APP.verificationToken,
      appId: BENCH_APP.appId,
      emulator,
      callbackTimeoutMs: 3000,
      hardTimeoutMs: 10_000,
      // Feishu's callback client keeps connections alive (src/sandbox/client.ts); the baseline's client does too
      keepAlive: true,
    });
    const db = conn;
    return {
      runDir,
      dbUri,
      mongo,
      conn: db,
      emulator,
      serviceUrl,
      baselineUrl,
      floorUrl,
      dbProbeUrl,
      feishu,
      async close() {
        try {
          feishu.close();
          await db.dropDatabase().catch(() => undefined);
          await db.close();
        } finally {
          await stopAll();
        }
      },
    };
  } catch (err) {
    // a stack that did not start: what did start is stopped, the run directory removed
    await conn?.close().catch(() => undefined);
    await stopAll().catch(() => undefined);
    throw err;
  }
}

/**
 * The database process's node flags. --expose-gc: its heap is collected once after the set-up, before the timed rounds
 * (benchCallbacks). --heap-growing-percent=100: V8 lets its heap double before the next full collection instead of
 * the few percent it chose by itself for a heap that is almost all live documents, which made a full collection
 * (marking ~290 MB, 0.2–0.5 s of the process's time) every ~17 s of the walks for 10–15 MB freed each time; with it,
 * one came every ~55 s (docs/mongo-wire.md §9). --no-memory-reducer: V8's memory reducer starts a full collection
 * when a process's allocation slows down, to shrink an idle process's heap; the database idles between the service's
 * walks and the baseline's, and such a collection, still marking when the next walks started, was the slow round of
 * the two full runs of 2026-12-05. A database server's heap of documents is not to be shrunk when it idles (mongod has
 * none to shrink). Collections the walks make due still run: the heap's own limit, and memory outside the heap, which
 * no longer grows with updates since versions' bytes live in an arena (src/store/embedded/arena.ts). The service and
 * the baseline run with node's defaults.
 */
const DB_NODE_ARGS = ['--expose-gc', '--heap-growing-percent=100', '--no-memory-reducer'];

/** 200 inspectors' walks, the baseline under the same schedule, then the walks again beside a /汇总. */
async function benchCallbacks(s: Stack, summarySeeded: boolean): Promise<Result[]> {
  const people = inspectors(INSPECTORS);
  const leader = { openId: 'ou_benchleader0000000000000000001', name: '基准领导' };
  await seedStaff(s.conn, people);
  await staffModel(s.conn).create({ openId: leader.openId, name: leader.name, roles: ['领导'], unit: '运城市市场监督管理局', county: '市局', avoid: [] });
  const rnd = prng(20250301);
  const walksOf = async (phase: string, who = people): Promise<{ walks: Walk[]; taskIds: mongoose.Types.ObjectId[] }> => {
    const taskIds = await seedTasks(s.conn, who, phase);
    const walks = who.map((inspector, i) => ({
      inspector,
      taskId: String(taskIds[i]),
      think: thinkTimes(rnd, 1 + ITEMS, THINK_MIN, THINK_MAX),
      envelopes: [],
    }));
    await prepareWalks(s.feishu, s.emulator, walks);
    return { walks, taskIds };
  };

  // Calibration: the first CALIBRATION inspectors walk a checklist of their own first (not timed). The probe
  // attributes each callback's database commands to it (callback_db_roundtrips …).
  say(`  commands per callback: ${CALIBRATION} inspectors' walks with attribution …`);
  const calibrationWalks = await walksOf('C', people.slice(0, CALIBRATION));
  await resetProbe(s.serviceUrl);
  const calibration = await runWalks(s.feishu, calibrationWalks.walks, ANSWERS);
  const svcC = await probe(s.serviceUrl);
  const lostC = Math.max(0, calibration.acknowledged - (await storedAnswers(s.conn, calibrationWalks.taskIds)));
  if (calibration.errorSamples.length > 0) say(`  calibration errors: ${calibration.errorSamples.join(' | ')}`);

  // The database's heap is collected once after the set-up, before the warm-up. The embedded database keeps its
  // documents on the JavaScript heap, and a full collection of it marks them all: ~0.3–0.5 s of that process's time,
  // while commands crawl (docs/mongo-wire.md §9). The one the set-up makes due (80,000 enterprises and 20,000 tasks
  // just written, their garbage promoted) fell into the first or second round of every run that traced it, ~40–60 s
  // after the database started; during the walks themselves the heap grew ~5 MB a round. The set-up's debt is paid
  // here, as a database that loaded its data long before the morning's rush would have; a collection the walks
  // themselves make due still lands in the rounds. It comes before the warm-up, not just before the rounds: after a
  // forced collection V8 starts again with a young generation of ~1 MB, collected every few milliseconds until it
  // has grown back (traced, when this collection came just before the rounds: ~8 s, most of the first round, to
  // reach its working ~12 MB again), and the warm-up's walk is what grows it back. (MongoDB keeps its data off any
  // collected heap.)
  let dbHeap: DbHeap | undefined;
  if (s.dbProbeUrl) {
    dbHeap = await getJson<DbHeap>(`${s.dbProbeUrl}/gc`, 'POST');
    say(`  the database's heap collected after the set-up: ${dbHeap.beforeMb} → ${dbHeap.afterMb} MB in ${dbHeap.ms} ms`);
  }

  // The warm-up: all the inspectors walk a checklist of their own once, as in the timed walks. The timed walks then
  // measure the service as it runs all day, not the first burst of a fresh process (modules loaded on first use,
  // code not yet optimised, the heap still growing to its working size): the calibration's 50 walks were not enough
  // for that, the first 200-inspector burst after them answered its 开始检查 clicks 3–4 times slower than the same
  // burst later in the run. What a restart just before the morning's rush gives is reported too (callback_warmup_*).
  // The baseline server gets the same clicks (the calibration's and the warm-up's) before its own run.
  say(`  warm-up: ${INSPECTORS} inspectors' walks …`);
  const warmup = await walksOf('W');
  await resetProbe(s.serviceUrl, { attribute: false });
  const phaseW = await runWalks(s.feishu, warmup.walks, ANSWERS);
  const lostW = Math.max(0, phaseW.acknowledged - (await storedAnswers(s.conn, warmup.taskIds)));
  if (phaseW.errorSamples.length > 0) say(`  warm-up errors: ${phaseW.errorSamples.join(' | ')}`);

  // the baseline's warm-up: the calibration's clicks and the warm-up's
  await runBaseline(`${s.baselineUrl}/lark/events`, calibrationWalks.walks);
  await runBaseline(`${s.baselineUrl}/lark/events`, warmup.walks);
  // and the floor's: its users' documents written once before the rounds (they only change afterwards)
  await runBaseline(`${s.floorUrl}/lark/events`, calibrationWalks.walks);
  await runBaseline(`${s.floorUrl}/lark/events`, warmup.walks);

  // A: the walks alone, ROUNDS times, each round followed by the baseline and then the floor under the same clicks on
  // the same schedule. The figures pool the rounds (the p99 of all their callbacks): a single round's p99 rests on its
  // 20 slowest callbacks, and this machine's own noise (another process taking a core for a fraction of a second)
  // moved the baseline's p99 between 2.5 and 28 ms from one run to the next; alternating them spreads that noise.
  const rounds: PhaseResult[] = [];
  const baseRounds: ReferenceResult[] = [];
  const svcRounds: BenchFigures[] = [];
  const baseFigRounds: BenchFigures[] = [];
  const floorRounds: ReferenceResult[] = [];
  const floorFigRounds: BenchFigures[] = [];
  const floorDbRounds: DbFigures[] = [];
  const dbRounds: DbFigures[] = [];
  let lostA = 0;
  const loadCpu = { user: 0, system: 0 };
  const baseLoadCpu = { user: 0, system: 0 };
  const addCpu = (sum: { user: number; system: number }, d: NodeJS.CpuUsage) => {
    sum.user += d.user;
    sum.system += d.system;
  };
  // this process's own event-loop delay over each round's walks (a histogram per round: one enabled again after the
  // set-up would count the pause as a delay): an answer that arrives while the clients are busy is read late, and
  // that wait counts in the latency the clients measure
  const loadDelay = { max: 0, p99: 0 };
  const p99 = (xs: number[]) => round(percentile(xs, 99), 1);
  for (let r = 0; r < ROUNDS; r++) {
    say(`  round ${r + 1}/${ROUNDS} at ${new Date().toISOString().slice(11, 19)} UTC: ${INSPECTORS} inspectors × (开始检查 + ${ITEMS} items), think time ${THINK_MIN}–${THINK_MAX} ms, then the baseline and the floor …`);
    const a = await walksOf(ROUND_PHASES[r]!);
    // the service's CPU is measured without attributing commands to requests (platform/benchProbe.ts: its
    // AsyncLocalStorage costs CPU of its own); the commands per callback come from the calibration walks above
    await resetProbe(s.serviceUrl, { attribute: false });
    if (s.dbProbeUrl) await getJson(`${s.dbProbeUrl}/reset`, 'POST');
    const windowStart = process.hrtime.bigint() / 1000n;
    const loadCpu0 = process.cpuUsage();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const phase = await runWalks(s.feishu, a.walks, ANSWERS);
    delay.disable();
    loadDelay.max = Math.max(loadDelay.max, delay.max);
    loadDelay.p99 = Math.max(loadDelay.p99, delay.percentile(99));
    // this process's CPU over the walks: the simulated clients (encrypting, signing, reading cards) and the
    // emulator, which share the machine's 2 cores with the service and the database
    addCpu(loadCpu, process.cpuUsage(loadCpu0));
    // the same monotonic clock as the profiles' sample times (µs): for reading a --profile of this phase alone
    if (PROFILE) say(`  walks' window for the profiles (monotonic µs): ${windowStart}-${process.hrtime.bigint() / 1000n}`);
    rounds.push(phase);
    svcRounds.push(await probe(s.serviceUrl));
    if (s.dbProbeUrl) dbRounds.push(await getJson<DbFigures>(s.dbProbeUrl));
    lostA += Math.max(0, phase.acknowledged - (await storedAnswers(s.conn, a.taskIds)));

    await resetProbe(s.baselineUrl);
    const baseLoadCpu0 = process.cpuUsage();
    baseRounds.push(await runBaseline(`${s.baselineUrl}/lark/events`, a.walks));
    addCpu(baseLoadCpu, process.cpuUsage(baseLoadCpu0));
    baseFigRounds.push(await probe(s.baselineUrl));

    await resetProbe(s.floorUrl);
    if (s.dbProbeUrl) await getJson(`${s.dbProbeUrl}/reset`, 'POST');
    floorRounds.push(await runBaseline(`${s.floorUrl}/lark/events`, a.walks));
    floorFigRounds.push(await probe(s.floorUrl));
    if (s.dbProbeUrl) floorDbRounds.push(await getJson<DbFigures>(s.dbProbeUrl));
    const dbGcs = s.dbProbeUrl ? `; database full collections: ${dbRounds[r]!.majorGcs} in the walks, ${floorDbRounds[r]!.majorGcs} in the floor's` : '';
    say(`    p99 ${p99(phase.latencies)} ms, baseline p99 ${p99(baseRounds[r]!.latencies)} ms, floor p99 ${p99(floorRounds[r]!.latencies)} ms${dbGcs}`);
  }
  const phaseA = mergePhases(rounds);
  const svcA = poolFigures(svcRounds);
  const baseFig = poolFigures(baseFigRounds);
  const dbA = dbRounds.length > 0 ? poolDbFigures(dbRounds) : undefined;
  const base = mergeReferences(baseRounds);
  const floor = mergeReferences(floorRounds);
  const floorFig = poolFigures(floorFigRounds);
  const floorDb = floorDbRounds.length > 0 ? poolDbFigures(floorDbRounds) : undefined;

  // B: the walks again while a leader's /汇总 compiles 附件5 over 20,000 tasks in the service
  const results: Result[] = [];
  if (summarySeeded && BESIDE_SUMMARY) {
    say('  again, beside /汇总 …');
    const b = await walksOf('B');
    await resetProbe(s.serviceUrl, { attribute: false });
    const t0 = performance.now();
    const asked = await s.feishu.sendText(leader.openId, '/汇总');
    const file = s.emulator
      .waitFor((m) => m.receive_id === leader.openId && m.msg_type === 'file', 600_000)
      .then(() => (performance.now() - t0) / 1000);
    const phaseB = await runWalks(s.feishu, b.walks);
    const summarySeconds = await file;
    const svcB = await probe(s.serviceUrl);
    const storedB = await storedAnswers(s.conn, b.taskIds);
    if (asked.status !== 200) phaseB.errors++;
    results.push(
      ...latencyFigures('callback_beside_summary', phaseB),
      ...splitFigures('callback_beside_summary', phaseB),
      { name: 'lost_answers_beside_summary', value: Math.max(0, phaseB.acknowledged - storedB), unit: 'answers' },
      { name: 'summary_chat_s', value: round(summarySeconds, 2), unit: 's' },
      { name: 'service_loop_delay_beside_summary_ms', value: round(svcB.loopDelayMaxMs, 1), unit: 'ms' },
    );
    if (phaseB.errorSamples.length > 0) say(`  errors beside /汇总: ${phaseB.errorSamples.join(' | ')}`);
  }

  const answers = calibration.answerCommands;
  const cpuPerCallback = (svcA.cpuUserMs + svcA.cpuSystemMs) / svcA.requests;
  const baseCpu = (baseFig.cpuUserMs + baseFig.cpuSystemMs) / Math.max(1, baseFig.requests);
  const finalService = await probe(s.serviceUrl);
  const finalBase = await probe(s.baselineUrl);
  if (phaseA.errorSamples.length > 0) say(`  errors: ${phaseA.errorSamples.join(' | ')}`);
  return [
    { name: 'callback_inspectors', value: INSPECTORS, unit: 'inspectors' },
    { name: 'callback_rounds', value: ROUNDS, unit: 'rounds' },
    ...latencyFigures('callback', phaseA),
    { name: 'callback_answer_p99_ms', value: round(percentile(phaseA.answerLatencies, 99), 1), unit: 'ms' },
    ...splitFigures('callback', phaseA),
    ...partsFigures('callback', phaseA.splits),
    ...partsFigures('baseline', base.splits),
    ...partsFigures('floor', floor.splits),
    { name: 'callback_rate_per_s', value: round(phaseA.latencies.length / phaseA.seconds, 1), unit: 'callbacks/s' },
    { name: 'lost_answers', value: lostA + lostC + lostW, unit: 'answers' },
    { name: 'callback_calibration_errors', value: calibration.errors, unit: 'responses' },
    // the warm-up walks: the first burst of all the inspectors after the service started (and after the calibration)
    { name: 'callback_warmup_p99_ms', value: round(percentile(phaseW.latencies, 99), 1), unit: 'ms' },
    { name: 'callback_warmup_start_p99_ms', value: round(percentile(phaseW.startLatencies, 99), 1), unit: 'ms' },
    { name: 'callback_warmup_errors', value: phaseW.errors, unit: 'responses' },
    { name: 'callback_cpu_ms', value: round(cpuPerCallback, 2), unit: 'ms' },
    { name: 'callback_db_roundtrips', value: round(answers.reduce((n, x) => n + x, 0) / Math.max(1, answers.length), 2), unit: 'commands' },
    { name: 'callback_db_roundtrips_max', value: Math.max(0, ...answers), unit: 'commands' },
    {
      name: 'callback_start_db_roundtrips',
      value: round(calibration.startCommands.reduce((n, x) => n + x, 0) / Math.max(1, calibration.startCommands.length), 2),
      unit: 'commands',
    },
    // the embedded database process's own CPU (bench/dbServer.ts) over the same window, per callback and per command
    ...(dbA
      ? [
          { name: 'db_cpu_ms_per_callback', value: round((dbA.cpuUserMs + dbA.cpuSystemMs) / svcA.requests, 2), unit: 'ms' },
          { name: 'db_cpu_ms_per_command', value: round((dbA.cpuUserMs + dbA.cpuSystemMs) / Math.max(1, dbA.commands), 3), unit: 'ms' },
          // full collections of the database's heap during the timed walks (service and floor windows): each marks the
          // whole ~300 MB of documents while commands crawl (docs/mongo-wire.md §9); the arena keeps updates from
          // making them due through memory outside the heap
          { name: 'db_major_gcs_in_rounds', value: dbA.majorGcs + (floorDb?.majorGcs ?? 0), unit: 'collections' },
          { name: 'db_external_mb', value: Math.max(dbA.externalMb, floorDb?.externalMb ?? 0), unit: 'MB' },
          { name: 'db_arena_mb', value: Math.max(dbA.arenaMb, floorDb?.arenaMb ?? 0), unit: 'MB' },
        ]
      : []),
    // the part of each process's CPU spent in the kernel (sockets on loopback, epoll): what a leaner JS path cannot save
    { name: 'service_cpu_system_share', value: round(svcA.cpuSystemMs / Math.max(1e-9, svcA.cpuUserMs + svcA.cpuSystemMs), 2), unit: 'of CPU' },
    ...(dbA ? [{ name: 'db_cpu_system_share', value: round(dbA.cpuSystemMs / Math.max(1e-9, dbA.cpuUserMs + dbA.cpuSystemMs), 2), unit: 'of CPU' }] : []),
    { name: 'loadgen_cpu_system_share', value: round(loadCpu.system / Math.max(1e-9, loadCpu.user + loadCpu.system), 2), unit: 'of CPU' },
    // the same clicks delivered to the baseline (re-encrypted, signed, posted, the answer read; no card to check)
    { name: 'loadgen_baseline_cpu_ms_per_callback', value: round((baseLoadCpu.user + baseLoadCpu.system) / 1000 / Math.max(1, base.latencies.length), 2), unit: 'ms' },
    { name: 'loadgen_loop_delay_max_ms', value: round(loadDelay.max / 1e6, 1), unit: 'ms' },
    { name: 'loadgen_loop_delay_p99_ms', value: round(loadDelay.p99 / 1e6, 1), unit: 'ms' },
    { name: 'loadgen_cpu_ms_per_callback', value: round((loadCpu.user + loadCpu.system) / 1000 / Math.max(1, phaseA.latencies.length), 2), unit: 'ms' },
    { name: 'callback_db_late_commands', value: round(svcC.lateCommands / Math.max(1, svcC.requests), 2), unit: 'commands' },
    { name: 'service_loop_delay_max_ms', value: round(svcA.loopDelayMaxMs, 1), unit: 'ms' },
    { name: 'service_callback_p50_ms', value: svcA.serverP50Ms, unit: 'ms' },
    { name: 'service_callback_p99_ms', value: svcA.serverP99Ms, unit: 'ms' },
    { name: 'service_callback_max_ms', value: svcA.serverMaxMs, unit: 'ms' },
    { name: 'baseline_p50_ms', value: round(percentile(base.latencies, 50), 1), unit: 'ms' },
    { name: 'baseline_p99_ms', value: round(percentile(base.latencies, 99), 1), unit: 'ms' },
    { name: 'baseline_errors', value: base.errors, unit: 'responses' },
    { name: 'callback_p99_vs_baseline', value: round(percentile(phaseA.latencies, 99) / percentile(base.latencies, 99), 2), unit: 'ratio' },
    // to read the pooled figures: the median round's p99 of each (a stall of the whole machine, which also stops the
    // load generator's loop, lands in one round)
    { name: 'callback_p99_median_round_ms', value: round(median(rounds.map((r) => percentile(r.latencies, 99))), 1), unit: 'ms' },
    { name: 'baseline_p99_median_round_ms', value: round(median(baseRounds.map((r) => percentile(r.latencies, 99))), 1), unit: 'ms' },
    { name: 'baseline_cpu_ms', value: round(baseCpu, 2), unit: 'ms' },
    // the database floor (bench/baselineServer.ts): the baseline plus one database write per click and a card-sized
    // answer, the same clicks again; the ratios split the gap between the service and the baseline
    { name: 'floor_p50_ms', value: round(percentile(floor.latencies, 50), 1), unit: 'ms' },
    { name: 'floor_p99_ms', value: round(percentile(floor.latencies, 99), 1), unit: 'ms' },
    { name: 'floor_errors', value: floor.errors, unit: 'responses' },
    { name: 'floor_cpu_ms', value: round((floorFig.cpuUserMs + floorFig.cpuSystemMs) / Math.max(1, floorFig.requests), 2), unit: 'ms' },
    // the database process's CPU per click of the floor (its small document), beside db_cpu_ms_per_callback (a task's)
    ...(floorDb
      ? [{ name: 'floor_db_cpu_ms_per_callback', value: round((floorDb.cpuUserMs + floorDb.cpuSystemMs) / Math.max(1, floorFig.requests), 2), unit: 'ms' }]
      : []),
    { name: 'floor_p99_median_round_ms', value: round(median(floorRounds.map((r) => percentile(r.latencies, 99))), 1), unit: 'ms' },
    { name: 'floor_p99_vs_baseline', value: round(percentile(floor.latencies, 99) / percentile(base.latencies, 99), 2), unit: 'ratio' },
    { name: 'callback_p99_vs_floor', value: round(percentile(phaseA.latencies, 99) / percentile(floor.latencies, 99), 2), unit: 'ratio' },
    // the same by kind and time for the references, and the service against the floor in each: the 开始检查 burst
    // (new connections, a start's two commands) and the item answers after it load the machine differently
    ...splitFigures('baseline', base),
    ...splitFigures('floor', floor),
    { name: 'callback_start_p99_vs_floor', value: round(percentile(phaseA.startLatencies, 99) / percentile(floor.startLatencies, 99), 2), unit: 'ratio' },
    {
      name: 'callback_after_burst_p99_vs_floor',
      value: round(percentile(afterBurst(phaseA), 99) / percentile(afterBurst(floor), 99), 2),
      unit: 'ratio',
    },
    ...results,
    ...(dbHeap ? [{ name: 'db_heap_after_setup_mb', value: dbHeap.afterMb, unit: 'MB' }] : []),
    { name: 'service_rss_mb', value: finalService.maxRssMb, unit: 'MB' },
    { name: 'baseline_rss_mb', value: finalBase.maxRssMb, unit: 'MB' },
  ];
}

/** What a measurement may use: the processes (started once, on first use) and the seeded 附件5 data. */
interface Context {
  profile: boolean;
  stack(): Promise<Stack>;
  /** the campaign with 80,000 enterprises and 20,000 tasks, seeded once (bench/summary.ts) */
  seeded(): Promise<Awaited<ReturnType<typeof seedSummaryData>>>;
}

/**
 * The measurements, in the order they run. `npm run bench -- <name> …` runs only the named ones (and writes no
 * bench-results.json). To add one, add an entry: a measurement that needs processes of its own (e.g. several
 * services) starts and stops them itself and ignores the context.
 */
const MEASUREMENTS: { name: string; run(ctx: Context): Promise<Result[]> }[] = [
  { name: 'draw', run: async () => [...(await benchDraw()), ...(await benchDrawService())] },
  // first of those using the stack, while nothing else has been sent: the limits' windows are empty
  { name: 'outbox', run: async (ctx) => benchOutbox((await ctx.stack()).conn, (await ctx.stack()).emulator) },
  { name: 'callbacks', run: async (ctx) => benchCallbacks(await ctx.stack(), BESIDE_SUMMARY && (await ctx.seeded()) !== undefined) },
  { name: 'summary', run: async (ctx) => benchSummary((await ctx.stack()).conn, await ctx.seeded(), (await ctx.stack()).serviceUrl) },
  // the same 2,000 cards to 400 users through two service processes sharing the app's limits (outbox_*_2proc)
  { name: 'outboxProcesses', run: async () => benchOutboxProcesses({ processes: [2] }) },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const profile = args.includes('--profile');
  const only = args.filter((a) => !a.startsWith('--'));
  const unknown = only.filter((a) => !MEASUREMENTS.some((m) => m.name === a));
  if (unknown.length > 0) throw new Error(`unknown measurement ${unknown.join(', ')}; known: ${MEASUREMENTS.map((m) => m.name).join(', ')}`);
  const results: Result[] = [];
  const load = os.loadavg();
  let stack: Promise<Stack> | undefined;
  let seeded: ReturnType<Context['seeded']> | undefined;
  const ctx: Context = {
    profile,
    stack: () =>
      (stack ??= startStack(profile).then((s) => {
        say(profile ? `run directory (logs, profiles; kept): ${s.runDir}` : `run directory (logs; removed at the end): ${s.runDir}`);
        return s;
      })),
    seeded: () =>
      (seeded ??= ctx.stack().then((s) => {
        say('seeding 80,000 enterprises and 20,000 tasks …');
        return seedSummaryData(s.conn);
      })),
  };
  try {
    for (const m of MEASUREMENTS) {
      if (only.length > 0 && !only.includes(m.name)) continue;
      say(`${m.name} …`);
      results.push(...(await m.run(ctx)));
    }
    const s = stack ? await stack : undefined;
    const report = {
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        mongo: s?.mongo ?? 'wire-server',
        // the machine is shared: its load before and after the run, for reading the figures
        loadavg: { before: load.map((x) => round(x, 2)), after: os.loadavg().map((x) => round(x, 2)) },
      },
      command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
      results,
    };
    if (only.length === 0) writeFileSync('bench-results.json', `${JSON.stringify(report, null, 2)}\n`);
    const width = Math.max(...results.map((r) => r.name.length));
    say(`\n${'name'.padEnd(width)}  value`);
    for (const r of results) say(`${r.name.padEnd(width)}  ${r.value} ${r.unit}`);
    say(`\nload average before: ${load.map((x) => x.toFixed(2)).join(' ')}, after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (only.length === 0) say('bench-results.json written');
  } finally {
    if (stack) await (await stack).close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
