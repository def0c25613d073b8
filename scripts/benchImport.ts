/**
 * npm run bench:import — a registry import while the service would be answering requests: how long the event loop
 * is blocked (docs/architecture.md: long operations never block it for more than 100 ms at a time) and how long a
 * /healthz-style probe waits. The database is MONGODB_URI when set, else the embedded wire server in this process
 * (as the service runs it offline, and the worst case: its work is done on this event loop).
 * Prints a table; speed targets live here, not in the test suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { ENTERPRISE_SPEC } from '../src/domain/registryRows';
import { importEnterpriseRows } from '../src/operations/importEnterprises';
import { readRegistryFile } from '../src/operations/registryFile';
import { startWireServer } from '../src/store/embedded';
import { writeEnterpriseCsv } from '../test/support/hostileFiles';

const TARGET_MAX_BLOCK_MS = 100;

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '10000').split(',').map(Number);
  const wire = process.env.MONGODB_URI ? undefined : await startWireServer();
  const uri = process.env.MONGODB_URI ?? wire!.uri;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-import-'));
  const rows: string[][] = [];
  try {
    for (const n of sizes) {
      const file = path.join(dir, `e${n}.csv`);
      await writeEnterpriseCsv(file, n);
      const conn = await mongoose.createConnection(uri, { dbName: `bench_import_${n}_${Date.now()}` }).asPromise();
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      // A probe every 50 ms, as /healthz would be asked: how late is each answer?
      let probes = 0;
      let worstProbeMs = 0;
      let expected = performance.now() + 50;
      const probe = setInterval(() => {
        const now = performance.now();
        worstProbeMs = Math.max(worstProbeMs, now - expected);
        expected = now + 50;
        probes += 1;
      }, 50);
      histogram.enable();
      const started = performance.now();
      const content = await readRegistryFile(file, ENTERPRISE_SPEC);
      const read = performance.now();
      const report = await importEnterpriseRows(conn, content.rows);
      const done = performance.now();
      histogram.disable();
      clearInterval(probe);
      await conn.dropDatabase();
      await conn.close();
      const ms = (ns: number) => Math.round(ns / 1e6);
      rows.push([
        String(n),
        (done - started) / 1000 + '',
        String(Math.round(read - started)),
        String(report.imported.inserted),
        String(ms(histogram.percentile(50))),
        String(ms(histogram.percentile(99))),
        String(ms(histogram.max)),
        String(Math.round(worstProbeMs)),
        String(probes),
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await wire?.close();
  }
  const header = ['rows', 'total_s', 'read_ms', 'inserted', 'loop_p50_ms', 'loop_p99_ms', 'loop_max_ms', 'probe_worst_ms', 'probes'];
  console.log(`database: ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded wire server (same process)'}; target: loop_max_ms ≤ ${TARGET_MAX_BLOCK_MS} on an idle machine`);
  console.log(header.join('\t'));
  for (const r of rows) console.log(r.map((c, i) => (i === 1 ? Number(c).toFixed(1) : c)).join('\t'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
