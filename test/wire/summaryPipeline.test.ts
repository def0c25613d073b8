/**
 * The 附件5 aggregation in the database (operations/summary.ts): the per-county counts and the 不符合项统计 from one
 * $group pipeline, the 检查明细 rows from a cursor, must equal the previous per-task computation (every task's row
 * pushed into its county's group and added up in the service) on a generated dataset with every state, both forms,
 * random 不符合 items, extra checklists, closures, disposals and tasks without a county. The reference runs in mingo
 * (the interpreter the embedded database used before), the pipelines under test in the embedded database, whose
 * compiled code (store/embedded/pipeline.ts) must be what answered them.
 */
import { BSON } from 'bson';
import mongoose, { Types, type Connection } from 'mongoose';
import { Aggregator } from 'mingo';
import { startWireServer, type WireServer } from '../../src/store/embedded';
import { compilePipeline } from '../../src/store/embedded/pipeline';
import {
  countsFromGroup,
  countyGroupStage,
  flagStages,
  liveTasksMatch,
  orderCounties,
  publicationCutoff,
  UNNAMED_COUNTY,
  type CountyCounts,
} from '../../src/operations/progress';
import {
  detailOf,
  detailPipeline,
  DETAIL_FIELDS,
  extraCounts,
  NG_ITEMS,
  PUSHED,
  rowProjection,
  summaryCounts,
  summaryDetails,
  type ItemCounts,
  type PushedRow,
  type SummaryDetail,
} from '../../src/operations/summary';
import { taskModel } from '../../src/store/task';
import { mulberry32 } from '../../src/domain/prng';

/** enough for every state × form × 不符合 item in each county; the equality with the reference is what is tested, not the size */
const TASKS = 2000;
const TODAY = '2024-11-15';
const COUNTIES = ['盐湖区', '永济市', '河津市', '夏县', '绛县'];
const STATES = ['待接收', '待检查', '检查中', '待签字', '待整改', '待公示', '已公示', '待确认', '已作废'];
const RESULTS = ['未发现问题', '发现问题'];

const prng = mulberry32;

function day(rnd: () => number): string {
  const d = new Date(Date.UTC(2024, 3, 1) + Math.floor(rnd() * 240) * 86_400_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

function generate(campaignId: Types.ObjectId, drawId: Types.ObjectId, otherDraw: Types.ObjectId): Record<string, unknown>[] {
  const rnd = prng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < TASKS; i++) {
    const food = rnd() < 0.35;
    const state = pick(STATES);
    const enterprise: Record<string, unknown> = {
      uscc: `91GEN${String(i).padStart(13, '0')}`,
      name: `生成企业${i}（示例）`,
      licenceNo: `（晋）XK-${i}`,
      product: food ? '食品用纸包装' : '电线电缆',
      category: food ? '食品相关产品' : '工业产品',
      riskClass: pick(['A', 'B', 'C', 'D']),
    };
    if (rnd() > 0.03) enterprise.county = pick(COUNTIES);
    const task: Record<string, unknown> = {
      campaignId,
      drawId: rnd() < 0.05 ? otherDraw : drawId,
      no: TASKS - i, // inserted out of 抽取序号 order
      enterprise,
      checklist: food ? 'food' : 'industrial',
      team: [
        { openId: `ou_l${i % 7}`, name: `组长${i % 7}`, role: '组长', unit: '市局', county: '市局' },
        { openId: `ou_o${i % 13}`, name: `执法${i % 13}`, role: '执法人员', unit: '县局', county: pick(COUNTIES) },
      ],
      state,
      version: 3,
    };
    if (!['待接收', '待检查'].includes(state) || rnd() < 0.1) {
      const extras = rnd() < 0.3 ? [{ name: pick(['电动自行车', '燃气灶具']), items: [{ no: 1, text: '一' }, { no: 2, text: '二' }] }] : undefined;
      const steps = 9 + (extras ? 2 : 0);
      const answers = [];
      for (let k = 1; k <= steps; k++) {
        if (rnd() < 0.05) continue; // an item not answered
        answers.push({ item: k, verdict: rnd() < 0.12 ? '不符合' : '符合', record: '', by: 'ou_x', byName: '某', at: new Date(0) });
      }
      const completed = ['待整改', '待公示', '已公示', '待确认'].includes(state);
      const completionDate = day(rnd);
      task.inspection = {
        cursor: steps + 1,
        answers,
        history: [],
        round: 1,
        ...(extras ? { extras } : {}),
        ...(completed || rnd() < 0.1 ? { completionDate, result: pick(RESULTS) } : {}),
        ...(rnd() < 0.4 ? { rectification: { days: 15, deadline: day(rnd) } } : {}),
      };
    }
    if (rnd() < 0.3) task.rectificationCheck = { confirmedOn: rnd() < 0.9 ? day(rnd) : '' };
    if (rnd() < 0.4) task.publication = { dueDate: day(rnd), ...(rnd() < 0.5 ? { publishedOn: day(rnd), result: pick(['未发现问题', '责令整改']) } : {}) };
    if (rnd() < 0.1) task.disposal = { kind: pick(['立案', '移交']), caseNo: `案${i}`, caseDate: day(rnd), transferTo: rnd() < 0.5 ? '某局' : null };
    if (rnd() < 0.08) task.closure = { status: pick(['confirmed', 'pending']), result: pick(['企业已注销', '']) };
    out.push(task);
  }
  return out;
}

let server: WireServer;
let conn: Connection;
const campaignId = new Types.ObjectId();
const drawId = new Types.ObjectId();
const otherDraw = new Types.ObjectId();
/** The stored tasks as the database sent them (BSON), read once: the tasks do not change after beforeAll. */
let stored: Uint8Array[] = [];
/**
 * The stored tasks, decoded afresh for each use (mingo's stages may change the documents they are given), as the
 * driver decodes them (its defaults are BSON.deserialize's).
 */
const fresh = async () => stored.map((b) => BSON.deserialize(b));

beforeAll(async () => {
  server = await startWireServer();
  conn = await mongoose.createConnection(server.uri, { dbName: 'summary_pipeline' }).asPromise();
  await taskModel(conn).collection.insertMany(generate(campaignId, drawId, otherDraw));
  stored = (await taskModel(conn).collection.find({}, { raw: true }).toArray()) as unknown as Uint8Array[];
  expect(stored).toHaveLength(TASKS);
});
afterAll(async () => {
  await conn.close();
  await server.close();
});

/**
 * The reference of each county, computed once: both tests of a county compare with it (the stored tasks do not
 * change after beforeAll), and mingo's interpretation of every task is most of this file's time.
 */
const references = new Map<string | undefined, ReturnType<typeof computeReference>>();
function reference(county?: string): ReturnType<typeof computeReference> {
  if (!references.has(county)) references.set(county, computeReference(county));
  return references.get(county)!;
}

/** The previous computation: every task's row pushed into its county's group, then added up in the service. */
async function computeReference(county?: string): Promise<{
  counties: CountyCounts[];
  items: Map<string, ItemCounts>;
  details: SummaryDetail[];
  rows: Map<string, PushedRow[]>;
  groups: Record<string, unknown>[];
}> {
  const pipeline = [
    { $match: liveTasksMatch(campaignId, drawId, county) },
    ...flagStages(TODAY, publicationCutoff(TODAY), { ...DETAIL_FIELDS, ng: '$_ng' }, NG_ITEMS),
    countyGroupStage({ rows: { $push: { ...PUSHED, ng: '$ng' } } }),
  ];
  const groups = new Aggregator(pipeline as Record<string, unknown>[]).run(await fresh()) as (Parameters<typeof countsFromGroup>[0] & { rows: (PushedRow & { ng?: number[] })[] })[];
  const counties = orderCounties(groups.map(countsFromGroup), county);
  const grouped = new Map(groups.map((g) => [countsFromGroup(g).county, g.rows]));
  // in the official county order, as the summary shows them
  const rows = new Map(counties.map((c) => [c.county, grouped.get(c.county) ?? []]));
  const items = new Map<string, ItemCounts>();
  for (const [c, list] of grouped) {
    const counts: ItemCounts = { county: c, industrial: { records: 0, ng: Array(9).fill(0) }, food: { records: 0, ng: Array(9).fill(0) } } as ItemCounts;
    for (const r of list) {
      if (!r.recordDone) continue;
      const form = counts[r.category === '食品相关产品' ? 'food' : 'industrial'];
      form.records += 1;
      for (const k of r.ng ?? []) if (k >= 1 && k <= 9) form.ng[k - 1] = (form.ng[k - 1] ?? 0) + 1;
    }
    items.set(c, counts);
  }
  const details: SummaryDetail[] = [];
  for (const c of counties) for (const r of [...(rows.get(c.county) ?? [])].sort((a, b) => a.no - b.no)) details.push(detailOf(c.county, r));
  return { counties, items, details, rows, groups };
}

describe.each([undefined, '永济市'])('the summary of %s', (county) => {
  it('counts per county and per item as the per-task computation does, compiled in the database', async () => {
    const ref = await reference(county);
    const before = server.engine!.compiledRuns;
    const got = await summaryCounts(conn, { campaignId, drawId, today: TODAY, county });
    expect(server.engine!.compiledRuns).toBeGreaterThan(before);
    expect(got.counties).toEqual(ref.counties);
    expect(got.counties.reduce((n, c) => n + c.total, 0)).toBeGreaterThan(county ? TASKS / 10 : (TASKS * 2) / 3);
    expect(new Map([...got.items].sort())).toEqual(new Map([...ref.items].sort()));
    // the dataset exercises what it should: 不符合 items on both forms, tasks without a county
    const all = [...got.items.values()];
    expect(all.some((c) => c.food.ng.some((n) => n > 0))).toBe(true);
    expect(all.some((c) => c.industrial.ng.some((n) => n > 0))).toBe(true);
    if (!county) expect(got.counties.map((c) => c.county)).toContain(UNNAMED_COUNTY);
  });

  it('lists the 检查明细 rows and the extra checklists as the per-task computation does', async () => {
    const ref = await reference(county);
    const before = server.engine!.compiledRuns;
    // the counties in the order summaryCounts gives them (the test above: equal to the reference's)
    const got = await summaryDetails(conn, { campaignId, drawId, today: TODAY, county, counties: ref.counties });
    expect(server.engine!.compiledRuns).toBeGreaterThan(before);
    expect(got.details).toEqual(ref.details);
    const lists = [{ name: '电动自行车', items: [{ no: 1, text: '一' }, { no: 2, text: '二' }] }];
    const extras = extraCounts(got.withExtras, lists);
    expect(extras).toEqual(extraCounts(ref.rows, lists));
    expect(extras.flatMap((l) => l.rows).reduce((n, r) => n + r.records, 0)).toBeGreaterThan(0);
  });
});

it('reads the 检查明细 rows batch after batch (getMore) as it reads them in one', async () => {
  const ref = await reference(undefined);
  const input = { campaignId, drawId, today: TODAY, counties: ref.counties };
  const batchSize = 128;
  const before = server.engine!.commandsRun;
  const got = await summaryDetails(conn, { ...input, batchSize });
  // the aggregate, then a getMore per further batch
  expect(server.engine!.commandsRun - before).toBeGreaterThanOrEqual(Math.ceil(ref.details.length / batchSize));
  expect(ref.details.length).toBeGreaterThan(batchSize * 4);
  expect(got.details).toEqual(ref.details);
  const whole = await summaryDetails(conn, input);
  expect([...got.withExtras.values()].flat().length).toBeGreaterThan(0);
  expect(got.withExtras).toEqual(whole.withExtras);
  expect(got.details).toEqual(whole.details);
});

it('the compiled pipeline equals mingo on the progress pipeline (flags and county group)', async () => {
  const pipeline = [{ $match: liveTasksMatch(campaignId, drawId) }, ...flagStages(TODAY, publicationCutoff(TODAY)), countyGroupStage(), { $sort: { _id: 1 } }];
  const run = compilePipeline(pipeline as unknown[]);
  expect(run).toBeDefined();
  const compiled = run!(await fresh());
  // mingo's interpretation of these flags and county sums is the city reference's: its pipeline is this one with
  // more fields projected and a $push of the rows after the same sums; its groups without the rows, sorted by
  // mingo as this pipeline's $sort does (the reference's mingo run over every task is not made twice)
  const groups = (await reference()).groups.map(({ rows: _rows, ...g }) => g);
  const interpreted = new Aggregator([{ $sort: { _id: 1 } }]).run(groups);
  expect(compiled.length).toBeGreaterThan(3);
  expect(compiled).toEqual(interpreted);
});

it('the detail pipeline (one projection straight to the row arrays) gives the rows the named projection and a second $project gave', async () => {
  const pipeline = detailPipeline({ campaignId, drawId, today: TODAY });
  // the previous form: flagStages' projection of named fields, sorted, then each row as the array of those fields
  const fields = [...Object.keys(PUSHED), 'county'];
  const previous = [
    { $match: liveTasksMatch(campaignId, drawId) },
    ...flagStages(TODAY, publicationCutoff(TODAY), { _id: 0, ...DETAIL_FIELDS }, {}, { flags: false }),
    { $sort: { no: 1 } },
    { $project: { _id: 0, r: fields.map((k) => `$${k}`) } },
  ];
  const now = compilePipeline(pipeline as unknown[])!(await fresh());
  const before = compilePipeline(previous as unknown[])!(await fresh());
  expect(now.length).toBeGreaterThan(TASKS / 2);
  // the same rows, but for the fields only the extra checklists' counts read (their own read computes them): null
  const unused = ['recordDone', 'extras', 'xAnswers'].map((k) => fields.indexOf(k));
  expect(unused.every((i) => i >= 0)).toBe(true);
  const withoutUnused = (rows: unknown[]) => rows.map((d) => ({ r: (d as { r: unknown[] }).r.map((v, i) => (unused.includes(i) ? null : v)) }));
  expect(before.some((d) => unused.some((i) => (d as { r: unknown[] }).r[i] !== null))).toBe(true);
  expect(now).toEqual(withoutUnused(before));
  // and mingo (the interpreter) reads the previous form the same way
  expect(before).toEqual(new Aggregator(previous as Record<string, unknown>[]).run(await fresh()));
});

it('rowProjection keeps a field the projection keeps as `$field` and refuses a projection without a row field', () => {
  const fields = Object.fromEntries([...Object.keys(PUSHED), 'county'].map((k) => [k, 1]));
  expect(rowProjection({ ...fields, name: '$enterprise.name' }).$project.r.slice(0, 3)).toEqual(['$no', '$state', '$enterprise.name']);
  const { county: _c, ...withoutCounty } = fields;
  expect(() => rowProjection(withoutCounty)).toThrow('county');
  expect(() => rowProjection({ ...fields, state: 0 })).toThrow('excludes state');
});
