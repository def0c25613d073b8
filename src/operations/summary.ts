/**
 * 附件5 《20xx年市级“双随机、一公开”监督检查情况汇总表》: compiled in MongoDB, sent as an .xlsx (exports/summaryXlsx.ts).
 *
 * The notice (运市监质监〔2024〕2号) only names the table: each county reports it to the city bureau by 11月15日, and
 * the city compiles the 通报 from them. Its columns are ours, defined in exports/summaryColumns.ts (the same
 * definitions as operations/progress.ts); the first ones:
 *
 * | column | meaning |
 * |---|---|
 * | 序号, 县（市、区） | the 13 county-level units and 运城开发区, in the official order; then 合计 |
 * | 获证企业数 | licence holders in the registry valid on the campaign's first day (有效期止 ≥ 专项开始日, the draw's own rule) and already licensed when the draw was confirmed (有效期起 ≤ 抽取日) |
 * | 抽查企业数 | live tasks of the confirmed draw (已作废 left out) |
 * | 抽查比例 | 抽查企业数 ÷ 获证企业数 |
 * | 已检查 / 未完成检查 / 检查完成率 | record complete (待公示, 待整改, 已公示) / the rest / 已检查 ÷ 抽查企业数 |
 * | 未发现问题 / 发现问题 | among 已检查 |
 * | 已整改（确认） / 整改中 / 其中：逾期未整改 | among 发现问题: county confirmed the rectification (附件2) / not yet / not yet and past the 附件1 deadline |
 * | 已公示 / 未公示 / 其中：逾期未公示 | among 已检查: published / not yet / not yet and past the 20-working-day due date |
 * | 公示率 | 已公示 ÷ 抽查企业数 (the notice: a check whose result is not published counts as not done) |
 * | 备注 | empty, for the county to fill in |
 *
 * A second sheet, 检查明细, lists every task (one row per enterprise) with its dates, so a county can check the
 * figures and the city can follow up.
 *
 * Scope: the same as /进度 (operations/progress.ts reportScope): leaders and city staff get every county and 合计;
 * a county liaison gets their county's row and the detail of their county's enterprises (their own report to the
 * city), with their unit as 填报单位.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { BSON } from 'bson';
import type { Connection, PipelineStage, Types } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import { publicationDueDate } from '../domain/followup';
import { itemCount, type Answer, type ExtraChecklistSnapshot } from '../domain/inspection';
import { resultByLabel } from '../domain/results';
import { extraRecords } from '../domain/visit';
import { extraChecklistModel } from '../store/extraChecklist';
import type { CampaignDoc } from '../store/campaign';
import type { DrawDoc } from '../store/draw';
import { enterpriseModel } from '../store/enterprise';
import { taskModel, type TaskState } from '../store/task';
import {
  countsFromGroup,
  countyGroupStage,
  flagStages,
  liveTasksMatch,
  orderCounties,
  publicationCutoff,
  reportContext,
  type CountyCounts,
  type ProgressRefusal,
  type ReportScope,
  sumCounts,
  UNNAMED_COUNTY,
} from './progress';
import { LONG_OPERATION } from '../store/timeouts';
import { yielder } from './yielder';
import { DECODE, RowBytesReader } from './detailBytes';

export const CITY_UNIT = '运城市市场监督管理局';

/** One line of the table (a county or 合计). Ratios are fractions (0.25 = 25%), null when the divisor is 0. */
export interface SummaryRow {
  /** 序号 (none on 合计) */
  index?: number;
  county: string;
  registered: number;
  sampled: number;
  sampleRatio: number | null;
  checked: number;
  unfinished: number;
  completionRate: number | null;
  noProblem: number;
  problem: number;
  rectified: number;
  rectifying: number;
  rectOverdue: number;
  published: number;
  unpublished: number;
  pubOverdue: number;
  publicationRate: number | null;
  note: string;
  /** 无法检查 (closure confirmed) */
  closed: number;
  /** among 发现问题: 责令改正, 立案, 移交 */
  ordered: number;
  caseOpened: number;
  transferred: number;
  /** 需列入经营异常名录或信用跟进 */
  credit: number;
  /** tasks per dictionary result (code → n) */
  results: Record<string, number>;
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

export function summaryRow(c: CountyCounts, registered: number, index?: number): SummaryRow {
  return {
    ...(index !== undefined ? { index } : {}),
    county: c.county,
    registered,
    sampled: c.total,
    sampleRatio: ratio(c.total, registered),
    checked: c.checked,
    unfinished: c.total - c.checked,
    completionRate: ratio(c.checked, c.total),
    noProblem: c.noProblem,
    problem: c.problem,
    rectified: c.rectified,
    rectifying: c.rectifying,
    rectOverdue: c.rectOverdue,
    published: c.published,
    unpublished: c.unpublished,
    pubOverdue: c.pubOverdue,
    publicationRate: ratio(c.published, c.total),
    note: '',
    closed: c.closed,
    ordered: c.ordered,
    caseOpened: c.caseOpened,
    transferred: c.transferred,
    credit: c.credit,
    results: { ...c.results },
  };
}

/** The table's rows: one per county (numbered), and the 合计 row unless the table is one county's. */
export function buildSummaryRows(
  counties: readonly CountyCounts[],
  registered: ReadonlyMap<string, number>,
  opts: { withTotal: boolean },
): { rows: SummaryRow[]; total?: SummaryRow } {
  const rows = counties.map((c, i) => summaryRow(c, registered.get(c.county) ?? 0, i + 1));
  if (!opts.withTotal) return { rows };
  const registeredTotal = rows.reduce((n, r) => n + r.registered, 0);
  return { rows, total: summaryRow(sumCounts(counties), registeredTotal) };
}

/** 《2024年市级“双随机、一公开”监督检查情况汇总表》 */
export function summaryTitle(year: number): string {
  return `${year}年市级“双随机、一公开”监督检查情况汇总表`;
}

/** 附件5-2024年市级“双随机、一公开”监督检查情况汇总表[-永济市]-20241115.xlsx */
export function summaryFileName(year: number, today: string, county?: string): string {
  return `附件5-${summaryTitle(year)}${county ? `-${county}` : ''}-${today.replace(/-/g, '')}.xlsx`;
}

/** One task in the 检查明细 sheet. */
export interface SummaryDetail {
  county: string;
  no: number;
  name: string;
  uscc: string;
  licenceNo: string;
  product: string;
  category: string;
  riskClass: string;
  teamLeader: string;
  state: TaskState;
  completionDate: string;
  result: string;
  rectificationDeadline: string;
  rectificationConfirmedOn: string;
  publicationDue: string;
  publishedOn: string;
  /** the result by the dictionary (published, or as it would be published now) and its code; '' before completion */
  resultLabel?: string;
  resultCode?: string;
  /** 立案（案件编号，日期） / 移交（to whom） */
  disposal?: string;
  /** the credit follow-up the result calls for */
  credit?: string;
}

/** 不符合项统计: one county's records of one form and the 不符合 count of each item (index 0 = item 1). */
export interface ItemCounts {
  county: string;
  industrial: { records: number; ng: number[] };
  food: { records: number; ng: number[] };
}

/** One extra checklist (进一次门，查多项事) counted per county. */
export interface ExtraCounts {
  name: string;
  items: { no: number; text: string }[];
  rows: { county: string; records: number; withFindings: number; ngTotal: number; ng: number[] }[];
}

export interface Summary {
  campaign: CampaignDoc;
  draw: DrawDoc;
  today: string;
  scope: ReportScope;
  title: string;
  fileName: string;
  /** 填报单位 */
  unit: string;
  /** 填报人 */
  preparedBy: string;
  rows: SummaryRow[];
  total?: SummaryRow;
  /** 检查明细: in memory, or streamed from the database (summarize; written once, by buildSummaryXlsx) */
  details: readonly SummaryDetail[] | DetailRows;
  /** 不符合项统计 (absent: not compiled) */
  items?: ItemCounts[];
  /** 进一次门查多项事 (absent or empty: the campaign has no extra checklist) */
  extras?: ExtraCounts[];
}

/** 获证企业数 per county (see the module comment), counted in MongoDB. */
export async function registeredCounts(
  conn: Connection,
  input: { from: string; drawDate: string; county?: string },
): Promise<Map<string, number>> {
  const rows = await enterpriseModel(conn).aggregate<{ _id: string; n: number }>([
    {
      $match: {
        ...(input.county !== undefined ? { county: input.county } : {}),
        validTo: { $gte: input.from },
        validFrom: { $lte: input.drawDate },
      },
    },
    { $group: { _id: '$county', n: { $sum: 1 } } },
  ]).option(LONG_OPERATION); // the whole registry
  return new Map(rows.map((r) => [r._id, r.n]));
}

/** A task's row as the detail cursor returns it (missing fields may be absent or null). */
export interface PushedRow {
  no: number;
  state: TaskState;
  name: string;
  uscc: string;
  licenceNo: string;
  product: string;
  category: string;
  riskClass: string;
  /** the names of the team's 组长 (one) */
  teamLeader?: (string | null)[] | null;
  completionDate?: string | null;
  result?: string | null;
  deadline?: string | null;
  confirmedOn?: string | null;
  dueDate?: string | null;
  publishedOn?: string | null;
  resultLabel?: string | null;
  disposalKind?: string | null;
  caseNo?: string | null;
  caseDate?: string | null;
  transferTo?: string | null;
  /** the inspection record is complete (closures not: they have no record) */
  recordDone?: number | null;
  /** the snapshot of the extra checklists and the answers to their steps (empty for a visit without them) */
  extras?: ExtraChecklistSnapshot[] | null;
  xAnswers?: Answer[] | null;
}

const CHECKED: ReadonlySet<string> = new Set(['待公示', '待整改', '已公示']);

/** Every form has this many items (附件3 and 附件4: 9). */
const FORM_ITEMS = itemCount('industrial');
if (itemCount('food') !== FORM_ITEMS) throw new Error('附件3 and 附件4 are expected to have as many items');

/** The 不符合 item numbers of a task, computed once per task before the flags. */
export const NG_ITEMS = {
  _ng: {
    $map: {
      input: { $filter: { input: { $ifNull: ['$inspection.answers', []] }, as: 'a', cond: { $eq: ['$$a.verdict', '不符合'] } } },
      as: 'a',
      in: '$$a.item',
    },
  },
};

/** Fields the 检查明细 rows need, added to the flag projection (the others are projected there already). */
export const DETAIL_FIELDS = {
  uscc: '$enterprise.uscc',
  product: '$enterprise.product',
  category: '$enterprise.category',
  riskClass: '$enterprise.riskClass',
  // the 组长's name only (not the whole team)
  teamLeader: { $map: { input: { $filter: { input: { $ifNull: ['$team', []] }, as: 't', cond: { $eq: ['$$t.role', '组长'] } } }, as: 't', in: '$$t.name' } },
  result: '$inspection.result',
  // the dictionary result (flagStages' `_result`: a closure's reason, 待后续处理/经责令已改正, …), not the record's
  resultLabel: '$_result',
  confirmedOn: '$rectificationCheck.confirmedOn',
  publishedOn: '$publication.publishedOn',
  disposalKind: '$disposal.kind',
  caseNo: '$disposal.caseNo',
  caseDate: '$disposal.caseDate',
  transferTo: '$disposal.transferTo',
  recordDone: { $cond: ['$_checked', 1, 0] },
  extras: '$inspection.extras',
  // only the extra checklists' answers (steps after the form's 9 items): nothing for a visit without them
  xAnswers: { $filter: { input: { $ifNull: ['$inspection.answers', []] }, as: 'a', cond: { $gt: ['$$a.item', FORM_ITEMS] } } },
};

/** The detail row's fields from the flagged task (exported for the tests, which rebuild the per-task computation). */
export const PUSHED: Record<keyof PushedRow, string> = {
  no: '$no',
  state: '$state',
  name: '$name',
  uscc: '$uscc',
  licenceNo: '$licenceNo',
  product: '$product',
  category: '$category',
  riskClass: '$riskClass',
  teamLeader: '$teamLeader',
  completionDate: '$completionDate',
  result: '$result',
  deadline: '$deadline',
  confirmedOn: '$confirmedOn',
  dueDate: '$dueDate',
  publishedOn: '$publishedOn',
  resultLabel: '$resultLabel',
  disposalKind: '$disposalKind',
  caseNo: '$caseNo',
  caseDate: '$caseDate',
  transferTo: '$transferTo',
  recordDone: '$recordDone',
  extras: '$extras',
  xAnswers: '$xAnswers',
};

/**
 * The detail cursor's row: PUSHED's fields and the county, as one array of values in this order (missing ones as
 * null). The driver decodes an array's elements without reading a key for each: a third of the cost of the same
 * row as a document.
 */
export const ROW_FIELDS = [...(Object.keys(PUSHED) as (keyof PushedRow)[]), 'county'] as const;

/**
 * flagStages' last stage, a $project of the row's fields, turned into the $project of the row array itself: each
 * element is the expression of its field (`$field` for a field the projection keeps as it is). The same values
 * (a missing one is null in an array as it is when `$field` reads a field the projection left out), without the
 * document of named fields built first and read again by a second $project.
 */
export function rowProjection(
  fields: Record<string, unknown>,
  /** fields the reader does not use: null in the row, their expressions not computed */
  unused: ReadonlySet<string> = new Set(),
): { $project: { _id: 0; r: unknown[] } } {
  return {
    $project: {
      _id: 0,
      r: ROW_FIELDS.map((k) => {
        if (!Object.prototype.hasOwnProperty.call(fields, k)) throw new Error(`the detail projection lacks ${k}`);
        if (unused.has(k)) return null;
        const v = fields[k];
        if (v === 1 || v === true) return `$${k}`;
        if (typeof v === 'number' || typeof v === 'boolean') throw new Error(`the detail projection excludes ${k}`);
        return v;
      }),
    },
  };
}

/**
 * A county's place in the file's order as an expression over the task: its index in `order` (the counties as
 * summaryCounts ordered them, orderCounties), -1 for a county not there. A task without a county is the
 * UNNAMED_COUNTY row, as countsFromGroup names the null group ($ifNull: missing and null alike, as $group groups
 * them). Nested $cond / $eq rather than $indexOfArray: the same answer on MongoDB, and compiled by the embedded
 * database (store/embedded/pipeline.ts lists the operators it compiles; a pipeline with any other one runs in
 * mingo, seconds for 20,000 tasks).
 */
export function countyRank(order: readonly string[], path = '$enterprise.county'): unknown {
  const county = { $ifNull: [path, UNNAMED_COUNTY] };
  let rank: unknown = -1;
  // $literal: a county name is a value, never a field path (a name starting with "$" would be one)
  for (let i = order.length - 1; i >= 0; i--) rank = { $cond: [{ $eq: [county, { $literal: order[i] }] }, i, rank] };
  return rank;
}

/** The tasks a summary reads: a campaign's draw's live tasks (one county's with `county`), as on `today`. */
export interface TaskSelection {
  campaignId: Types.ObjectId;
  drawId: Types.ObjectId;
  today: string;
  county?: string;
}

/** Row fields read only by the extra checklists' counts (rowsWithExtras, extraCounts). */
const EXTRAS_ONLY: ReadonlySet<string> = new Set(['recordDone', 'extras', 'xAnswers']);

/**
 * The detail rows' pipeline: the live tasks, flagStages' fields without the flags, each row as one array
 * (ROW_FIELDS' order).
 * - With `order` (the counties in the file's order): each row also carries `k`, its county's rank (countyRank),
 *   and `n`, its 抽取序号, and the rows come sorted by both: the order 检查明细 shows them in, so they can be
 *   written as they arrive. (MongoDB's $sort is not stable: the one compound sort, never a sort on `no` first and
 *   one on the county after.)
 * - Without: by 抽取序号 (sorted as stored: the projection keeps `no` as it is).
 * `withExtras`: only the tasks whose record carries extra checklists (for the 进一次门查多项事 counts).
 */
export function detailPipeline(input: TaskSelection & {
  order?: readonly string[];
  withExtras?: boolean;
}): PipelineStage[] {
  const stages = flagStages(input.today, publicationCutoff(input.today), { _id: 0, ...DETAIL_FIELDS }, {}, { flags: false });
  const last = stages[stages.length - 1] as PipelineStage.Project;
  // the 检查明细 rows (detailOfRow) do not read what only the extra checklists' counts need: the answers filtered out
  // of every record, the lists' snapshots
  const row = rowProjection(last.$project as Record<string, unknown>, input.withExtras ? undefined : EXTRAS_ONLY);
  // withExtras: a record carrying an extra checklist has one with a name (ExtraChecklistSnapshot); a range on a string
  // is tested without mingo where the path is missing (most tasks), unlike $exists (store/embedded/match.ts)
  const match = { $match: { ...liveTasksMatch(input.campaignId, input.drawId, input.county), ...(input.withExtras ? { 'inspection.extras.name': { $gte: '' } } : {}) } };
  if (!input.order) return [match, { $sort: { no: 1 } }, ...stages.slice(0, -1), row as PipelineStage.Project];
  return [
    match,
    ...stages.slice(0, -1),
    { $project: { ...row.$project, k: countyRank(input.order), n: '$no' } } as PipelineStage.Project,
    { $sort: { k: 1, n: 1 } },
  ];
}

/**
 * A row of the detail cursor as a PushedRow (with its county): one object literal (ROW_FIELDS' order, checked
 * below), not 24 stores of computed keys, for each of the city's 20,000 rows.
 */
export function rowOf(v: readonly unknown[]): PushedRow & { county?: string | null } {
  return {
    no: v[0],
    state: v[1],
    name: v[2],
    uscc: v[3],
    licenceNo: v[4],
    product: v[5],
    category: v[6],
    riskClass: v[7],
    teamLeader: v[8],
    completionDate: v[9],
    result: v[10],
    deadline: v[11],
    confirmedOn: v[12],
    dueDate: v[13],
    publishedOn: v[14],
    resultLabel: v[15],
    disposalKind: v[16],
    caseNo: v[17],
    caseDate: v[18],
    transferTo: v[19],
    recordDone: v[20],
    extras: v[21],
    xAnswers: v[22],
    county: v[23],
  } as PushedRow & { county?: string | null };
}
{
  // rowOf reads the elements in ROW_FIELDS' order
  const probe = rowOf(ROW_FIELDS.map((_, i) => i)) as unknown as Record<string, unknown>;
  if (Object.keys(probe).length !== ROW_FIELDS.length || ROW_FIELDS.some((k, i) => probe[k] !== i)) throw new Error('rowOf does not follow ROW_FIELDS');
}

/**
 * The 公示期限 shown for a completion date, remembered (a few hundred dates for 20,000 tasks): the calendar walk once
 * each. Where the calendar lacks the year it needs, “待定，约…” with the Monday-to-Friday estimate, as the cards say it.
 */
export function dueDates(): (dueDate: string | null | undefined, completionDate: string) => string {
  const byCompletion = new Map<string, string>();
  const shown = (completionDate: string): string => {
    if (!completionDate) return '';
    const due = publicationDueDate(completionDate);
    return due.known ? due.date : `待定，约${due.estimate}`;
  };
  return (dueDate, completionDate) => {
    if (dueDate) return dueDate;
    let due = byCompletion.get(completionDate);
    if (due === undefined) byCompletion.set(completionDate, (due = shown(completionDate)));
    return due;
  };
}

/** Each field's element in the detail cursor's row array (ROW_FIELDS' order). */
const AT = Object.fromEntries(ROW_FIELDS.map((k, i) => [k, i])) as Record<(typeof ROW_FIELDS)[number], number>;

/** A text element of a row array ('' for a missing one). */
const textAt = (v: readonly unknown[], i: number): string => (v[i] as string | null | undefined) ?? '';

/**
 * The 检查明细 row of a task from the detail cursor's row array (ROW_FIELDS' order), its elements read by position:
 * no PushedRow object built in between for each of the city's 20,000 rows (less garbage). A missing county is
 * UNNAMED_COUNTY.
 */
export function detailOfRow(v: readonly unknown[], dueOf = dueDates()): SummaryDetail {
  const state = v[AT.state] as TaskState;
  const checked = CHECKED.has(state);
  const completionDate = (v[AT.completionDate] as string | null | undefined) ?? '';
  const resultLabel = v[AT.resultLabel] as string | null | undefined;
  const result = resultByLabel(resultLabel);
  const disposalKind = v[AT.disposalKind] as string | null | undefined;
  return {
    county: (v[AT.county] as string | null | undefined) ?? UNNAMED_COUNTY,
    no: v[AT.no] as number,
    name: v[AT.name] as string,
    uscc: v[AT.uscc] as string,
    licenceNo: v[AT.licenceNo] as string,
    product: v[AT.product] as string,
    category: v[AT.category] as string,
    riskClass: v[AT.riskClass] as string,
    teamLeader: (v[AT.teamLeader] as (string | null)[] | null | undefined)?.[0] ?? '',
    state,
    completionDate: checked ? completionDate : '',
    result: checked ? textAt(v, AT.result) : '',
    rectificationDeadline: checked ? textAt(v, AT.deadline) : '',
    rectificationConfirmedOn: textAt(v, AT.confirmedOn),
    publicationDue: checked ? dueOf(v[AT.dueDate] as string | null | undefined, completionDate) : '',
    publishedOn: textAt(v, AT.publishedOn),
    resultLabel: resultLabel ?? '',
    resultCode: result?.code ?? '',
    disposal: disposalKind === '立案' ? `立案（${textAt(v, AT.caseNo)}，${textAt(v, AT.caseDate)}）` : disposalKind === '移交' ? `移交（${textAt(v, AT.transferTo)}）` : '',
    credit: result?.credit ?? '',
  };
}

/** The same from a PushedRow and its county (detailOfRow of the row array it was read from). */
export function detailOf(county: string, r: PushedRow, dueOf = dueDates()): SummaryDetail {
  return detailOfRow(
    ROW_FIELDS.map((k) => (k === 'county' ? county : r[k])),
    dueOf,
  );
}

/** Per form, the flags the 不符合项统计 adds up: a complete record of that form, and its item k answered 不符合. */
const FOOD = '食品相关产品';
const isFood = { $eq: ['$enterprise.category', FOOD] };
/** A complete record of each form, decided once per task (with NG_ITEMS, before the flags that use it). */
const RECORD_FIELDS = { _rec_i: { $and: ['$_checked', { $not: [isFood] }] }, _rec_f: { $and: ['$_checked', isFood] } };
const ITEM_FLAGS: Record<string, unknown> = (() => {
  const out: Record<string, unknown> = {};
  for (const form of ['i', 'f'] as const) {
    const record = `$_rec_${form}`;
    out[`rec_${form}`] = { $cond: [record, 1, 0] };
    for (let k = 1; k <= FORM_ITEMS; k++) out[`ng_${form}${k}`] = { $cond: [{ $and: [record, { $in: [k, '$_ng'] }] }, 1, 0] };
  }
  return out;
})();

/** The accumulators of ITEM_FLAGS in the county $group. */
const ITEM_SUMS = Object.fromEntries(Object.keys(ITEM_FLAGS).map((k) => [k, { $sum: `$${k}` }]));

type ItemGroupRow = Record<string, number>;

function itemsFromGroup(county: string, row: ItemGroupRow): ItemCounts {
  const c = emptyItems(county);
  for (const [form, key] of [['industrial', 'i'], ['food', 'f']] as const) {
    c[form].records = row[`rec_${key}`] ?? 0;
    c[form].ng = Array.from({ length: FORM_ITEMS }, (_, k) => row[`ng_${key}${k + 1}`] ?? 0);
  }
  return c;
}

/**
 * The counts per county and the 不符合项统计, from one pipeline: $match → flags (and per-form item flags) →
 * $group by county. Only the per-county documents come back (one per county), never a document per task.
 */
export async function summaryCounts(
  conn: Connection,
  input: TaskSelection,
): Promise<{ counties: CountyCounts[]; items: Map<string, ItemCounts> }> {
  const groups = await taskModel(conn)
    .aggregate<Parameters<typeof countsFromGroup>[0] & ItemGroupRow>([
      { $match: liveTasksMatch(input.campaignId, input.drawId, input.county) },
      ...flagStages(input.today, publicationCutoff(input.today), ITEM_FLAGS, { ...NG_ITEMS, ...RECORD_FIELDS }),
      countyGroupStage(ITEM_SUMS),
    ])
    .option(LONG_OPERATION); // the 附件5 summary runs over up to tens of thousands of tasks
  const items = new Map<string, ItemCounts>();
  const counties = orderCounties(
    groups.map((g) => {
      const c = countsFromGroup(g);
      items.set(c.county, itemsFromGroup(c.county, g));
      return c;
    }),
    input.county,
  );
  return { counties, items };
}

/**
 * Rows of the detail cursor per batch: 2,500 (a row array is about 370 bytes on the wire: some 0.9 MB a reply, the
 * city's 20,000 tasks in eight). The driver copies a reply out of the socket's chunks into one fresh buffer and
 * indexes the batch's elements, both in one synchronous go before any row can be read: for one 20,000-row reply
 * (7.3 MB) that alone held the event loop for 90–160 ms on this machine beside callbacks (fresh megabytes are
 * slow to touch), against a few ms per 0.9 MB reply. The rows of a batch are then decoded DETAIL_SLICE at a time.
 */
const DETAIL_BATCH = 2_500;
/** Rows decoded and handed to the writer at a time (it looks at the clock, yielder, after each slice). */
const DETAIL_SLICE = 50;

/**
 * The 检查明细 rows in the order the file shows them, a few at a time as the database sends them, read once: the
 * writer (exports/summaryXlsx.ts) writes each slice and drops it, so only the batches received and not yet written
 * are alive (the one being written, and those of the reads asked for ahead: a few batches, never the 20,000 rows).
 */
export interface DetailRows extends AsyncIterable<readonly SummaryDetail[]> {
  /** rows handed out so far */
  readonly count: number;
  /**
   * The same rows as ByteSlices (instead of the iterator; read once either way): from the cursor's bytes, the texts
   * of BYTE_FIELDS that need no care left there for the writer to copy (operations/detailBytes.ts).
   */
  bytes?(): AsyncIterable<ByteSlice>;
  /** Ends the reading (the cursor closed); also when nothing was read. Safe to call twice. */
  close(): Promise<void>;
}

/** Rows already in memory as DetailRows (built workbooks in tests and scripts; the same writer as the cursor's). */
export function rowsInMemory(details: readonly SummaryDetail[]): DetailRows {
  let count = 0;
  return {
    get count() {
      return count;
    },
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < details.length; i += DETAIL_SLICE) {
        const slice = details.slice(i, i + DETAIL_SLICE);
        count += slice.length;
        yield slice;
      }
    },
    close: async () => undefined,
  };
}

/** Raw documents taken out of the driver's buffer between two turns of the event loop (RawBatches.next). */
const DRAIN = 250;

/** A cursor's batches as raw BSON, one batch always asked for ahead of the one being read. */
interface RawBatches {
  /** the next batch (empty at the end) */
  next(): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/**
 * The driver's cursor itself (mongoose's would add a chain of promises per row), its batches as raw BSON: a batch
 * is taken out of the cursor's buffer whole (no row decoded yet), which empties it, so that the next hasNext asks
 * for the next batch (getMore) at once, while this one is decoded and written. The driver sends the aggregate on
 * the first hasNext: asked here, at once.
 */
function rawBatches(conn: Connection, pipeline: PipelineStage[], batchSize: number): RawBatches {
  const cursor = taskModel(conn).collection.aggregate<Uint8Array>(pipeline, { ...LONG_OPERATION, batchSize, raw: true });
  let ahead: Promise<boolean> = cursor.hasNext();
  ahead.catch(() => undefined); // reported to the reader (or ignored by close)
  let closed = false;
  return {
    async next() {
      if (closed || !(await ahead)) return [];
      // out of the driver's buffer DRAIN documents at a time, the event loop getting a turn between: the driver
      // hands out a raw document in some µs, but a whole batch of 2,500 at once held the loop ~20 ms
      const batch: Uint8Array[] = [];
      for (;;) {
        for (const doc of cursor.readBufferedDocuments(DRAIN) as unknown as Uint8Array[]) batch.push(doc);
        if (cursor.bufferedCount() === 0 || closed) break;
        await turn();
      }
      ahead = cursor.hasNext();
      ahead.catch(() => undefined);
      return batch;
    },
    async close() {
      if (closed) return;
      closed = true;
      // a batch in flight arrives first (a cursor whose aggregate is in flight has no id to kill yet)
      await ahead.catch(() => undefined);
      await cursor.close();
    },
  };
}

/**
 * A read's rows, batch after batch, decoded DETAIL_SLICE at a time (the reader gives the event loop its turns between
 * slices), as the driver decodes a document (its default options, UTF-8 checked): `r` the row (ROW_FIELDS' order),
 * `k` its county's rank where the pipeline ranks them (detailPipeline with `order`).
 */
async function* decodedSlices(read: RawBatches): AsyncGenerator<{ r: unknown[]; k?: number }[]> {
  for (let batch = await read.next(); batch.length > 0; batch = await read.next()) {
    for (let i = 0; i < batch.length; i += DETAIL_SLICE) {
      yield batch.slice(i, i + DETAIL_SLICE).map((bytes) => BSON.deserialize(bytes, DECODE) as { r: unknown[]; k?: number });
    }
  }
}

/**
 * The fields of 检查明细 whose texts may go from the cursor's bytes into the sheet as they are (inline columns of
 * exports/summaryColumns.ts, checked there).
 */
export const BYTE_FIELDS = ['name', 'uscc', 'licenceNo'] as const;
const BYTE_AT = BYTE_FIELDS.map((k) => ROW_FIELDS.indexOf(k));

/**
 * A slice of 检查明细 rows read from the cursor's bytes (DetailRows.bytes): `details` the rows, where a BYTE_FIELDS
 * text left in the row's document is undefined; `docs` the rows' documents; `spans` per row, per BYTE_FIELDS field,
 * the start and end of that text in the row's document (-1: the text is the detail's).
 */
export interface ByteSlice {
  details: SummaryDetail[];
  docs: Uint8Array[];
  spans: Int32Array;
}

/**
 * A read's rows, batch after batch, DETAIL_SLICE at a time, read from their bytes (operations/detailBytes.ts) by
 * `reader` (one for all the reads: a value with the bytes of the row before's is not decoded again); rows of a
 * county not in the order (`k` -1) left out, as openDetailRows' iterator leaves them.
 */
async function* byteSlices(read: RawBatches, reader: RowBytesReader, dueOf: ReturnType<typeof dueDates>): AsyncGenerator<ByteSlice> {
  const width = BYTE_FIELDS.length * 2;
  for (let batch = await read.next(); batch.length > 0; batch = await read.next()) {
    for (let i = 0; i < batch.length; i += DETAIL_SLICE) {
      const end = Math.min(batch.length, i + DETAIL_SLICE);
      const details: SummaryDetail[] = [];
      const docs: Uint8Array[] = [];
      const spans = new Int32Array((end - i) * width);
      for (let j = i; j < end; j++) {
        const k = reader.row(batch[j]!);
        if (!(k! >= 0)) continue;
        spans.set(reader.spans, details.length * width);
        docs.push(reader.bytes);
        details.push(detailOfRow(reader.elements, dueOf));
      }
      yield { details, docs, spans };
    }
  }
}

/**
 * The counties (indices into `order`) read by one aggregate each: consecutive counties, up to `rows` rows a read
 * (a county with more is a read of its own, in several batches). `sizes`: rows per county (the counts').
 */
export function detailReads(order: readonly string[], sizes: readonly number[], rows: number): number[][] {
  const reads: number[][] = [];
  let current: number[] = [];
  let n = 0;
  order.forEach((_, i) => {
    const size = sizes[i] ?? 0;
    if (current.length > 0 && n + size > rows) {
      reads.push(current);
      current = [];
      n = 0;
    }
    current.push(i);
    n += size;
  });
  if (current.length > 0) reads.push(current);
  return reads;
}

/** Reads asked for ahead of the one being read (each computed by the database while the previous are written). */
const READS_AHEAD = 2;

/**
 * The 检查明细 rows in the file's order (detailPipeline with the counties' `order`), asked for at once: the
 * database computes them while the caller does other work (the rest of the workbook), then they are read batch by
 * batch. With `sizes` (the rows of each county, from the counts) and no one-county scope, the counties are read
 * by several aggregates of about a batch each (detailReads), in order, a few asked for ahead: the database
 * computes the next while the rows of one are written, instead of all 20,000 (and their sort) before the first.
 * Rows of a county not in `order` (a task written between the counts and this read) are left out, as the table
 * has no row for them.
 */
export function openDetailRows(
  conn: Connection,
  input: TaskSelection & {
    order: readonly string[];
    /** rows per county in `order` (summaryCounts' totals): read in several aggregates */
    sizes?: readonly number[];
    /** rows per batch (DETAIL_BATCH when not given; the tests read in smaller ones to go through several) */
    batchSize?: number;
  },
): DetailRows {
  const batchSize = input.batchSize ?? DETAIL_BATCH;
  const { order } = input;
  // each read's pipeline: its counties by $in; the one with 未注明县区 by $nin of the others' (a missing or null
  // county is neither; a county outside `order` comes there too, ranked -1 and left out)
  const reads = input.sizes && input.county === undefined ? detailReads(order, input.sizes, batchSize) : [order.map((_, i) => i)];
  // one pipeline for every read (building it walks the calendar back for the publication cutoff: some ms), each
  // read's with its own $match
  const stages = detailPipeline(input);
  const pipelines = reads.map((read) => {
    if (reads.length === 1) return stages;
    const names = read.map((i) => order[i]!);
    const others = order.filter((_, i) => !read.includes(i));
    const county = names.includes(UNNAMED_COUNTY) ? { $nin: others } : { $in: names };
    const first = stages[0] as PipelineStage.Match;
    return [{ $match: { ...first.$match, 'enterprise.county': county } }, ...stages.slice(1)];
  });
  /** the reads asked for so far; a read once written is closed and let go (its last reply with it) */
  const opened: (RawBatches | undefined)[] = [];
  const openUpTo = (i: number) => {
    while (opened.length <= Math.min(i, pipelines.length - 1)) opened.push(rawBatches(conn, pipelines[opened.length]!, batchSize));
  };
  openUpTo(0);
  let count = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const o of opened) await o?.close();
  };
  /** the reads in order, each closed once read (all of them when the reading ends, however it ends) */
  async function* eachRead(): AsyncGenerator<RawBatches> {
    if (closed) throw new Error('the detail rows were read already');
    try {
      for (let k = 0; k < pipelines.length; k++) {
        openUpTo(k + READS_AHEAD);
        yield opened[k]!;
        await opened[k]!.close();
        opened[k] = undefined;
      }
    } finally {
      await close();
    }
  }
  return {
    get count() {
      return count;
    },
    // each row decoded whole (BSON.deserialize), as a SummaryDetail
    async *[Symbol.asyncIterator]() {
      const dueOf = dueDates();
      for await (const read of eachRead()) {
        for await (const slice of decodedSlices(read)) {
          const out: SummaryDetail[] = [];
          for (const sent of slice) if (sent.k! >= 0) out.push(detailOfRow(sent.r, dueOf));
          count += out.length;
          yield out;
        }
      }
    },
    async *bytes() {
      const dueOf = dueDates();
      const reader = new RowBytesReader(ROW_FIELDS.length, BYTE_AT);
      for await (const read of eachRead()) {
        for await (const slice of byteSlices(read, reader, dueOf)) {
          count += slice.details.length;
          yield slice;
        }
      }
    },
    close,
  };
}

/** Rows per batch of the records carrying extra checklists: each holds its lists' items and answers (a few KB). */
const EXTRAS_BATCH = 250;

/**
 * The complete records carrying extra checklists, by 抽取序号 (extrasInOrder puts them in the counties' order): what
 * extraCounts adds up. In a campaign that uses extra checklists that is most inspected tasks (each visit started
 * after a list was imported carries it), so they are read like the detail rows: in batches of EXTRAS_BATCH,
 * decoded DETAIL_SLICE at a time, the event loop getting a turn every few milliseconds.
 */
export async function rowsWithExtras(
  conn: Connection,
  input: TaskSelection,
): Promise<PushedRow[]> {
  const read = rawBatches(conn, detailPipeline({ ...input, withExtras: true }), EXTRAS_BATCH);
  const out: PushedRow[] = [];
  const tick = yielder(8);
  try {
    for await (const slice of decodedSlices(read)) {
      for (const sent of slice) {
        const r = rowOf(sent.r);
        if (r.recordDone && r.extras && r.extras.length > 0) out.push(r);
      }
      await tick();
    }
  } finally {
    await read.close();
  }
  return out;
}

/** Rows carrying extra checklists (by 抽取序号) per county, in the counties' order; other counties' left out. */
function extrasInOrder(rows: readonly (PushedRow & { county?: string | null })[], counties: readonly CountyCounts[]): Map<string, PushedRow[]> {
  const byCounty = new Map<string, PushedRow[]>();
  for (const r of rows) {
    const county = r.county ?? UNNAMED_COUNTY;
    let list = byCounty.get(county);
    if (!list) byCounty.set(county, (list = []));
    list.push(r);
  }
  const out = new Map<string, PushedRow[]>();
  for (const c of counties) {
    const x = byCounty.get(c.county);
    if (x) out.set(c.county, x);
  }
  return out;
}

/**
 * The 检查明细 rows (the one part of 附件5 that is per task) in the official county order (`counties`, as
 * summaryCounts gives them), then by 抽取序号, all read; and the rows carrying extra checklists, for the
 * 进一次门查多项事 counts. (summarize streams the rows instead: openDetailRows.)
 */
export async function summaryDetails(
  conn: Connection,
  input: TaskSelection & {
    counties: readonly CountyCounts[];
    batchSize?: number;
  },
): Promise<{ details: SummaryDetail[]; withExtras: Map<string, PushedRow[]> }> {
  const withExtras = extrasInOrder(await rowsWithExtras(conn, input), input.counties);
  const details: SummaryDetail[] = [];
  for await (const slice of openDetailRows(conn, { ...input, order: input.counties.map((c) => c.county) })) details.push(...slice);
  return { details, withExtras };
}

/** Everything 附件5 shows, for `scope`, on the day of `now`. */
export async function compileSummary(
  conn: Connection,
  now: Date,
  input: { scope: ReportScope; campaignName?: string; unit?: string; preparedBy?: string },
): Promise<({ ok: true } & Summary & { details: DetailRows }) | ProgressRefusal> {
  const today = shanghaiDate(now);
  const ctx = await reportContext(conn, today, input.campaignName);
  if (!ctx.ok) return ctx;
  return { ok: true, ...(await summarize(conn, { ...input, campaign: ctx.campaign, draw: ctx.draw, today })) };
}

/**
 * The compilation itself (also what the benchmark times, with the xlsx build). The small answers first: the
 * counts, 获证企业数, the extra checklists and the rows carrying them; then the detail rows are asked for in the
 * file's order (which the counts give) and returned unread (`details`, a DetailRows that buildSummaryXlsx writes
 * as the batches arrive, and closes): the database computes them while the rest of the workbook is built.
 */
export async function summarize(
  conn: Connection,
  input: { scope: ReportScope; campaign: CampaignDoc; draw: DrawDoc; today: string; unit?: string; preparedBy?: string; batchSize?: number },
): Promise<Summary & { details: DetailRows }> {
  const { campaign, draw, today, scope } = input;
  const county = scope.kind === 'county' ? scope.county : undefined;
  const drawDate = shanghaiDate(draw.confirmedAt ?? draw.createdAt);
  const which = { campaignId: campaign._id, drawId: draw._id, today, county };
  const countsRead = summaryCounts(conn, which);
  const othersRead = Promise.all([
    registeredCounts(conn, { from: campaign.from, drawDate, county }),
    extraChecklistModel(conn).find({ campaignId: campaign._id }).sort({ createdAt: 1, name: 1 }).lean(),
    rowsWithExtras(conn, which),
  ]);
  othersRead.catch(() => undefined); // reported below, unless the counts failed first
  const { counties, items } = await countsRead;
  const details = openDetailRows(conn, { ...which, order: counties.map((c) => c.county), sizes: counties.map((c) => c.total), batchSize: input.batchSize });
  // the detail rows' first reads are asked for already: closed if what follows fails (a read, a stored record it
  // cannot count)
  try {
    const [registered, lists, xRows] = await othersRead;
    const extras = extraCounts(extrasInOrder(xRows, counties), lists);
    const { rows, total } = buildSummaryRows(counties, registered, { withTotal: scope.kind === 'city' });
    return {
      campaign,
      draw,
      today,
      scope,
      title: summaryTitle(campaign.year),
      fileName: summaryFileName(campaign.year, today, county),
      unit: input.unit ?? (county ? `${county}市场监督管理局` : CITY_UNIT),
      preparedBy: input.preparedBy ?? '',
      rows,
      ...(total ? { total } : {}),
      details,
      items: orderCounties(counties, county).map((c) => items.get(c.county) ?? emptyItems(c.county)),
      extras: extras.map((x) => ({ ...x, rows: orderCounties(counties, county).map((c) => x.rows.find((r) => r.county === c.county) ?? emptyExtraRow(c.county, x.items.length)) })),
    };
  } catch (err) {
    await details.close();
    throw err;
  }
}

// ---- 不符合项统计 and 进一次门查多项事 ---------------------------------------------------------------------------------

function emptyItems(county: string): ItemCounts {
  return {
    county,
    industrial: { records: 0, ng: Array.from({ length: itemCount('industrial') }, () => 0) },
    food: { records: 0, ng: Array.from({ length: itemCount('food') }, () => 0) },
  };
}

function emptyExtraRow(county: string, n: number): ExtraCounts['rows'][number] {
  return { county, records: 0, withFindings: 0, ngTotal: 0, ng: Array.from({ length: n }, () => 0) };
}

/**
 * Per extra checklist (by name: the campaign's current lists first, then any other a visit carried), per county: the
 * complete records that carried it, those with a 不符合, and the 不符合 of each item (by its 序号).
 */
export function extraCounts(
  rowsByCounty: ReadonlyMap<string, readonly PushedRow[]>,
  current: readonly { name: string; items: { no: number; text: string }[] }[],
): ExtraCounts[] {
  const lists = new Map<string, ExtraCounts>();
  const listOf = (name: string, items: readonly { no: number; text: string }[]) => {
    let l = lists.get(name);
    if (!l) lists.set(name, (l = { name, items: items.map((i) => ({ no: i.no, text: i.text })), rows: [] }));
    return l;
  };
  for (const c of current) listOf(c.name, c.items);
  for (const [county, rows] of rowsByCounty) {
    for (const r of rows) {
      if (!r.recordDone || !r.extras || r.extras.length === 0) continue;
      const kind = r.category === '食品相关产品' ? 'food' : 'industrial';
      for (const x of extraRecords(kind, r.extras, r.xAnswers ?? [])) {
        const list = listOf(x.name, x.items);
        let row = list.rows.find((e) => e.county === county);
        if (!row) list.rows.push((row = emptyExtraRow(county, list.items.length)));
        row.records += 1;
        let any = false;
        for (const it of x.items) {
          if (it.answer?.verdict !== '不符合') continue;
          const idx = list.items.findIndex((i) => i.no === it.no);
          if (idx < 0) continue;
          row.ng[idx] = (row.ng[idx] ?? 0) + 1;
          row.ngTotal += 1;
          any = true;
        }
        if (any) row.withFindings += 1;
      }
    }
  }
  return [...lists.values()];
}
