/**
 * summary_20k_s: compiling 附件5 for 20,000 tasks — the aggregation in MongoDB (per-county counts, the registry's
 * 获证企业数 over 80,000 enterprises, the 检查明细 rows streamed into the sheet as they arrive) plus building the
 * .xlsx — for the whole city; median of 3,
 * timed in the service's process (as /汇总 compiles it there) against the database process. Tasks are spread over the 14 counties in every
 * state, the inspected ones with a full checklist (answers and history), as real documents are. The campaign is
 * the active one, so /汇总 sent to the service compiles the same table (scripts/bench.ts).
 */
import { performance } from 'node:perf_hooks';
import { Types, type Connection } from 'mongoose';
import { shanghaiDate } from '../../src/domain/calendar';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { activeSlot, campaignModel, type CampaignDoc } from '../../src/store/campaign';
import { drawModel, type DrawDoc } from '../../src/store/draw';
import { enterpriseModel } from '../../src/store/enterprise';
import { taskModel } from '../../src/store/task';
import type { SummaryTiming } from '../../src/platform/benchProbe';
import { getJson } from './processes';
import { round, type Result } from './results';
import { mulberry32 } from '../../src/domain/prng';

const TASKS = 20_000;
const ENTERPRISES = 80_000;
const BATCH = 2_000;

const prng = mulberry32;

const STATES = ['待接收', '待检查', '检查中', '待签字', '待整改', '待公示', '已公示'] as const;
const STATE_WEIGHTS = [0.04, 0.08, 0.06, 0.04, 0.1, 0.18, 0.5];

function pick<T>(rnd: () => number, items: readonly T[], weights: readonly number[]): T {
  let x = rnd();
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

function date(rnd: () => number, from: number, days: number): string {
  return new Date(from + Math.floor(rnd() * days) * 86_400_000).toISOString().slice(0, 10);
}

async function insertInBatches(model: { collection: { insertMany(docs: Record<string, unknown>[], opts: { ordered: boolean }): Promise<unknown> } }, docs: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < docs.length; i += BATCH) await model.collection.insertMany(docs.slice(i, i + BATCH), { ordered: false });
}

/**
 * A campaign of this year whose inspection window (the whole year) is open today, inserted as stored: `active` holds
 * the year's one active slot; a `closed` one has a slot of its own, so that several can exist beside the active one.
 */
export async function insertBenchCampaign(conn: Connection, name: string, status: 'active' | 'closed', now = new Date()): Promise<CampaignDoc> {
  const _id = new Types.ObjectId();
  const year = Number(shanghaiDate(now).slice(0, 4));
  const campaign: CampaignDoc = {
    _id,
    name,
    year,
    from: `${year}-01-01`,
    to: `${year}-12-31`,
    ratio: 0.25,
    riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 },
    excludeOwnCounty: true,
    status,
    slot: status === 'active' ? activeSlot(year) : `closed:${String(_id)}`,
    createdAt: now,
    updatedAt: now,
  };
  await campaignModel(conn).collection.insertOne(campaign);
  return campaign;
}

/** The campaign, its confirmed draw, 80,000 enterprises and 20,000 tasks, inserted into `conn`'s database. */
export async function seedSummaryData(conn: Connection): Promise<{ campaign: CampaignDoc; draw: DrawDoc }> {
  const rnd = prng(20241115);
  const now = new Date();
  // the active campaign of this year, open today
  const campaign = await insertBenchCampaign(conn, '基准测试专项（2万项任务）', 'active', now);
  const campaignId = campaign._id;
  const drawId = new Types.ObjectId();
  const draw: DrawDoc = {
    _id: drawId,
    campaignId,
    attempt: 1,
    status: 'confirmed',
    requestedBy: 'ou_bench',
    requestedByName: '基准',
    entropy: 'bench',
    entropySource: 'liaison',
    populationHash: 'p',
    staffHash: 's',
    seed: 'seed',
    resultHash: 'r',
    prevLogHash: 'l',
    bundleGz: Buffer.from('bench'),
    confirmedBy: 'ou_bench',
    confirmedAt: new Date('2024-03-20T02:00:00Z'),
    createdAt: now,
    updatedAt: now,
  };
  await drawModel(conn).collection.insertOne(draw);

  const enterprises: Record<string, unknown>[] = [];
  for (let i = 0; i < ENTERPRISES; i++) {
    const county = YUNCHENG_COUNTIES[Math.floor(rnd() * YUNCHENG_COUNTIES.length)]!;
    enterprises.push({
      uscc: `91BENCH${String(i).padStart(11, '0')}`,
      name: `基准${county}企业${i}（示例）`,
      licenceNo: `（晋）XK06-001-${String(i).padStart(5, '0')}`,
      product: '电线电缆',
      category: '工业产品',
      validFrom: '2021-06-01',
      validTo: rnd() < 0.96 ? '2026-05-31' : '2023-12-31',
      county,
      address: `${county}工业园区${i}号`,
      riskClass: pick(rnd, ['A', 'B', 'C', 'D'], [0.55, 0.3, 0.11, 0.04]),
      createdAt: now,
      updatedAt: now,
    });
  }
  const day0 = Date.parse('2024-04-01T00:00:00Z');
  const tasks: Record<string, unknown>[] = [];
  for (let i = 0; i < TASKS; i++) {
    const e = enterprises[i * 4]! as Record<string, string>;
    const state = pick(rnd, STATES, STATE_WEIGHTS);
    const completed = state === '待整改' || state === '待公示' || state === '已公示';
    const problem = state === '待整改' || (completed && rnd() < 0.15);
    const completionDate = date(rnd, day0, 200);
    const answers = Array.from({ length: 9 }, (_, k) => ({
      item: k + 1,
      verdict: problem && k === 4 ? '不符合' : '符合',
      record: problem && k === 4 ? '未按规定使用许可证标志和编号' : '',
      by: 'ou_bench_member',
      byName: '检查员',
      at: now,
    }));
    const task: Record<string, unknown> = {
      campaignId,
      drawId,
      no: i + 1,
      enterprise: { ...e, contact: '联系人', phone: '13800000000' },
      checklist: 'industrial',
      team: [
        { openId: `ou_bench_leader${i % 12}`, name: `组长${i % 12}`, role: '组长', unit: '运城市市场监督管理局', county: '市局' },
        { openId: `ou_bench_officer${i % 300}`, name: `执法${i % 300}`, role: '执法人员', unit: '县局', county: '夏县' },
        { openId: `ou_bench_expert${i % 20}`, name: `专家${i % 20}`, role: '专家', unit: '检验中心', county: '市局' },
      ],
      state,
      version: 12,
      createdAt: now,
      updatedAt: now,
    };
    if (state !== '待接收' && state !== '待检查') {
      task.inspection = {
        startedAt: now,
        startedBy: 'ou_bench_member',
        startedBeforeReceipt: false,
        cursor: 10,
        answers,
        history: answers.map((a) => ({ ...a, baseVersion: a.item, outcome: 'saved' })),
        photos: [],
        round: 1,
        signatures: [],
        reopens: [],
        ...(completed
          ? {
              completionDate,
              completedAt: now,
              result: problem ? '发现问题' : '未发现问题',
              ...(problem ? { rectification: { days: 15, issuedDate: completionDate, deadline: date(rnd, day0 + 15 * 86_400_000, 200), items: [], setBy: '', recipients: [] } } : {}),
            }
          : {}),
      };
    }
    if (problem && state !== '待整改' && rnd() < 0.9) {
      task.rectificationCheck = { items: [], opinion: '已整改', confirmedBy: 'ou_x', confirmedByName: '联络员', confirmedAt: now, confirmedOn: completionDate };
    }
    if (state === '已公示') task.publication = { dueDate: completionDate, publishedOn: completionDate, result: '未发现问题' };
    else if (state === '待公示' && rnd() < 0.5) task.publication = { dueDate: date(rnd, day0 + 28 * 86_400_000, 200) };
    tasks.push(task);
  }
  await insertInBatches(enterpriseModel(conn), enterprises);
  await insertInBatches(taskModel(conn), tasks);
  return { campaign, draw };
}

/** Times the compilation in the service at `serviceUrl` against the seeded data (seedSummaryData). */
export async function benchSummary(conn: Connection, seeded: { campaign: CampaignDoc }, serviceUrl: string): Promise<Result[]> {
  const { campaign } = seeded;
  // 附件5 compiled in the service's own process, as /汇总 compiles it there (platform/benchProbe.ts, POST
  // /debug/bench/summary → bot/progress.ts summaryFile): the summary returns once the small answers are in (the
  // counts, 获证企业数, the extra checklists), the detail rows asked for; the workbook's other sheets are built while
  // the database computes them, then the rows are written as they arrive
  const once = async (probe: boolean): Promise<SummaryTiming> => {
    const timing = await getJson<SummaryTiming>(`${serviceUrl}/debug/bench/summary${probe ? '?probe=1' : ''}`, 'POST');
    if (timing.sampled !== TASKS || timing.details !== TASKS) {
      throw new Error(`bench summary counted ${timing.sampled} tasks, ${timing.details} detail rows`);
    }
    return timing;
  };

  // The longest the service's event loop is held while a summary is compiled, on its own (beside the callbacks,
  // bench.ts measures the service's loop, where the callbacks' own work counts too): a run of its own, since the
  // 1 ms probe costs some CPU; the first of this service when this measurement runs alone.
  const probed = await once(true);

  const runs: SummaryTiming[] = [];
  for (let run = 0; run < 3; run++) runs.push(await once(false));
  const times = runs.map((r) => r.seconds);
  const cpuTimes = runs.map((r) => r.cpuSeconds);
  const compileTimes = runs.map((r) => r.compileSeconds);
  const xlsxTimes = runs.map((r) => r.seconds - r.compileSeconds);
  const bytes = runs[runs.length - 1]!.bytes;
  // counting the campaign's tasks (answered from the index structures, no document read): one round trip first
  // (not counted), then the median of five
  await taskModel(conn).countDocuments({ campaignId: campaign._id });
  const floor: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    await taskModel(conn).countDocuments({ campaignId: campaign._id });
    floor.push((performance.now() - t0) / 1000);
  }
  const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! * 1000) / 1000;
  return [
    { name: 'summary_20k_s', value: median(times), unit: 's' },
    // the two parts, which overlap since the rows are streamed: _aggregate_s, until the small answers are in (the
    // per-county counts, 获证企业数, the extra checklists; the detail aggregate sent); _xlsx_s, the rest: the
    // workbook built while the database computes the 20,000 detail rows, then the rows written as they arrive
    // CPU of the service's process (reading the rows and building the workbook)
    { name: 'summary_20k_cpu_s', value: median(cpuTimes), unit: 's' },
    { name: 'summary_20k_aggregate_s', value: median(compileTimes), unit: 's' },
    { name: 'summary_20k_xlsx_s', value: median(xlsxTimes), unit: 's' },
    { name: 'summary_20k_xlsx_kb', value: Math.round(bytes / 1024), unit: 'KiB' },
    { name: 'summary_20k_longest_block_ms', value: round(probed.longestBlockMs, 1), unit: 'ms' },
    { name: 'tasks_20k_count_s', value: median(floor), unit: 's' },
  ];
}
