/** The draw figures: the pure computation over 100,000 enterprises, and /抽取 + 确认 through the operations. */
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'bson';
import { buildParameters } from '../../src/domain/draw2/inputs';
import { simulateSteps } from '../../src/domain/draw2/session';
import { runSync } from '../../src/domain/draw2/steps';
import { runSliced } from '../../src/operations/draw/slices';
import { confirmDraw } from '../../src/operations/draw/confirmDraw';
import { previewDraw } from '../../src/operations/draw/previewDraw';
import { createCampaign, DEFAULT_RISK_RATIOS } from '../../src/operations/campaigns';
import { enterpriseUpsert } from '../../src/operations/importEnterprises';
import { staffUpsert } from '../../src/operations/importStaff';
import { generateSampleData } from '../../src/domain/sampleData';
import { enterpriseModel, registryRow } from '../../src/store/enterprise';
import { staffModel } from '../../src/store/staff';
import { startHarness } from '../../test/support/harness';
import { makeRegistry } from '../../test/unit/draw/generate';
import { measure } from './loopProbe';
import { round, type Result } from './results';
import type { Enterprise } from '../../src/domain/types';

/**
 * The registry as the service hands it to the draw (store/enterprise.ts, loadEnterprises): rows in code order, each
 * decoded from the database's BSON and copied into a plain Enterprise in that order. The generator's own rows are made
 * in generation order with strings built by concatenation (trees of pieces until first read); read in code order they
 * cost the draw noticeably more memory traffic than the flat strings and code-ordered objects the service has.
 */
function asTheServiceReadsThem(rows: Enterprise[]): Enterprise[] {
  const sorted = [...rows].sort((a, b) => (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  return sorted.map((row) => registryRow(deserialize(serialize(row)) as Enterprise));
}

/**
 * The draw (spotcheck-draw/2: registries → population, hashes, commitment, seed, counts, selection, teams, result hash,
 * log entries and both bundles) for 100,000 enterprises and 2,000 staff; median of 3. Then the same draw run in slices
 * as the service runs it, with a probe measuring the longest time the event loop was held.
 */
export async function benchDraw(): Promise<Result[]> {
  // (the generator's rows are not kept: only what the service would hold stays in memory)
  const { enterprises: generated, staff } = makeRegistry('bench-draw', { enterprises: 100_000, staff: 2_000, catalogue: true });
  const enterprises = asTheServiceReadsThem(generated);
  generated.length = 0;
  const parameters = buildParameters({ from: '2024-03-15', ratio: 0.25, riskRatios: { ...DEFAULT_RISK_RATIOS }, excludeOwnCounty: true });
  const input = (i: number) => ({
    drawId: `bench-${i}`,
    campaign: { id: 'bench', name: '基准', year: 2024 },
    parameters,
    enterprises,
    staff,
    botValue: `${i}`.repeat(64).slice(0, 64),
    entropy: `bench-${i}`,
    liaison: { openId: 'ou_bench', name: '基准' },
    commitAt: new Date('2024-03-14T00:00:00Z'),
    revealAt: new Date('2024-03-14T00:01:00Z'),
  });
  const times: number[] = [];
  const cpu: number[] = [];
  let drawn = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const d = runSync(simulateSteps(input(i)));
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    times.push((performance.now() - t0) / 1000);
    drawn = d.computed.result.selection.length;
    if (d.computed.result.shortages.some((s) => s.blocking)) throw new Error('bench draw has blocking shortages');
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // The longest single step in CPU time (what a slice costs whatever the machine's load; GC threads included).
  let longestStep = 0;
  const steps = simulateSteps(input(8));
  for (;;) {
    const c0 = process.cpuUsage();
    const r = steps.next();
    const c = process.cpuUsage(c0);
    longestStep = Math.max(longestStep, (c.user + c.system) / 1000);
    if (r.done) break;
  }
  // The longest hold of the event loop while the service computes such a draw in slices (operations/draw/slices.ts).
  const { seconds: sliced, longest } = await measure(() => runSliced(simulateSteps(input(9))));
  return [
    { name: 'draw_100k_s', value: round(times[1] as number), unit: 's' },
    { name: 'draw_100k_cpu_s', value: round(cpu[1] as number), unit: 's' },
    { name: 'draw_100k_selected', value: drawn, unit: 'enterprises' },
    { name: 'draw_100k_longest_step_cpu_ms', value: round(longestStep, 1), unit: 'ms' },
    { name: 'draw_100k_sliced_s', value: round(sliced), unit: 's' },
    { name: 'draw_100k_longest_block_ms', value: round(longest, 1), unit: 'ms' },
  ];
}

/**
 * The draw as the service runs it: /抽取 (preview) and 确认 (up to its answer; the dispatch is not timed) over 12,000
 * enterprises through the operations and the database, with a probe measuring the longest time the event loop was
 * held (the in-process database included).
 */
export async function benchDrawService(): Promise<Result[]> {
  const h = await startHarness({ dbPrefix: 'benchdraw' });
  try {
    const conn = h.service.db.connection;
    const data = generateSampleData({ year: 2024, enterprises: 12_000, seed: 7 });
    await enterpriseModel(conn).bulkWrite(data.enterprises.map(enterpriseUpsert));
    await staffModel(conn).bulkWrite(data.staff.map(staffUpsert));
    await createCampaign(conn, { name: '基准专项', year: 2024, from: '2024-03-15', to: '2024-10-31', ratio: 0.25 });
    const liaison = data.staff.find((x) => x.roles.includes('联络员') && x.county === '市局')!;
    const actor = { openId: liaison.openId, roles: liaison.roles, county: liaison.county };
    const now = new Date('2024-03-14T02:00:00Z');
    const preview = await measure(() => previewDraw(conn, now, { actor, actorName: liaison.name }));
    if (!preview.value.ok) throw new Error(`bench preview refused: ${preview.value.reason}`);
    const drawId = preview.value.draw._id;
    await h.service.outbox.stop();
    const confirm = await measure(async () => {
      const c = await confirmDraw(conn, h.service.outbox, now, { actor, drawId });
      if (!c.ok) throw new Error(`bench confirm refused: ${c.reason}`);
      return c;
    });
    await confirm.value.dispatch.catch(() => undefined);
    return [
      { name: 'draw_preview_12k_s', value: round(preview.seconds, 2), unit: 's' },
      { name: 'draw_preview_12k_longest_block_ms', value: round(preview.longest, 1), unit: 'ms' },
      { name: 'draw_confirm_12k_s', value: round(confirm.seconds, 2), unit: 's' },
      { name: 'draw_confirm_12k_longest_block_ms', value: round(confirm.longest, 1), unit: 'ms' },
    ];
  } finally {
    await h.close();
  }
}

