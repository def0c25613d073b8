/**
 * 附件5 《20xx年市级“双随机、一公开”监督检查情况汇总表》: compiled in MongoDB, sent as an .xlsx (exports/summaryXlsx.ts).
 *
 * The notice (运市监质监〔2024〕2号) only names the table: each county reports it to the city bureau by 11月15日, and
 * the city compiles the 通报 from them. Its columns are ours (the same definitions as operations/progress.ts):
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
import type { Connection, Types } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import type { CampaignDoc } from '../store/campaign';
import type { DrawDoc } from '../store/draw';
import { enterpriseModel } from '../store/enterprise';
import { taskModel, type TaskState } from '../store/task';
import {
  countsFromGroup,
  countyGroupStage,
  dueDateOf,
  flagStages,
  liveTasksMatch,
  orderCounties,
  publicationCutoff,
  reportContext,
  type CountyCounts,
  type ProgressRefusal,
  type ReportScope,
  sumCounts,
} from './progress';
import { LONG_OPERATION } from '../store/timeouts';

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
  details: SummaryDetail[];
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

/** A task as pushed into its county's group (missing fields may be absent or null). */
interface PushedRow {
  no: number;
  state: TaskState;
  name: string;
  uscc: string;
  licenceNo: string;
  product: string;
  category: string;
  riskClass: string;
  teamNames?: string[] | null;
  teamRoles?: string[] | null;
  completionDate?: string | null;
  result?: string | null;
  deadline?: string | null;
  confirmedOn?: string | null;
  dueDate?: string | null;
  publishedOn?: string | null;
}

const CHECKED: ReadonlySet<string> = new Set(['待公示', '待整改', '已公示']);

/** Fields the 检查明细 rows need, added to the flag projection (the others are projected there already). */
const DETAIL_FIELDS = {
  uscc: '$enterprise.uscc',
  product: '$enterprise.product',
  category: '$enterprise.category',
  riskClass: '$enterprise.riskClass',
  teamNames: '$team.name',
  teamRoles: '$team.role',
  result: '$inspection.result',
  confirmedOn: '$rectificationCheck.confirmedOn',
  publishedOn: '$publication.publishedOn',
};

const PUSHED: Record<keyof PushedRow, string> = {
  no: '$no',
  state: '$state',
  name: '$name',
  uscc: '$uscc',
  licenceNo: '$licenceNo',
  product: '$product',
  category: '$category',
  riskClass: '$riskClass',
  teamNames: '$teamNames',
  teamRoles: '$teamRoles',
  completionDate: '$completionDate',
  result: '$result',
  deadline: '$deadline',
  confirmedOn: '$confirmedOn',
  dueDate: '$dueDate',
  publishedOn: '$publishedOn',
};

export function detailOf(county: string, r: PushedRow): SummaryDetail {
  const checked = CHECKED.has(r.state);
  const completionDate = r.completionDate ?? '';
  const leader = (r.teamRoles ?? []).indexOf('组长');
  return {
    county,
    no: r.no,
    name: r.name,
    uscc: r.uscc,
    licenceNo: r.licenceNo,
    product: r.product,
    category: r.category,
    riskClass: r.riskClass,
    teamLeader: leader >= 0 ? (r.teamNames?.[leader] ?? '') : '',
    state: r.state,
    completionDate: checked ? completionDate : '',
    result: checked ? (r.result ?? '') : '',
    rectificationDeadline: checked ? (r.deadline ?? '') : '',
    rectificationConfirmedOn: r.confirmedOn ?? '',
    publicationDue: checked ? (dueDateOf({ dueDate: r.dueDate ?? undefined, completionDate: completionDate || undefined }) ?? '') : '',
    publishedOn: r.publishedOn ?? '',
  };
}

/**
 * One pass over the tasks: $match → flags (plus the detail fields) → $group by county with the counts and a $push
 * of the county's rows. One document per county comes back (each far below 16 MB: a county has at most a few
 * thousand licence holders), so neither a $facet nor a second query over the tasks is needed.
 * Rows come back in the official county order, then by 抽取序号.
 */
export async function countiesWithDetails(
  conn: Connection,
  input: { campaignId: Types.ObjectId; drawId: Types.ObjectId; today: string; county?: string },
): Promise<{ counties: CountyCounts[]; details: SummaryDetail[] }> {
  const groups = await taskModel(conn).aggregate<Parameters<typeof countsFromGroup>[0] & { rows: PushedRow[] }>([
    { $match: liveTasksMatch(input.campaignId, input.drawId, input.county) },
    ...flagStages(input.today, publicationCutoff(input.today), DETAIL_FIELDS),
    countyGroupStage({ rows: { $push: PUSHED } }),
  ]).option(LONG_OPERATION); // the 附件5 summary runs over up to tens of thousands of tasks
  const counties = orderCounties(groups.map(countsFromGroup), input.county);
  const byCounty = new Map(groups.map((g) => [countsFromGroup(g).county, g.rows]));
  const details: SummaryDetail[] = [];
  for (const c of counties) {
    const rows = [...(byCounty.get(c.county) ?? [])].sort((a, b) => a.no - b.no);
    for (const r of rows) details.push(detailOf(c.county, r));
  }
  return { counties, details };
}

/** Everything 附件5 shows, for `scope`, on the day of `now`. */
export async function compileSummary(
  conn: Connection,
  now: Date,
  input: { scope: ReportScope; campaignName?: string; unit?: string; preparedBy?: string },
): Promise<({ ok: true } & Summary) | ProgressRefusal> {
  const today = shanghaiDate(now);
  const ctx = await reportContext(conn, today, input.campaignName);
  if (!ctx.ok) return ctx;
  return { ok: true, ...(await summarize(conn, { ...input, campaign: ctx.campaign, draw: ctx.draw, today })) };
}

/** The compilation itself (also what the benchmark times, with the xlsx build). */
export async function summarize(
  conn: Connection,
  input: { scope: ReportScope; campaign: CampaignDoc; draw: DrawDoc; today: string; unit?: string; preparedBy?: string },
): Promise<Summary> {
  const { campaign, draw, today, scope } = input;
  const county = scope.kind === 'county' ? scope.county : undefined;
  const drawDate = shanghaiDate(draw.confirmedAt ?? draw.createdAt);
  const [{ counties, details }, registered] = await Promise.all([
    countiesWithDetails(conn, { campaignId: campaign._id, drawId: draw._id, today, county }),
    registeredCounts(conn, { from: campaign.from, drawDate, county }),
  ]);
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
  };
}
