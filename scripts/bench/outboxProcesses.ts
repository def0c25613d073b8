/**
 * The outbox at the platform's limits with one and with several service processes on one database: the same cards
 * (by default 2,000 to 400 users, 5 each: past the 1,000-a-minute limit) are queued with a delivery time in the
 * future, then made due at once; every process's outbox delivers them to the emulator, which enforces Feishu's
 * message limits for the app as a whole and answers 230020 beyond them. The time from then until the last one is
 * sent is compared with the shortest time the limits allow for the same messages (limitBoundSeconds).
 *
 * `npx tsx scripts/bench/outboxProcesses.ts [processes…]` runs it alone (default: 1 2) and prints the results as JSON.
 */
import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { createLogger } from '../../src/logger';
import { Outbox } from '../../src/platform/outbox';
import { startLarkEmulator } from '../../src/sandbox/emulator';
import { outboxModel } from '../../src/store/outbox';
import { TEST_APP, withDbName } from '../../test/support/harness';
import { uniqueDbName } from '../../test/support/db';
import { deliveryFigures, logCounts, sharedDatabase, startInstances } from '../../test/support/outboxProcesses';

/** One figure of bench-results.json (the shape of the bench's Result). */
export interface ProcessesResult {
  name: string;
  value: number;
  unit: string;
}

export interface OutboxProcessesOptions {
  /** how many service processes, one run each (default [1, 2]) */
  processes?: number[];
  users?: number;
  perUser?: number;
  /** progress lines (default: stderr) */
  progress?: (line: string) => void;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One run: `n` processes, a fresh database, a fresh emulator. */
async function run(n: number, uri: string, users: number, perUser: number): Promise<{ seconds: number; figures: ReturnType<typeof deliveryFigures>; total: number; failed: number; byProcess: number[] }> {
  const dbUri = withDbName(uri, uniqueDbName(`bench_outbox_${n}p`));
  const emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
  const conn = await mongoose.createConnection(dbUri).asPromise();
  const processes = await startInstances(n, { uri: dbUri, emulator, name: `bench${n}`, logLevel: 'debug' }).catch(async (err: unknown) => {
    await conn.close();
    await emulator.close();
    throw err;
  });
  try {
    const ids = Array.from({ length: users }, (_, i) => `ou_benchprocs${String(i).padStart(21, '0')}`);
    const card = (text: string) => ({ schema: '2.0', body: { elements: [{ tag: 'markdown', content: text }] } });
    // Queued as the service queues them, but due an hour from now: nothing goes out before the clock starts.
    const later = new Date(Date.now() + 3600_000);
    const queue = new Outbox(outboxModel(conn), undefined, undefined, createLogger('silent'), {}, () => later);
    let total = 0;
    for (let r = 0; r < perUser; r++) {
      for (const u of ids) {
        await queue.sendCard(`bench:procs:${u}:${r}`, { openId: u }, card(`第${r + 1}条（压测）`));
        total++;
      }
    }
    const model = outboxModel(conn);
    const seqBefore = emulator.requests.length > 0 ? emulator.requests[emulator.requests.length - 1]!.seq : 0;
    const t0 = performance.now();
    await model.updateMany({ key: /^bench:procs:/ }, { $set: { nextAttemptAt: new Date() } });
    for (;;) {
      const open = await model.countDocuments({ key: /^bench:procs:/, status: { $in: ['pending', 'sending'] } });
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    const failed = await model.countDocuments({ key: /^bench:procs:/, status: 'failed' });
    return { seconds, figures: deliveryFigures(emulator, seqBefore), total, failed, byProcess: logCounts(processes, 'outbox delivered') };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
    await emulator.close();
  }
}

export async function benchOutboxProcesses(opts: OutboxProcessesOptions = {}): Promise<ProcessesResult[]> {
  const counts = opts.processes ?? [1, 2];
  const users = opts.users ?? 400;
  const perUser = opts.perUser ?? 5;
  const progress = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const db = await sharedDatabase();
  const results: ProcessesResult[] = [];
  try {
    for (const n of counts) {
      progress(`outbox with ${n} process${n > 1 ? 'es' : ''} …`);
      const { seconds, figures, total, failed, byProcess } = await run(n, db.uri, users, perUser);
      const suffix = n === 1 ? '' : `_${n}proc`;
      results.push(
        { name: `outbox_messages${suffix}`, value: total, unit: 'messages' },
        { name: `outbox_delivered${suffix}`, value: figures.accepted, unit: 'messages' },
        { name: `outbox_failed${suffix}`, value: failed, unit: 'messages' },
        { name: `outbox_seconds${suffix}`, value: round(seconds, 2), unit: 's' },
        { name: `outbox_bound_s${suffix}`, value: round(figures.boundSeconds, 2), unit: 's' },
        { name: `outbox_time_vs_bound${suffix}`, value: round(seconds / figures.boundSeconds, 3), unit: 'ratio' },
        { name: `outbox_duplicates${suffix}`, value: figures.duplicates + Math.max(0, figures.accepted - total), unit: 'messages' },
        { name: `outbox_rate_limited${suffix}`, value: figures.rateLimited, unit: 'responses' },
        { name: `outbox_peak_per_s${suffix}`, value: figures.peakPerSecond, unit: 'messages' },
      );
      if (n > 1) results.push({ name: `outbox_least_process_share${suffix}`, value: round(Math.min(...byProcess) / Math.max(1, total), 3), unit: 'ratio' });
      progress(`  ${n}: ${round(seconds, 2)} s for a bound of ${round(figures.boundSeconds, 2)} s (×${round(seconds / figures.boundSeconds, 3)}), ${figures.rateLimited} × 230020, ${figures.duplicates} duplicates, delivered per process ${byProcess.join('/')}`);
    }
  } finally {
    await db.close();
  }
  return results;
}

if (require.main === module) {
  const counts = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  benchOutboxProcesses(counts.length > 0 ? { processes: counts } : {}).then(
    (results) => process.stdout.write(`${JSON.stringify(results, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
