/**
 * The bench's database process: the embedded wire server (src/store/embedded) in a process of its own, as a
 * separate mongod would be. Prints one JSON line {"uri": …, "probe": …} once it listens; stops on SIGTERM.
 *
 * `probe` is a small HTTP endpoint of this process's own figures, so the bench can tell the database's CPU per
 * callback apart from the service's: GET <probe> → DbFigures since the last reset, POST <probe>/reset starts a new
 * window. POST <probe>/gc runs a full garbage collection (the process runs with --expose-gc) and answers DbHeap.
 *
 * With BENCH_DB_RECORD=<dir>, every command is also written (its exact-typed body as BSON, one document after the
 * other) to <dir>/window-<n>.bson, a new window at each probe reset, so a run's database work can be replayed and
 * profiled offline without the rest of the stack: `tsx scripts/bench/dbReplay.ts <dir>`.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { BSON } from 'bson';
import { startWireServer } from '../../src/store/embedded';

/** What GET <probe> answers. */
export interface DbFigures {
  seconds: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** commands the engine ran in the window */
  commands: number;
  maxRssMb: number;
  /** full (mark-compact) collections of this process's heap that ended in the window */
  majorGcs: number;
  /** memory outside the heap (Buffers, the arena's chunks) and the arena's own part, when read */
  externalMb: number;
  arenaMb: number;
}

/** What POST <probe>/gc answers: the heap in use before and after a full collection, and how long it took. */
export interface DbHeap {
  beforeMb: number;
  afterMb: number;
  ms: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function main(): Promise<void> {
  const server = await startWireServer({ port: Number(process.env.BENCH_DB_PORT ?? 0) });
  const engine = server.engine;
  if (!engine) throw new Error('the bench database runs the engine in this thread');
  const recordDir = process.env.BENCH_DB_RECORD;
  let recordFd: number | undefined;
  let windowNo = 0;
  const nextWindow = () => {
    if (!recordDir) return;
    if (recordFd !== undefined) closeSync(recordFd);
    mkdirSync(recordDir, { recursive: true });
    recordFd = openSync(path.join(recordDir, `window-${windowNo++}.bson`), 'w');
  };
  if (recordDir) {
    nextWindow();
    const run = engine.run.bind(engine);
    engine.run = (body, typed, ctx) => {
      if (recordFd !== undefined) writeSync(recordFd, BSON.serialize(typed));
      return run(body, typed, ctx);
    };
  }
  // full collections, counted as they end: the rounds' slow seconds were once the database's (docs/mongo-wire.md §9)
  const gcs = { major: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
    }
  }).observe({ entryTypes: ['gc'] });
  const mark = () => ({ at: performance.now(), cpu: process.cpuUsage(), commands: engine.commandsRun, gcs: { ...gcs } });
  let since = mark();
  const figures = (): DbFigures => {
    const cpu = process.cpuUsage(since.cpu);
    return {
      seconds: (performance.now() - since.at) / 1000,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      commands: engine.commandsRun - since.commands,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      majorGcs: gcs.major - since.gcs.major,
      externalMb: mb(process.memoryUsage().external),
      arenaMb: mb(engine.arenaStats().chunkBytes),
    };
  };
  const probe = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/gc') {
      // a full collection now (the bench asks once, after its set-up: see bench.ts benchCallbacks)
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) {
        res.writeHead(501).end();
        return;
      }
      const before = process.memoryUsage().heapUsed;
      const started = performance.now();
      gc();
      const heap: DbHeap = { beforeMb: mb(before), afterMb: mb(process.memoryUsage().heapUsed), ms: Math.round(performance.now() - started) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(heap));
      return;
    }
    if (req.method === 'POST' && req.url === '/reset') {
      since = mark();
      nextWindow();
    }
    else if (req.method !== 'GET' || req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(figures()));
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const probeUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  process.stdout.write(`${JSON.stringify({ uri: server.uri, probe: probeUrl, pid: process.pid })}\n`);
  const stop = () => {
    probe.close();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench database failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
