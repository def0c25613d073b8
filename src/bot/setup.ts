/**
 * The yearly set-up in chat (docs/interfaces.md "Set-up in chat"), for a 市局联络员 or an administrator listed in
 * ADMIN_OPEN_IDS (policies.ts maySetUp):
 * - a file sent in the 1:1 chat (registries, holiday calendar, extra checklists, the platform's draw; routed here by
 *   bot/fileIntake.ts) → a dry-run preview card → `确认导入` / `取消` (the platform's draw is confirmed by its own
 *   action: bot/platformDraw.ts);
 * - `/专项` lists campaigns; `/专项 新建 …` previews one → `确认创建`;
 * - `/导入` explains which files to send.
 */
import { Types } from 'mongoose';
import { z } from 'zod';
import { isIsoDate } from '../domain/population';
import { RISK_CLASSES } from '../domain/types';
import {
  CampaignError,
  createCampaign,
  listCampaigns,
  parseRatio,
  parseRiskRatios,
  validateCampaign,
  type CampaignInput,
} from '../operations/campaigns';
import { activeCampaignOfYear, campaignPopulation } from '../operations/setup/campaignPreview';
import { cancelSetupUpload, confirmSetupUpload, receiveSetupFile, type Sender } from '../operations/setup/chatImport';
import { formatOf, RegistryFileError } from '../operations/registryFile';
import { maySetUp, type Actor } from '../policies';
import type { StaffMember } from '../store/staff';
import type { SetupUploadDoc } from '../store/setupUpload';
import type { CallbackResponse } from '../platform/events';
import { md, type CardJson } from './cards';
import { downloadFile } from './fileDownload';
import { platformPreviewCard } from './platformDrawCards';
import { defineAction, patchReply, roleList, type ActionContext, type CommandSpec, type FileContext } from './router';
import {
  calendarPreviewCard,
  calendarResultCard,
  CAMPAIGN_USAGE,
  campaignCreatedCard,
  campaignListCard,
  campaignPreviewCard,
  checklistPreviewCard,
  checklistResultCard,
  closedPreviewCard,
  fileRefusedCard,
  importHelpCard,
  notImportedCard,
  registryPreviewCard,
  registryResultCard,
  SETUP_MSG,
  setupMessageCard,
} from './setupCards';

function senderOf(actor: Actor, staff: StaffMember | null): Sender {
  return { openId: actor.openId, name: staff?.name ?? (actor.admin ? '系统管理员' : actor.openId), actor };
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/).transform((s) => new Types.ObjectId(s));

// ---- files ---------------------------------------------------------------------------------------------------------

/**
 * The preview card of an older file that a newer one superseded is updated in place, so that no dead button stays
 * (`card`: the closed card to show; the set-up's by default).
 */
export async function closeSuperseded(
  ctx: { deps: ActionContext['deps'] },
  superseded: readonly SetupUploadDoc[],
  card: (old: SetupUploadDoc) => CardJson = (old) => closedPreviewCard(old, 'superseded'),
): Promise<void> {
  for (const old of superseded) await patchReply(ctx.deps, old.messageId, `setup:superseded:${String(old._id)}`, card(old));
}

/**
 * A file from someone who may do the set-up (bot/fileIntake.ts decides who gets here): recognised by its header row
 * and answered with a dry-run preview card (`确认导入` / `取消`) or the reason it cannot be imported.
 */
export async function setupFile(ctx: FileContext, fileName: string, downloaded?: Buffer): Promise<void> {
  try {
    formatOf(fileName);
  } catch (err) {
    if (!(err instanceof RegistryFileError)) throw err;
    await ctx.reply(fileRefusedCard(fileName, { code: 'format', message: err.message }));
    return;
  }
  const data = downloaded ?? (await downloadFile(ctx, SETUP_MSG.refusedTitle(fileName)));
  if (!data) return;
  const received = await receiveSetupFile(ctx.deps, { messageId: ctx.message.messageId, fileName, data, by: senderOf(ctx.actor, ctx.staff) });
  if (!received.ok) {
    await ctx.reply(fileRefusedCard(fileName, received.refusal));
    return;
  }
  if (received.kind === 'calendar') await ctx.reply(calendarPreviewCard(fileName, data.length, received.preview, received.upload));
  else if (received.kind === 'platformDraw') await ctx.reply(platformPreviewCard(fileName, data.length, received.preview, received.upload));
  else if (received.kind === 'checklists') await ctx.reply(checklistPreviewCard(fileName, data.length, received.report, received.upload));
  else await ctx.reply(registryPreviewCard(fileName, data.length, received.outcome, received.upload));
  await closeSuperseded(ctx, received.superseded);
}

function refusedClick(why: string, upload: SetupUploadDoc | undefined, reason?: readonly string[]): CallbackResponse {
  if (upload && why === 'changed' && reason && reason.length > 0) {
    return { toast: { type: 'error', content: '没有导入：文件已不能按预览导入' }, card: { type: 'raw', data: notImportedCard(upload, reason) } };
  }
  const toastText = SETUP_MSG.staleToast[why as keyof typeof SETUP_MSG.staleToast] ?? SETUP_MSG.staleToast.missing;
  const type = why === 'imported' || why === 'importing' ? 'info' : 'error';
  if (upload && (why === 'imported' || why === 'cancelled' || why === 'superseded' || why === 'expired')) {
    return { toast: { type, content: toastText }, card: { type: 'raw', data: closedPreviewCard(upload, why) } };
  }
  if (upload && (why === 'corrupt' || why === 'changed')) {
    return { toast: { type, content: toastText }, card: { type: 'raw', data: closedPreviewCard(upload, 'expired') } };
  }
  return { toast: { type, content: toastText } };
}

function notAllowedToast(): CallbackResponse {
  return { toast: { type: 'error', content: `只有${roleList('setup')}可以导入` } };
}

export const setupImportAction = defineAction({
  name: 'setup.import',
  schema: z.object({ a: z.literal('setup.import'), u: objectId }),
  async handle(ctx, value) {
    if (!maySetUp(ctx.actor)) return notAllowedToast();
    const outcome = await confirmSetupUpload(ctx.deps, { uploadId: value.u, by: senderOf(ctx.actor, ctx.staff) });
    if (!outcome.ok) return refusedClick(outcome.why, outcome.upload, outcome.reason);
    if (outcome.kind === 'checklists') {
      return { toast: { type: 'success', content: '检查表已导入' }, card: { type: 'raw', data: checklistResultCard(outcome.upload, outcome.report) } };
    }
    if (outcome.kind === 'calendar') {
      return {
        toast: { type: 'success', content: `已导入${outcome.imported.calendar.year}年节假日安排` },
        card: { type: 'raw', data: calendarResultCard(outcome.upload, outcome.imported) },
      };
    }
    return { toast: { type: 'success', content: '已导入' }, card: { type: 'raw', data: registryResultCard(outcome.upload, outcome.outcome, outcome.handedOver) } };
  },
});

export const setupCancelAction = defineAction({
  name: 'setup.cancel',
  schema: z.object({ a: z.literal('setup.cancel'), u: objectId }),
  async handle(ctx, value) {
    if (!maySetUp(ctx.actor)) return notAllowedToast();
    const outcome = await cancelSetupUpload(ctx.deps, { uploadId: value.u, by: senderOf(ctx.actor, ctx.staff) });
    if (!outcome.ok) return refusedClick(outcome.why, outcome.upload);
    return { toast: { type: 'info', content: '已取消，没有导入' }, card: { type: 'raw', data: closedPreviewCard(outcome.upload, 'cancelled') } };
  },
});

// ---- /专项 -----------------------------------------------------------------------------------------------------------

const CAMPAIGN_KEYS = ['名称', '年度', '开始', '结束', '比例', '分类比例'] as const;
type CampaignKey = (typeof CAMPAIGN_KEYS)[number];

class ArgumentError extends Error {}

/**
 * `名称=… 年度=… …` → values by key. A value runs up to the next known `key=`, so a name may contain spaces.
 * Anything before the first key, or an unknown key, is an error naming it.
 */
export function parseCampaignArgs(text: string): Partial<Record<CampaignKey, string>> {
  const normalised = text.replace(/[＝]/g, '=').trim();
  const pattern = new RegExp(`(?:^|\\s)(${CAMPAIGN_KEYS.join('|')})=`, 'g');
  const marks = [...normalised.matchAll(pattern)].map((m) => ({ key: m[1] as CampaignKey, start: m.index!, valueStart: m.index! + m[0].length }));
  const before = (marks[0] ? normalised.slice(0, marks[0].start) : normalised).trim();
  if (before !== '') throw new ArgumentError(`不认识“${before}”（参数应写成 名称=值 的形式）。用法：${CAMPAIGN_USAGE}`);
  const out: Partial<Record<CampaignKey, string>> = {};
  marks.forEach((m, i) => {
    const value = normalised.slice(m.valueStart, marks[i + 1]?.start ?? normalised.length).trim();
    if (out[m.key] !== undefined) throw new ArgumentError(`参数“${m.key}”出现了两次。用法：${CAMPAIGN_USAGE}`);
    const stray = /\s([^\s=]+=)/.exec(value);
    if (m.key !== '名称' && stray) throw new ArgumentError(`不认识参数“${stray[1]!.slice(0, -1)}”。用法：${CAMPAIGN_USAGE}`);
    out[m.key] = value;
  });
  return out;
}

function need(args: Partial<Record<CampaignKey, string>>, key: CampaignKey): string {
  const v = args[key];
  if (v === undefined || v === '') throw new ArgumentError(`缺少参数“${key}”。用法：${CAMPAIGN_USAGE}`);
  return v;
}

function asArgument<T>(key: CampaignKey, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CampaignError) throw new ArgumentError(`参数“${key}”：${err.message}`);
    throw err;
  }
}

/** Which argument a refusal of validateCampaign (operations/campaigns.ts) is about. */
function argumentOf(message: string): CampaignKey {
  if (message.startsWith('专项名称')) return '名称';
  if (message.startsWith('全市抽查比例')) return '比例';
  if (/^[A-D]类抽查比例/.test(message)) return '分类比例';
  if (message.startsWith('年度')) return '年度';
  if (message.startsWith('结束日期')) return '结束';
  return '开始';
}

/** The campaign a `/专项 新建 …` describes; throws ArgumentError naming the argument and the accepted form. */
function campaignInput(args: Partial<Record<CampaignKey, string>>): CampaignInput {
  const name = need(args, '名称');
  const yearText = need(args, '年度');
  if (!/^\d{4}$/.test(yearText)) throw new ArgumentError(`参数“年度”应为四位年份，如 年度=2027；收到“${md(yearText)}”`);
  const date = (key: '开始' | '结束'): string => {
    const v = need(args, key);
    if (!isIsoDate(v)) throw new ArgumentError(`参数“${key}”应为日期 YYYY-MM-DD，如 ${key}=${yearText}-0${key === '开始' ? '3-01' : '9-30'}；收到“${md(v)}”`);
    return v;
  };
  const from = date('开始');
  const to = date('结束');
  const ratio = asArgument('比例', () => parseRatio(need(args, '比例'), '全市抽查比例'));
  const riskRatios = args['分类比例'] === undefined ? undefined : asArgument('分类比例', () => parseRiskRatios(args['分类比例']!, '分类比例'));
  const input: CampaignInput = { name, year: Number(yearText), from, to, ratio, riskRatios };
  try {
    validateCampaign(input);
  } catch (err) {
    if (!(err instanceof CampaignError)) throw err;
    throw new ArgumentError(`参数“${argumentOf(err.message)}”：${err.message}。用法：${CAMPAIGN_USAGE}`);
  }
  return input;
}

const campaignCommand: CommandSpec = {
  id: 'campaign',
  names: ['专项', 'campaign'],
  audience: 'setup',
  usage: '/专项 [新建 名称=… 年度=… 开始=… 结束=… 比例=…]',
  summary: '查看专项；新建本年度专项（预览后确认）',
  detail: `发送 /专项 查看全部专项。新建：${CAMPAIGN_USAGE}。全市抽查比例不低于25%；同一年度只能有一个进行中的专项；预览会列出抽取范围（许可证在开始日有效的企业，按类别、风险等级和县区计数），点击“确认创建”后才创建。`,
  async handle(ctx) {
    const text = ctx.command.text.replace(/^[／/]\S+/, '').trim();
    if (text === '') {
      await ctx.reply(campaignListCard(await listCampaigns(ctx.deps.conn)));
      return;
    }
    const [sub, ...rest] = text.split(/\s+/);
    const title = '参数有误';
    if (sub !== '新建' && sub?.toLowerCase() !== 'new') {
      await ctx.reply(setupMessageCard(title, [`不认识“${md(sub ?? '')}”。发送 /专项 查看专项；新建：${CAMPAIGN_USAGE}`]));
      return;
    }
    let input: CampaignInput;
    try {
      input = campaignInput(parseCampaignArgs(rest.join(' ')));
    } catch (err) {
      if (!(err instanceof ArgumentError)) throw err;
      await ctx.reply(setupMessageCard(title, [err.message]));
      return;
    }
    const existing = await activeCampaignOfYear(ctx.deps.conn, input.year);
    if (existing) {
      await ctx.reply(
        setupMessageCard('不能新建', [
          `${input.year}年已有进行中的专项“${md(existing.name)}”（${existing.from} 至 ${existing.to}），同一年度只能有一个进行中的专项。`,
        ]),
      );
      return;
    }
    const { settings } = validateCampaign(input);
    const population = await campaignPopulation(ctx.deps.conn, settings.from);
    const value: Record<string, string | number> = {
      a: 'campaign.create',
      n: settings.name,
      y: settings.year,
      f: settings.from,
      t: settings.to,
      r: settings.ratio,
      ...Object.fromEntries(RISK_CLASSES.map((rc) => [`r${rc}`, settings.riskRatios[rc]])),
    };
    await ctx.reply(campaignPreviewCard(settings, population, value));
  },
};

const ratioValue = z.number().gt(0).lte(1);

export const campaignCreateAction = defineAction({
  name: 'campaign.create',
  schema: z.object({
    a: z.literal('campaign.create'),
    // ≤ 100 characters (code points) is checked by createCampaign's text policy; 100 of them may be 200 UTF-16 units
    n: z.string().min(1).max(200),
    y: z.number().int().min(2000).max(2100),
    f: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    t: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    r: ratioValue,
    rA: ratioValue,
    rB: ratioValue,
    rC: ratioValue,
    rD: ratioValue,
  }),
  async handle(ctx, v) {
    if (!maySetUp(ctx.actor)) return { toast: { type: 'error', content: `只有${roleList('setup')}可以新建专项` } };
    const by = senderOf(ctx.actor, ctx.staff);
    try {
      const { campaign } = await createCampaign(ctx.deps.conn, {
        name: v.n,
        year: v.y,
        from: v.f,
        to: v.t,
        ratio: v.r,
        riskRatios: { A: v.rA, B: v.rB, C: v.rC, D: v.rD },
      });
      ctx.deps.log.info({ campaign: String(campaign._id), year: campaign.year, openId: by.openId }, 'campaign created in chat');
      return { toast: { type: 'success', content: '专项已创建' }, card: { type: 'raw', data: campaignCreatedCard(campaign, by.name) } };
    } catch (err) {
      if (!(err instanceof CampaignError)) throw err;
      const existing = await activeCampaignOfYear(ctx.deps.conn, v.y);
      if (existing && existing.name === v.n && existing.from === v.f && existing.to === v.t && existing.ratio === v.r) {
        return { toast: { type: 'info', content: '这个专项已经创建过了，不会重复创建' }, card: { type: 'raw', data: campaignCreatedCard(existing, by.name) } };
      }
      return { toast: { type: 'error', content: err.message }, card: { type: 'raw', data: setupMessageCard('没有创建专项', [md(err.message)]) } };
    }
  },
});

const importCommand: CommandSpec = {
  id: 'import',
  names: ['导入', 'import'],
  audience: 'setup',
  args: 'none',
  usage: '/导入',
  summary: '查看如何发送名录库、节假日安排、附加检查表和监管平台抽取结果文件',
  detail:
    '在单聊中直接把 .xlsx 或 .csv 文件发给我：检查对象名录库、执法检查人员名录库、节假日安排（日期,类型）、附加检查表（检查表名称,序号,检查内容）、国家监管平台导出的抽取结果（统一社会信用代码、企业名称、检查人员）。' +
    '我先给出试运行预览，点击“确认导入”后才写入；抽取结果导入后即按检查组派发任务。',
  async handle(ctx) {
    await ctx.reply(importHelpCard());
  },
};

export const setupCommands: readonly CommandSpec[] = [campaignCommand, importCommand];
export const setupActions = [setupImportAction, setupCancelAction, campaignCreateAction];
