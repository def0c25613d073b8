/**
 * What `npm run bench` reads from the service's own process (scripts/bench/): CPU time, peak RSS, the event loop's
 * delay, and the database commands each webhook request sent (the driver's connection pool events, attributed to
 * the request through AsyncLocalStorage). It exists only with SPOTCHECK_BENCH=1 outside production (config.ts refuses
 * the variable in production); without it nothing here is loaded into the request path.
 *
 * - GET /debug/bench: the figures since the last reset (JSON, see BenchFigures);
 * - POST /debug/bench/reset: starts a new measurement window; `?attribute=0` counts commands without attributing
 *   them to requests. AsyncLocalStorage (Node 20: promise hooks on every promise in the process) costs CPU of its
 *   own, so the bench measures the service's CPU in a window without it and the commands per request in another;
 * - while attributing, every answer to POST /lark/events carries `x-bench-db-commands`: the commands that request
 *   sent before its answer (commands it causes afterwards are counted in `lateCommands`);
 * - POST /debug/bench/summary: compiles 附件5 for the whole city as /汇总 does (bot/progress.ts summaryFile) and
 *   answers how long it took, in this process (SummaryTiming); `?probe=1` also times the longest the event loop was
 *   held meanwhile (a 1 ms interval, which costs some CPU of its own, so the bench asks for it in a run of its own).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type Koa from 'koa';
import type { Connection } from 'mongoose';

export const BENCH_COMMANDS_HEADER = 'x-bench-db-commands';
/**
 * On every answer to POST /lark/events: `<in>,<out>`, when the request reached koa and when its answer was ready to be
 * written, on the machine's monotonic clock in microseconds (monotonicUs). The bench's client reads the same clock
 * when it posts and when it has read the answer, so a callback's time splits into before the service's handler
 * (posting, the kernel, the request waiting for the service's event loop), inside it, and after it (writing, the
 * kernel, the answer waiting for the client's event loop).
 */
export const BENCH_TIMES_HEADER = 'x-bench-times';

/** The machine's monotonic clock in microseconds (process.hrtime: CLOCK_MONOTONIC, the same in every process). */
export function monotonicUs(): number {
  // the array form: no BigInt division on every request
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1000);
}

/** The BENCH_TIMES_HEADER value of a request that reached its handler at `inUs`, its answer ready now. */
export function benchTimes(inUs: number): string {
  return `${inUs},${monotonicUs()}`;
}

interface RequestScope {
  commands: number;
  answered: boolean;
}

export interface BenchFigures {
  /** since the last reset */
  seconds: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** POST /lark/events requests answered in the window */
  requests: number;
  /** database commands sent by those requests before their answers */
  requestCommands: number;
  /** database commands a request caused after its answer (work that goes on) */
  lateCommands: number;
  /** database commands not caused by a request (outbox, jobs, heartbeats are not commands) */
  backgroundCommands: number;
  /** database commands in the window, all sources */
  commands: number;
  /** event-loop delay (monitorEventLoopDelay, 10 ms resolution) */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  rssMb: number;
  /** peak resident set size of the process since it started */
  maxRssMb: number;
  heapUsedMb: number;
  /** POST /lark/events: time inside this process, from the request reaching koa to the answer written (ms) */
  serverP50Ms: number;
  serverP99Ms: number;
  serverMaxMs: number;
  /** the same times, each request's (the bench pools several windows) */
  serverMs: number[];
}

/** One 附件5 compiled in the service's process (POST /debug/bench/summary). */
export interface SummaryTiming {
  seconds: number;
  /** the process's CPU meanwhile (the service is otherwise idle while the bench asks for it) */
  cpuSeconds: number;
  /** until the summary's small answers were in (the counts; the detail rows then stream into the workbook) */
  compileSeconds: number;
  bytes: number;
  /** tasks the table counts, and rows of its 检查明细 */
  sampled: number;
  details: number;
  /** with ?probe=1: the greatest lateness of a 1 ms interval meanwhile (ms), else 0 */
  longestBlockMs: number;
}

/**
 * Starts timing the longest the event loop is held: the greatest lateness of a 1 ms interval (so at least 1 ms), which
 * is how long a callback arriving then would have waited. The returned function stops it and gives that time (ms).
 * Also the bench's own probe (scripts/bench/loopProbe.ts).
 */
export function longestBlock(): () => number {
  let last = performance.now();
  let longest = 0;
  const interval = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return () => {
    clearInterval(interval);
    return longest;
  };
}

/** What the probe runs for POST /debug/bench/summary: 附件5 of the city; `compiled` once its counts are in. */
export type SummaryRun = (compiled: () => void) => Promise<{ bytes: number; sampled: number; details: number }>;

export class BenchProbe {
  private readonly als = new AsyncLocalStorage<RequestScope>();
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private startedAt = performance.now();
  private cpu = process.cpuUsage();
  private requests = 0;
  private requestCommands = 0;
  private lateCommands = 0;
  private backgroundCommands = 0;
  private commands = 0;
  private attribute = true;
  private serverMs: number[] = [];

  constructor(private readonly opts: { summary?: SummaryRun } = {}) {
    this.loop.enable();
  }

  /** Times one run of the summary (see SummaryTiming). */
  async timeSummary(probe: boolean): Promise<SummaryTiming> {
    const run = this.opts.summary;
    if (!run) throw new Error('no summary to time');
    const stopProbe = probe ? longestBlock() : undefined;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let compiledAt = NaN;
    try {
      const made = await run(() => (compiledAt = performance.now()));
      const cpu = process.cpuUsage(cpu0);
      const t1 = performance.now();
      return {
        seconds: (t1 - t0) / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        compileSeconds: (compiledAt - t0) / 1000,
        ...made,
        longestBlockMs: stopProbe?.() ?? 0,
      };
    } finally {
      stopProbe?.();
    }
  }

  /**
   * Counts the commands of a connection: each command checks a connection out of the driver's pool, and the pool
   * announces it (connectionCheckOutStarted, always emitted, synchronously in the caller's async context). The
   * driver's command monitoring (monitorCommands) would name the commands, but it copies every command and
   * deserializes every reply a second time: it would add its own cost to the CPU figures.
   */
  watch(conn: Connection): void {
    conn.getClient().on('connectionCheckOutStarted', () => {
      this.commands++;
      const scope = this.als.getStore();
      if (!scope) this.backgroundCommands++;
      else if (scope.answered) this.lateCommands++;
      else scope.commands++;
    });
  }

  /** A new window; `attribute` false: no AsyncLocalStorage in it (its hooks are switched off). */
  reset(attribute = true): void {
    this.attribute = attribute;
    if (!attribute) this.als.disable();
    this.startedAt = performance.now();
    this.cpu = process.cpuUsage();
    this.requests = 0;
    this.requestCommands = 0;
    this.lateCommands = 0;
    this.backgroundCommands = 0;
    this.commands = 0;
    this.serverMs = [];
    this.loop.reset();
  }

  figures(): BenchFigures {
    const cpu = process.cpuUsage(this.cpu);
    const mem = process.memoryUsage();
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    return {
      seconds: (performance.now() - this.startedAt) / 1000,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      requests: this.requests,
      requestCommands: this.requestCommands,
      lateCommands: this.lateCommands,
      backgroundCommands: this.backgroundCommands,
      commands: this.commands,
      loopDelayMaxMs: this.loop.max / 1e6,
      loopDelayP99Ms: this.loop.percentile(99) / 1e6,
      rssMb: mb(mem.rss),
      maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
      heapUsedMb: mb(mem.heapUsed),
      serverP50Ms: pct(this.serverMs, 50),
      serverP99Ms: pct(this.serverMs, 99),
      serverMaxMs: pct(this.serverMs, 100),
      serverMs: this.serverMs.map((ms) => Math.round(ms * 100) / 100),
    };
  }

  /** Koa middleware: the two /debug/bench routes, and the attribution of commands to webhook requests. */
  middleware(): Koa.Middleware {
    return async (ctx, next) => {
      if (ctx.path === '/debug/bench' && ctx.method === 'GET') {
        ctx.body = this.figures();
        return;
      }
      if (ctx.path === '/debug/bench/reset' && ctx.method === 'POST') {
        const attribute = ctx.query.attribute !== '0';
        this.reset(attribute);
        ctx.body = { reset: true, attribute };
        return;
      }
      if (ctx.path === '/debug/bench/summary' && ctx.method === 'POST') {
        ctx.body = await this.timeSummary(ctx.query.probe === '1');
        return;
      }
      if (ctx.path !== '/lark/events') return next();
      const arrived = performance.now();
      const inUs = monotonicUs();
      ctx.res.once('finish', () => this.serverMs.push(performance.now() - arrived));
      if (!this.attribute) {
        await next();
        ctx.set(BENCH_TIMES_HEADER, benchTimes(inUs));
        this.requests++;
        return;
      }
      const scope: RequestScope = { commands: 0, answered: false };
      await this.als.run(scope, next);
      ctx.set(BENCH_TIMES_HEADER, benchTimes(inUs));
      scope.answered = true;
      this.requests++;
      this.requestCommands += scope.commands;
      ctx.set(BENCH_COMMANDS_HEADER, String(scope.commands));
    };
  }
}

/** The p-th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** percentile in ms with one decimal, 0 when there are no values (the figures are JSON) */
function pct(values: readonly number[], p: number): number {
  return values.length === 0 ? 0 : Math.round(percentile(values, p) * 10) / 10;
}
