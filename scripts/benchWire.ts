/**
 * Micro-benchmark of the embedded MongoDB wire server (src/store/embedded) through the real driver:
 * 20,000 task-like documents with the task model's indexes, then
 * - findOne by _id, findOne by the unique {drawId, no}, updateOne by _id,
 * - countDocuments with a filter on an indexed field (and on the whole campaign),
 * - find + sort + limit on an indexed filter,
 * - an aggregation $match + $group by county and state.
 * Prints the median milliseconds per operation. `--worker` runs the server in a worker thread; `--json` prints JSON.
 *
 *   npx tsx scripts/benchWire.ts [--worker] [--json]
 */
import { performance } from 'node:perf_hooks';
import mongoose, { Types } from 'mongoose';
import { startWireServer } from '../src/store/embedded';
import { mulberry32 } from '../src/domain/prng';

const DOCS = 20_000;
const BATCH = 2_000;
const COUNTIES = ['盐湖区', '永济市', '河津市', '临猗县', '万荣县', '闻喜县', '稷山县', '新绛县', '绛县', '垣曲县', '夏县', '平陆县', '芮城县', '开发区'];
const STATES = ['待接收', '待检查', '检查中', '待签字', '待整改', '待公示', '已公示'];

const prng = mulberry32;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function timeEach(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op(i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  const worker = process.argv.includes('--worker');
  const json = process.argv.includes('--json');
  // older versions of startWireServer ignore the option (that is how the "before" figures were taken)
  const server = await startWireServer({ worker } as Parameters<typeof startWireServer>[0]);
  const conn = await mongoose.createConnection(server.uri, { dbName: 'bench_wire' }).asPromise();
  const results: Record<string, number> = {};
  try {
    const db = conn.db;
    if (!db) throw new Error('not connected');
    const tasks = db.collection('tasks');
    await tasks.createIndex({ drawId: 1, no: 1 }, { unique: true });
    await tasks.createIndex({ 'team.openId': 1, state: 1 });
    await tasks.createIndex({ campaignId: 1, 'enterprise.county': 1, state: 1 });

    const rnd = prng(7);
    const campaignId = new Types.ObjectId();
    const drawId = new Types.ObjectId();
    const ids: Types.ObjectId[] = [];
    const t0 = performance.now();
    for (let b = 0; b < DOCS; b += BATCH) {
      const batch = [];
      for (let i = b; i < b + BATCH; i++) {
        const _id = new Types.ObjectId();
        ids.push(_id);
        const county = COUNTIES[Math.floor(rnd() * COUNTIES.length)];
        batch.push({
          _id,
          campaignId,
          drawId,
          no: i + 1,
          enterprise: { uscc: `91140800MA${String(i).padStart(8, '0')}`, name: `运城市某某制品有限公司${i}`, county, licenceNo: `XK${i}`, address: '运城市某路某号' },
          checklist: rnd() < 0.2 ? 'food' : 'industrial',
          team: [
            { role: 'leader', openId: `ou_${Math.floor(rnd() * 2000)}`, name: '检查员甲' },
            { role: 'member', openId: `ou_${Math.floor(rnd() * 2000)}`, name: '检查员乙' },
          ],
          state: STATES[Math.floor(rnd() * STATES.length)],
          version: Math.floor(rnd() * 20),
          inspection: {
            answers: Array.from({ length: 9 }, (_, k) => ({ item: k + 1, answer: rnd() < 0.9 ? '是' : '否', record: '现场检查记录'.repeat(3) })),
            completionDate: `2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 10)}`,
          },
          publication: { dueDate: `2024-1${Math.floor(rnd() * 3)}-0${1 + Math.floor(rnd() * 9)}` },
          createdAt: new Date(),
          updatedAt: new Date(),
        });
      }
      await tasks.insertMany(batch, { ordered: false });
    }
    results.insert_20k_ms = performance.now() - t0;

    results.findOne_by_id_ms = await timeEach(200, (i) => tasks.findOne({ _id: ids[(i * 97) % DOCS] }));
    results.findOne_by_unique_ms = await timeEach(200, (i) => tasks.findOne({ drawId, no: 1 + ((i * 131) % DOCS) }));
    results.updateOne_by_id_ms = await timeEach(200, (i) => tasks.updateOne({ _id: ids[(i * 53) % DOCS] }, { $inc: { version: 1 }, $set: { updatedAt: new Date() } }));
    results.count_by_county_ms = await timeEach(20, (i) => tasks.countDocuments({ campaignId, 'enterprise.county': COUNTIES[i % COUNTIES.length] }));
    results.count_campaign_ms = await timeEach(20, () => tasks.countDocuments({ campaignId }));
    results.find_team_sorted_limit_ms = await timeEach(50, (i) =>
      tasks.find({ 'team.openId': `ou_${i}` }).sort({ no: -1 }).limit(5).toArray(),
    );
    results.aggregate_county_state_ms = await timeEach(5, () =>
      tasks
        .aggregate([
          { $match: { campaignId, drawId, state: { $ne: '已作废' } } },
          { $group: { _id: { county: '$enterprise.county', state: '$state' }, n: { $sum: 1 } } },
        ])
        .toArray(),
    );
    const groups = await tasks
      .aggregate<{ n: number }>([{ $match: { campaignId } }, { $group: { _id: { county: '$enterprise.county', state: '$state' }, n: { $sum: 1 } } }])
      .toArray();
    const total = groups.reduce((s, g) => s + g.n, 0);
    if (total !== DOCS) throw new Error(`aggregation counted ${total} documents, expected ${DOCS}`);
    await db.dropDatabase();
  } finally {
    await conn.close();
    await server.close();
  }
  const rounded = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  if (json) {
    process.stdout.write(`${JSON.stringify({ worker, ...rounded })}\n`);
    return;
  }
  process.stdout.write(`embedded wire server${worker ? ' (worker thread)' : ''}, ${DOCS} documents, median ms per operation\n`);
  for (const [k, v] of Object.entries(rounded)) process.stdout.write(`  ${k.padEnd(28)} ${v}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
