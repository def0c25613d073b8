/**
 * Progress of a campaign's inspections (/进度, the daily digest) and the per-county counts the 附件5 summary is built
 * from. Everything is counted in MongoDB by one aggregation; only the per-county rows and the few overdue tasks
 * named in the digest come back.
 *
 * Which tasks: the campaign's confirmed draw, 已作废 left out (a redraw voids the tasks of the draw it supersedes).
 *
 * Scope (who sees what), `reportScope`:
 * - 领导 (whatever their county) and anyone whose 所属县区 is 市局 (city liaison, 组长, city officers, experts) → all
 *   counties;
 * - a county 联络员 → their county only;
 * - anyone else (county 执法人员 / 专家 / 组长) → refused, pointed to /我的任务 for their own tasks: a county officer's
 *   own tasks are already listed there, and county totals are the liaison's and the leaders' business.
 *
 * Definitions (every count is of tasks; one task = one drawn enterprise):
 * - 已检查: the record is complete (every member signed): state 待公示, 待整改 or 已公示. A reopened record is not.
 * - 发现问题: 已检查 and (result 发现问题, or state 待整改, or a rectification confirmed); 未发现问题: the other 已检查.
 * - 已整改（确认）: 发现问题 with `rectificationCheck.confirmedOn`; 整改中: 发现问题 without it;
 *   整改逾期: 整改中 and the working day `inspection.rectification.deadline` ends on (followup.ts periodEnd) < today.
 * - 已公示: state 已公示 or `publication.publishedOn` set; 未公示: 已检查 and not 已公示;
 *   逾期未公示: 未公示 and its due date < today — `publication.dueDate` when the task has one, otherwise 20 working
 *   days after the completion date (`inspection.completionDate`; a confirmed closure's `closure.confirmedOn`)
 *   (运市监质监〔2024〕2号: 自任务完成之日起20个工作日内公示). The fallback is
 *   expressed as a completion-date cutoff computed here (the latest completion date whose due date is already past),
 *   so the pipeline only compares strings; when the calendar has no data for the year it needs (chinese-days lacks
 *   next year's holidays until the State Council publishes them), only explicit due dates count.
 * - 未开始: state 待接收 or 待检查.
 * - 无法检查 (closed): the team recorded that the firm could not be inspected and the 组长 confirmed it
 *   (closure.status 'confirmed'); it counts as 已检查 (the task is done) but neither as 未发现问题 nor 发现问题.
 * - 责令改正 / 立案 / 移交: among 发现问题, the county's follow-up (disposal); 责令改正 = no 立案/移交 recorded.
 *   整改中 and 整改逾期 leave out 立案/移交 (there is no rectification to confirm).
 * - Result (domain/results.ts): the published result when published, else the result the task would be published
 *   with now (a closure's reason; 未发现问题; 发现问题经责令已改正 once confirmed; else 发现问题待后续处理); one count
 *   per dictionary entry (`results`), and 信用跟进 = the results that call for a credit follow-up (无法联系, 不配合).
 *
 * The pipeline uses only $match, $addFields, $project, $facet, $group, $sort, $limit and the expression operators
 * $cond, $and, $or, $not, $in, $eq, $gt, $lt, $lte, $ifNull: the same on MongoDB 7 and on the test wire server.
 */
import type { Connection, PipelineStage, Types } from 'mongoose';
import { addWorkingDays, CalendarDataMissingError, shanghaiDate } from '../domain/calendar';
import { dayBefore, periodEnd, rectificationOverdueCutoff, workingDaysBetweenLenient } from '../domain/followup';
import { addCalendarDays } from '../domain/inspection';
import { RESULT_CODES, RESULT_DICTIONARY, resultByCode, resultKey } from '../domain/results';
import { YUNCHENG_COUNTIES } from '../domain/registryRows';
import { isCityWide, type Actor } from '../policies';
import { campaignModel, type CampaignDoc } from '../store/campaign';
import { drawModel, type DrawDoc } from '../store/draw';
import { taskModel, type TaskState } from '../store/task';
import { findActiveCampaign } from './campaigns';
import { countyReportStatus, type CountyReportStatus } from './countyReports';
import { LONG_OPERATION } from '../store/timeouts';

// ---- scope ------------------------------------------------------------------------------------------------------

export type ReportScope = { kind: 'city' } | { kind: 'county'; county: string };

/** Who sees which counties (see the module comment); null = not allowed (their own tasks are in /我的任务). */
export function reportScope(actor: Actor): ReportScope | null {
  if (actor.roles.length === 0) return null;
  if (isCityWide(actor)) return { kind: 'city' };
  if (actor.roles.includes('联络员') && actor.county) return { kind: 'county', county: actor.county };
  return null;
}

/** Narrows a city scope to one county on request (县区=…); a county scope may only name its own county. */
export function narrowScope(scope: ReportScope, county: string | undefined): ReportScope | { refused: string } {
  if (county === undefined || county === '' || county === '全市') return scope;
  if (scope.kind === 'county') return county === scope.county ? scope : { refused: `您只能查看${scope.county}的情况` };
  if (!YUNCHENG_COUNTIES.includes(county)) return { refused: `“县区”应为${YUNCHENG_COUNTIES.join('、')}之一，收到“${county}”` };
  return { kind: 'county', county };
}

// ---- counts -----------------------------------------------------------------------------------------------------

/** The states a live task can be in, in workflow order. */
export const OPEN_STATES = ['待接收', '待检查', '检查中', '待签字', '待确认', '待整改', '待公示', '已公示'] as const satisfies readonly TaskState[];
export type OpenState = (typeof OPEN_STATES)[number];

/** ASCII keys for the states inside the pipeline. */
const STATE_KEYS: Record<OpenState, string> = {
  待接收: 's_received',
  待检查: 's_toInspect',
  检查中: 's_inspecting',
  待签字: 's_signing',
  待确认: 's_closing',
  待整改: 's_rectifying',
  待公示: 's_toPublish',
  已公示: 's_published',
};

const FLAG_KEYS = [
  'checked',
  'noProblem',
  'problem',
  'rectified',
  'rectifying',
  'rectOverdue',
  'published',
  'unpublished',
  'pubOverdue',
  'notStarted',
  'closed',
  'ordered',
  'caseOpened',
  'transferred',
  'credit',
] as const;

/** Per result of the dictionary (code → tasks), in RESULT_DICTIONARY order. */
export type ResultCounts = Record<string, number>;

function emptyResults(): ResultCounts {
  return Object.fromEntries(RESULT_DICTIONARY.map((r) => [r.code, 0]));
}

export interface CountyCounts {
  county: string;
  /** 抽查企业数: live tasks */
  total: number;
  byState: Record<OpenState, number>;
  /** 已检查 */
  checked: number;
  noProblem: number;
  problem: number;
  /** 已整改（确认） */
  rectified: number;
  /** 整改中 (includes the overdue ones) */
  rectifying: number;
  /** 整改逾期 */
  rectOverdue: number;
  published: number;
  /** 已检查 but not 已公示 (includes the overdue ones) */
  unpublished: number;
  /** 逾期未公示 */
  pubOverdue: number;
  /** 待接收 + 待检查 */
  notStarted: number;
  /** 无法检查 (closure confirmed) */
  closed: number;
  /** among 发现问题: 责令改正 (no 立案/移交), 立案, 移交 */
  ordered: number;
  caseOpened: number;
  transferred: number;
  /** results calling for the 经营异常 / 信用 follow-up (无法联系, 不配合) */
  credit: number;
  /** tasks per dictionary result (published, or as it would be published now) */
  results: ResultCounts;
}

export function emptyCounts(county: string): CountyCounts {
  const byState = Object.fromEntries(OPEN_STATES.map((s) => [s, 0])) as Record<OpenState, number>;
  return {
    county,
    total: 0,
    byState,
    checked: 0,
    noProblem: 0,
    problem: 0,
    rectified: 0,
    rectifying: 0,
    rectOverdue: 0,
    published: 0,
    unpublished: 0,
    pubOverdue: 0,
    notStarted: 0,
    closed: 0,
    ordered: 0,
    caseOpened: 0,
    transferred: 0,
    credit: 0,
    results: emptyResults(),
  };
}

/** Adds up rows (the 合计 row). */
export function sumCounts(rows: readonly CountyCounts[], county = '合计'): CountyCounts {
  const total = emptyCounts(county);
  for (const r of rows) {
    total.total += r.total;
    for (const s of OPEN_STATES) total.byState[s] += r.byState[s];
    for (const k of FLAG_KEYS) total[k] += r[k];
    for (const code of Object.keys(total.results)) total.results[code] = (total.results[code] ?? 0) + (r.results[code] ?? 0);
  }
  return total;
}

/**
 * Rows in the official order (the 13 county-level units, then 运城开发区), then any other county names the tasks
 * carry, alphabetically. With `only`, just that county (a zero row when it has no task).
 */
export function orderCounties(rows: readonly CountyCounts[], only?: string): CountyCounts[] {
  const byName = new Map(rows.map((r) => [r.county, r]));
  if (only !== undefined) return [byName.get(only) ?? emptyCounts(only)];
  const known = new Set(YUNCHENG_COUNTIES);
  const extra = rows
    .map((r) => r.county)
    .filter((c) => !known.has(c))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...YUNCHENG_COUNTIES, ...extra].map((c) => byName.get(c) ?? emptyCounts(c));
}

/**
 * The latest completion date whose publication deadline (20 working days later) is before `today`, or null when
 * the calendar lacks a year it needs. Tasks without `publication.dueDate` are overdue when completed on or before it.
 */
export function publicationCutoff(today: string, workingDays = 20): string | null {
  try {
    // Due dates grow with the completion date, so walk back from `today` to the first date already past due.
    let d = addCalendarDays(today, 0);
    for (let i = 0; i < 400; i++) {
      if (addWorkingDays(d, workingDays) < today) return d;
      d = dayBefore(d);
    }
    return null;
  } catch (err) {
    if (err instanceof CalendarDataMissingError) return null;
    throw err;
  }
}

/** The publication due date of a task: the stored one, else 20 working days after completion (undefined if unknown). */
export function dueDateOf(task: { dueDate?: string; completionDate?: string }): string | undefined {
  if (task.dueDate) return task.dueDate;
  if (!task.completionDate) return undefined;
  try {
    return addWorkingDays(task.completionDate, 20);
  } catch (err) {
    if (err instanceof CalendarDataMissingError) return undefined;
    throw err;
  }
}

/**
 * "12个工作日" between a past date and today, for overdue publications and rectifications alike; on Monday to Friday
 * where the calendar lacks a year, as the reminders count them (domain/followup.ts workingDaysBetweenLenient), so a
 * leader reads the same number in the digest as the reminders say.
 */
export function lateness(since: string, today: string): string {
  return `${workingDaysBetweenLenient(since, today)}个工作日`;
}

const cond = (expr: unknown) => ({ $cond: [expr, 1, 0] });
const present = (path: string) => ({ $gt: [{ $ifNull: [path, ''] }, ''] });

/** $match of the live tasks of a draw (optionally one county). */
export function liveTasksMatch(campaignId: Types.ObjectId, drawId: Types.ObjectId, county?: string): Record<string, unknown> {
  return {
    campaignId,
    ...(county !== undefined ? { 'enterprise.county': county } : {}),
    drawId,
    state: { $ne: '已作废' },
  };
}

/**
 * Stages that turn each task into {county, state, flags…} (0/1) plus the `extra` projected fields.
 * `cutoff`: see publicationCutoff. Shared by the progress digest and the 附件5 summary, so both count the same way.
 */
export function flagStages(
  today: string,
  cutoff: string | null,
  extra: Record<string, unknown> = {},
  /** fields added in the second $addFields (after _checked … are known), for `extra` to use */
  extraAddFields: Record<string, unknown> = {},
  /** false: the task's fields and `extra` only, without the 0/1 flags (rows that are not counted) */
  opts: { flags?: boolean } = {},
): PipelineStage[] {
  const completed = { $in: ['$state', ['待公示', '待整改', '已公示']] };
  const closed = { $eq: ['$closure.status', 'confirmed'] };
  const checked = { $and: [completed, { $not: [closed] }] };
  const confirmed = present('$rectificationCheck.confirmedOn');
  const disposed = present('$disposal.kind');
  const published = { $or: [{ $eq: ['$state', '已公示'] }, present('$publication.publishedOn')] };
  const due = { $ifNull: ['$publication.dueDate', ''] };
  // completionDateOf (domain/outcome.ts): a confirmed closure's clock runs from the 组长's confirmation
  const completion = { $cond: [closed, '$closure.confirmedOn', '$inspection.completionDate'] };
  const pastDue = {
    $cond: [
      { $gt: [due, ''] },
      { $lt: [due, today] },
      cutoff === null ? false : { $lte: [{ $ifNull: [completion, '9999-12-31'] }, cutoff] },
    ],
  };
  const label = (code: string) => resultByCode(code)!.label;
  const flagFields = opts.flags === false ? {} : flagProjection(pastDue, rectificationOverdueCutoff(today));
  return [
    {
      $addFields: {
        _completed: completed,
        _closed: closed,
        _checked: checked,
        _confirmed: confirmed,
        _disposed: disposed,
        _published: published,
        _problem: {
          $and: [checked, { $or: [{ $eq: ['$inspection.result', '发现问题'] }, { $eq: ['$state', '待整改'] }, confirmed] }],
        },
      },
    },
    {
      $addFields: {
        _result: {
          $cond: [
            { $and: ['$_published', present('$publication.result')] },
            '$publication.result',
            {
              $cond: [
                '$_closed',
                { $ifNull: ['$closure.result', ''] },
                {
                  $cond: [
                    '$_checked',
                    {
                      $cond: [
                        '$_problem',
                        { $cond: ['$_confirmed', label(RESULT_CODES.rectified), label(RESULT_CODES.pending)] },
                        label(RESULT_CODES.noProblem),
                      ],
                    },
                    '',
                  ],
                },
              ],
            },
          ],
        },
        ...extraAddFields,
      },
    },
    {
      $project: {
        county: '$enterprise.county',
        state: 1,
        no: 1,
        name: '$enterprise.name',
        licenceNo: '$enterprise.licenceNo',
        completionDate: completion,
        dueDate: '$publication.dueDate',
        deadline: '$inspection.rectification.deadline',
        result: '$_result',
        ...(opts.flags === false ? {} : flagFields),
        ...extra,
      },
    },
  ];
}

/** The 0/1 flags flagStages' $project computes from its $addFields (see the module comment for their meaning). */
function flagProjection(pastDue: unknown, rectCutoff: string): Record<string, unknown> {
  return {
    checked: cond('$_completed'),
    noProblem: cond({ $and: ['$_checked', { $not: ['$_problem'] }] }),
    problem: cond('$_problem'),
    rectified: cond({ $and: ['$_problem', '$_confirmed'] }),
    rectifying: cond({ $and: ['$_problem', { $not: ['$_confirmed'] }, { $not: ['$_disposed'] }] }),
    rectOverdue: cond({
      $and: [
        '$_problem',
        { $not: ['$_confirmed'] },
        { $not: ['$_disposed'] },
        { $lte: [{ $ifNull: ['$inspection.rectification.deadline', '9999-12-31'] }, rectCutoff] },
      ],
    }),
    published: cond('$_published'),
    unpublished: cond({ $and: ['$_completed', { $not: ['$_published'] }] }),
    pubOverdue: cond({ $and: ['$_completed', { $not: ['$_published'] }, pastDue] }),
    notStarted: cond({ $in: ['$state', ['待接收', '待检查']] }),
    closed: cond('$_closed'),
    ordered: cond({ $and: ['$_problem', { $not: ['$_disposed'] }] }),
    caseOpened: cond({ $and: ['$_problem', { $eq: ['$disposal.kind', '立案'] }] }),
    transferred: cond({ $and: ['$_problem', { $eq: ['$disposal.kind', '移交'] }] }),
    credit: cond({ $in: ['$_result', RESULT_DICTIONARY.filter((r) => r.credit).map((r) => r.label)] }),
    ...Object.fromEntries(RESULT_DICTIONARY.map((r) => [resultKey(r.code), cond({ $eq: ['$_result', r.label] })])),
  };
}

/** $group of flagged tasks by county; `extra` adds accumulators (e.g. a $push of the rows). */
export function countyGroupStage(extra: Record<string, unknown> = {}): PipelineStage.Group {
  const group: Record<string, unknown> = { _id: '$county', total: { $sum: 1 }, ...extra };
  for (const s of OPEN_STATES) group[STATE_KEYS[s]] = { $sum: cond({ $eq: ['$state', s] }) };
  for (const k of FLAG_KEYS) group[k] = { $sum: `$${k}` };
  for (const r of RESULT_DICTIONARY) group[resultKey(r.code)] = { $sum: `$${resultKey(r.code)}` };
  return { $group: group as PipelineStage.Group['$group'] };
}

type GroupRow = { _id: string | null; total: number } & Record<string, number>;

/** The county of tasks whose enterprise names none. */
export const UNNAMED_COUNTY = '（未注明县区）';

export function countsFromGroup(row: GroupRow): CountyCounts {
  const c = emptyCounts(row._id ?? UNNAMED_COUNTY);
  c.total = row.total ?? 0;
  for (const s of OPEN_STATES) c.byState[s] = row[STATE_KEYS[s]] ?? 0;
  for (const k of FLAG_KEYS) c[k] = row[k] ?? 0;
  for (const r of RESULT_DICTIONARY) c.results[r.code] = row[resultKey(r.code)] ?? 0;
  return c;
}

export interface OverdueTask {
  no: number;
  name: string;
  county: string;
  licenceNo: string;
  /** the publication due date, or the working day the rectification period ends on (followup.ts periodEnd) */
  date: string;
  /** a rectification deadline as 附件1 states it, when that is a rest day (so `date` is the next working day) */
  statedDate?: string;
  completionDate?: string;
}

interface OverdueRow {
  no: number;
  name: string;
  county: string;
  licenceNo: string;
  completionDate?: string;
  dueDate?: string;
  deadline?: string;
}

export interface ProgressReport {
  campaign: CampaignDoc;
  draw: DrawDoc;
  today: string;
  scope: ReportScope;
  /** ordered (see orderCounties) */
  counties: CountyCounts[];
  total: CountyCounts;
  /** the longest overdue first, at most `top` */
  overduePublications: OverdueTask[];
  overdueRectifications: OverdueTask[];
  /** city scope: which counties have sent their 情况汇报 (due 11-15) */
  countyReports?: CountyReportStatus;
}

export type ProgressRefusal = { ok: false; title: string; reason: string };

/** The campaign reports refer to (by name, or the active one) and its confirmed draw. */
export async function reportContext(
  conn: Connection,
  today: string,
  campaignName?: string,
): Promise<{ ok: true; campaign: CampaignDoc; draw: DrawDoc } | ProgressRefusal> {
  const campaign = campaignName
    ? await campaignModel(conn).findOne({ name: campaignName }).sort({ year: -1 }).lean<CampaignDoc>()
    : await findActiveCampaign(conn, today);
  if (!campaign) {
    return campaignName
      ? { ok: false, title: '没有这个专项', reason: `没有名为“${campaignName}”的专项。不带“专项=”时查看当前年度的专项。` }
      : { ok: false, title: '暂无专项', reason: '当前没有进行中的专项，暂无检查进度。' };
  }
  // The latest confirmed attempt: for a moment after a crash mid-redraw two attempts may both be 'confirmed'.
  const draw = await drawModel(conn)
    .findOne({ campaignId: campaign._id, status: 'confirmed' })
    .sort({ attempt: -1 })
    .lean<DrawDoc>();
  if (!draw) return { ok: false, title: '尚未抽取', reason: `“${campaign.name}”尚未确认抽取，还没有检查任务。` };
  return { ok: true, campaign, draw };
}

/**
 * Counts per county (and the 合计) for a draw, the overdue tasks first named. One aggregation:
 * $match → flags → $facet {counties: $group by county; pub: overdue publications; rect: overdue rectifications}.
 */
export async function countProgress(
  conn: Connection,
  input: { campaignId: Types.ObjectId; drawId: Types.ObjectId; today: string; scope: ReportScope; top?: number },
): Promise<{ counties: CountyCounts[]; total: CountyCounts; overduePublications: OverdueTask[]; overdueRectifications: OverdueTask[] }> {
  const top = input.top ?? 5;
  const county = input.scope.kind === 'county' ? input.scope.county : undefined;
  const cutoff = publicationCutoff(input.today);
  const pipeline: PipelineStage[] = [
    { $match: liveTasksMatch(input.campaignId, input.drawId, county) },
    ...flagStages(input.today, cutoff),
    {
      $facet: {
        counties: [countyGroupStage()],
        // $limit must be positive on MongoDB: with top 0 the lists are not asked for at all
        ...(top > 0
          ? {
              pub: [{ $match: { pubOverdue: 1 } }, { $sort: { completionDate: 1, no: 1 } }, { $limit: top }],
              rect: [{ $match: { rectOverdue: 1 } }, { $sort: { deadline: 1, no: 1 } }, { $limit: top }],
            }
          : {}),
      },
    },
  ];
  const [out] = await taskModel(conn)
    .aggregate<{ counties: GroupRow[]; pub?: OverdueRow[]; rect?: OverdueRow[] }>(pipeline)
    .option(LONG_OPERATION); // tens of thousands of tasks: longer than an ordinary operation may take
  const counties = orderCounties((out?.counties ?? []).map(countsFromGroup), county);
  const item = (r: OverdueRow, date: string | undefined, stated?: string): OverdueTask => ({
    no: r.no,
    name: r.name,
    county: r.county,
    licenceNo: r.licenceNo,
    date: date ?? '',
    ...(stated && stated !== date ? { statedDate: stated } : {}),
    ...(r.completionDate ? { completionDate: r.completionDate } : {}),
  });
  // a deadline on a rest day ends on the next working day, as the reminders read it (followup.ts dueReminders)
  const rectItem = (r: OverdueRow): OverdueTask => item(r, r.deadline ? periodEnd(r.deadline) : undefined, r.deadline);
  return {
    counties,
    total: sumCounts(counties),
    overduePublications: (out?.pub ?? []).map((r) => item(r, dueDateOf(r))),
    overdueRectifications: (out?.rect ?? []).map(rectItem),
  };
}

/** /进度 and the digest: the report for `scope` on the day of `now`. */
export async function compileProgress(
  conn: Connection,
  now: Date,
  input: { scope: ReportScope; campaignName?: string; top?: number },
): Promise<({ ok: true } & ProgressReport) | ProgressRefusal> {
  const today = shanghaiDate(now);
  const ctx = await reportContext(conn, today, input.campaignName);
  if (!ctx.ok) return ctx;
  const counts = await countProgress(conn, {
    campaignId: ctx.campaign._id,
    drawId: ctx.draw._id,
    today,
    scope: input.scope,
    top: input.top,
  });
  const countyReports = input.scope.kind === 'city' ? await countyReportStatus(conn, ctx.campaign) : undefined;
  return { ok: true, campaign: ctx.campaign, draw: ctx.draw, today, scope: input.scope, ...counts, ...(countyReports ? { countyReports } : {}) };
}
