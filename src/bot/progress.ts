/**
 * /进度 (progress digest), /汇总 (附件5 as .xlsx) and the digest card's 下载附件5汇总表 button.
 * Scope rules: operations/progress.ts reportScope (leaders and 市局 staff: all counties; a county liaison: their
 * county; anyone else: refused, pointed to /我的任务). The audience lists every role so that the handler, not the
 * router, explains the refusal; people not in the staff registry are refused by the router.
 */
import { z } from 'zod';
import { compileProgress, narrowScope, reportScope, type ReportScope } from '../operations/progress';
import { CITY_UNIT, compileSummary } from '../operations/summary';
import type { Recipient } from '../platform/outbox';
import type { Actor } from '../policies';
import type { StaffMember } from '../store/staff';
import { md } from './cards';
import { PMSG, progressCard, refusalCard, summaryCard } from './progressCards';
import { defineAction, type CommandContext, type CommandSpec } from './router';

const AUDIENCE = ['领导', '联络员', '组长', '执法人员', '专家'] as const;
const KNOWN_ARGS = new Set(['专项', '县区']);

/** Checks the arguments and the caller's scope; answers the refusal itself and returns undefined. */
async function scopeFor(ctx: CommandContext, command: string, usage: string): Promise<ReportScope | undefined> {
  const { args, positional } = ctx.command;
  const unknown = [...Object.keys(args).filter((k) => !KNOWN_ARGS.has(k)).map((k) => `${k}=${args[k]}`), ...positional];
  if (unknown.length > 0) {
    await ctx.reply(refusalCard(PMSG.badArgsTitle, PMSG.badArgs(unknown.join(' '), usage)));
    return undefined;
  }
  const base = reportScope(ctx.actor);
  if (!base) {
    await ctx.reply(refusalCard(PMSG.notAllowedTitle, PMSG.notAllowed(command)));
    return undefined;
  }
  const scope = narrowScope(base, args['县区']);
  if ('refused' in scope) {
    await ctx.reply(refusalCard(PMSG.badArgsTitle, md(scope.refused)));
    return undefined;
  }
  return scope;
}

/** 填报单位: a county liaison's own unit; otherwise the city bureau, or the county bureau for a one-county table. */
function unitFor(scope: ReportScope, actor: Actor, staff: StaffMember | null): string {
  if (scope.kind === 'city') return CITY_UNIT;
  if (actor.county === scope.county && staff?.unit) return staff.unit;
  return scope.county === '运城开发区' ? '运城开发区分局' : `${scope.county}市场监督管理局`;
}

export const progressCommand: CommandSpec = {
  id: 'progress',
  names: ['进度', 'progress'],
  confidential: true,
  audience: AUDIENCE,
  offeredTo: (actor) => reportScope(actor) !== null,
  usage: '/进度 [县区=名称]',
  summary: '查看检查进度：各状态数量、逾期未公示和整改逾期',
  detail:
    '领导和市局人员看全市（各县区一览），县区联络员看本县区；列出逾期未公示、整改逾期的企业。' +
    '市局人员可加“县区=永济市”只看一个县区。县区执法人员、专家请用 /我的任务 查看自己的任务。每个工作日 8:30 领导还会收到进度日报。',
  async handle(ctx) {
    const usage = '/进度 [县区=名称] [专项=名称]';
    const scope = await scopeFor(ctx, '/进度', usage);
    if (!scope) return;
    const now = ctx.deps.now();
    const report = await compileProgress(ctx.deps.conn, now, { scope, campaignName: ctx.command.args['专项'] });
    if (!report.ok) return ctx.reply(refusalCard(report.title, md(report.reason)));
    await ctx.reply(progressCard(report, { at: now }));
  },
};

async function buildSummaryFile(
  deps: CommandContext['deps'],
  scope: ReportScope,
  actor: Actor,
  staff: StaffMember | null,
  campaignName: string | undefined,
) {
  return summaryFile(deps.conn, deps.now(), { scope, campaignName, unit: unitFor(scope, actor, staff), preparedBy: staff?.name ?? '' });
}

/**
 * 附件5 as /汇总 sends it: the summary compiled in the database, then the workbook. `compiled` is called once the
 * summary's small answers are in (the counts; the detail rows then stream into the workbook): the bench's split
 * (platform/benchProbe.ts, which times this very function in the service's process).
 */
export async function summaryFile(
  conn: Parameters<typeof compileSummary>[0],
  now: Date,
  input: Parameters<typeof compileSummary>[2],
  compiled?: () => void,
) {
  const summary = await compileSummary(conn, now, input);
  if (!summary.ok) return summary;
  compiled?.();
  // exceljs loads on the first /汇总, not at service start (src/heavyModules.ts); the detail rows, asked for
  // already, are written as they arrive (buildSummaryXlsx closes their cursor whatever happens)
  const loaded = import('../exports/summaryXlsx');
  loaded.catch(() => summary.details.close().catch(() => undefined));
  const { buildSummaryXlsx } = await loaded;
  const data = await buildSummaryXlsx(summary);
  return { ...summary, data };
}

export const summaryCommand: CommandSpec = {
  id: 'summary',
  names: ['汇总', 'summary'],
  audience: AUDIENCE,
  offeredTo: (actor) => reportScope(actor) !== null,
  usage: '/汇总 [县区=名称]',
  summary: '生成附件5《监督检查情况汇总表》（Excel 文件）',
  detail:
    '发送 /汇总，我会生成附件5《市级“双随机、一公开”监督检查情况汇总表》并以 Excel 文件发到本会话：' +
    '领导和市局人员得到全市各县区及合计，县区联络员得到本县区（可直接上报市局）。第二个工作表是逐家企业的检查明细。' +
    '市局人员可加“县区=永济市”只生成一个县区。',
  async handle(ctx) {
    const scope = await scopeFor(ctx, '/汇总', '/汇总 [县区=名称] [专项=名称]');
    if (!scope) return;
    const built = await buildSummaryFile(ctx.deps, scope, ctx.actor, ctx.staff, ctx.command.args['专项']);
    if (!built.ok) return ctx.reply(refusalCard(built.title, md(built.reason)));
    const m = ctx.message;
    // The detail sheet names people and unpublished results: the file goes to the requester's own chat.
    const to: Recipient = { openId: m.senderOpenId };
    await ctx.reply(summaryCard(built));
    await ctx.deps.outbox.sendFile(`summary:file:${m.messageId}`, to, { name: built.fileName, type: 'xls', data: built.data });
  },
};

/** 下载附件5汇总表 on a progress card: the file goes to the clicker's 1:1 chat. */
export const summarySendAction = defineAction({
  name: 'summary.send',
  schema: z.object({ a: z.literal('summary.send') }),
  async handle(ctx) {
    const scope = reportScope(ctx.actor);
    if (!scope) return { toast: { type: 'error', content: '仅限领导、市局工作人员（专家库的专家除外）和县区联络员下载汇总表' } };
    const built = await buildSummaryFile(ctx.deps, scope, ctx.actor, ctx.staff, undefined);
    if (!built.ok) return { toast: { type: 'error', content: built.reason } };
    await ctx.deps.outbox.sendFile(`summary:file:${ctx.action.eventId}`, { openId: ctx.actor.openId }, {
      name: built.fileName,
      type: 'xls',
      data: built.data,
    });
    return { toast: { type: 'success', content: PMSG.summaryToast } };
  },
});

export function progressCommands(): CommandSpec[] {
  return [progressCommand, summaryCommand];
}

export function progressActions() {
  return [summarySendAction];
}
