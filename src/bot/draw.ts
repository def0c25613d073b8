import { Types } from 'mongoose';
import { z } from 'zod';
import { cancelPreview } from '../operations/draw/cancelPreview';
import { confirmDraw } from '../operations/draw/confirmDraw';
import { previewDraw } from '../operations/draw/previewDraw';
import { countyTasksPage, receiveCountyTasks } from '../operations/draw/receiveTasks';
import { confirmerName } from '../operations/draw/confirmer';
import { drawRefusal } from '../operations/draw/context';
import { cancelledPreviewCard, countyTasksCard, previewCard, refusalCard, resultCard, voidedPreviewCard } from './drawViews';
import { unknownArgs } from './parse';
import { defineAction, patchReply, type CommandSpec } from './router';

const objectId = z.string().regex(/^[0-9a-f]{24}$/).transform((s) => new Types.ObjectId(s));
const KNOWN_ARGS = new Set(['专项', '种子', '理由', '来源', '开奖时间']);
const USAGE = '/抽取 [专项=名称] [种子=公开随机数] [理由=重新抽取的原因] [来源=彩票及期号(位数) 开奖时间=YYYY-MM-DDTHH:mm]';

const REPLACED_PREVIEW = '这次预览已被之后的新预览取代，未进行抽取，作废已记入抽取日志。请在最新的预览卡片上确认。';

export const drawCommand: CommandSpec = {
  id: 'draw',
  names: ['抽取', 'draw'],
  confidential: true,
  audience: ['联络员'],
  // county liaisons are in the audience so that the draw explains to them what they do instead (receive tasks)
  offeredTo: (actor) => drawRefusal(actor) === undefined,
  usage: '/抽取 [专项=名称] [种子=公开随机数]',
  summary: '预览并确认“双随机”抽取，派发检查任务',
  detail:
    '市局联络员发送 /抽取，先看到预览（总体企业数、各层和各县区数量、总体名单哈希）；预览时系统生成一个保密随机值并把它的哈希记入抽取日志，' +
    '点击“确认抽取”时才公开该随机值，与种子一起决定抽中的企业和检查组，确认前任何人都算不出结果。' +
    '可提供公开随机数作种子：/抽取 种子=2024031503；也可锁定一个尚未开奖的公开来源：' +
    '/抽取 来源=中国福利彩票3D第2024065期开奖号码(3位数字) 开奖时间=2024-03-15T21:15，开奖后在预览卡片上填写号码再确认（多个来源用“+”连接）。' +
    '已确认后如需重新抽取：/抽取 理由=<原因>。',
  async handle(ctx) {
    const { args } = ctx.command;
    const unknown = unknownArgs(ctx.command, KNOWN_ARGS);
    if (unknown.length > 0) {
      const shown = unknown.join(' ');
      await ctx.reply(refusalCard('参数有误', `不认识的参数“${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}”。用法：${USAGE}`));
      return;
    }
    const outcome = await previewDraw(ctx.deps.conn, ctx.deps.now(), {
      actor: ctx.actor,
      actorName: ctx.staff?.name ?? ctx.actor.openId,
      campaignName: args['专项'],
      entropy: args['种子'],
      reason: args['理由'],
      sourceText: args['来源'],
      sourceTime: args['开奖时间'],
      messageId: ctx.message.messageId,
    });
    if (!outcome.ok) return ctx.reply(refusalCard(outcome.title, outcome.reason));
    // the previews this one replaced: their cards show so, without a confirm button that would only be refused
    for (const old of outcome.replacedPreviews) {
      if (old.previewMessageId) await patchReply(ctx.deps, old.previewMessageId, `draw:${String(old._id)}:replaced`, voidedPreviewCard(old.attempt, REPLACED_PREVIEW));
    }
    return ctx.reply(
      previewCard({
        draw: outcome.draw,
        campaign: outcome.campaign,
        summary: outcome.summary,
        counts: outcome.counts,
        notes: outcome.notes,
        excluded: outcome.excluded,
        unknown: outcome.unknown,
        replaces: outcome.replaces,
      }),
    );
  },
};

export const drawConfirmAction = defineAction({
  name: 'draw.confirm',
  schema: z.object({ a: z.literal('draw.confirm'), draw: objectId }),
  async handle(ctx, value) {
    const raw = ctx.action.formValue?.seed;
    const entropy = typeof raw === 'string' ? raw : undefined;
    const outcome = await confirmDraw(ctx.deps.conn, ctx.deps.outbox, ctx.deps.now(), { actor: ctx.actor, drawId: value.draw, entropy });
    if (!outcome.ok) {
      const toast = { type: 'error' as const, content: outcome.reason };
      // A voided preview must not keep a confirm button.
      if (outcome.voidedAttempt !== undefined) {
        return { toast, card: { type: 'raw', data: voidedPreviewCard(outcome.voidedAttempt, outcome.reason) } };
      }
      return { toast };
    }
    // The dispatch goes on after the answer; a failure is resumed by the dispatch job.
    outcome.dispatch.catch((err: unknown) => ctx.deps.log.error({ err, drawId: String(value.draw) }, 'draw dispatch failed; it will be resumed'));
    return {
      toast: { type: outcome.already ? 'info' : 'success', content: outcome.already ? '已确认过，不会重复抽取' : '抽取完成，正在派发任务' },
      card: { type: 'raw', data: resultCard({ draw: outcome.draw, campaign: outcome.campaign, countiesWithoutLiaison: outcome.countiesWithoutLiaison, confirmedByName: await confirmerName(ctx.deps.conn, outcome.draw) }) },
    };
  },
});

export const drawCancelAction = defineAction({
  name: 'draw.cancel',
  schema: z.object({ a: z.literal('draw.cancel'), draw: objectId }),
  async handle(ctx, value) {
    const outcome = await cancelPreview(ctx.deps.conn, ctx.deps.now(), { actor: ctx.actor, drawId: value.draw });
    if (!outcome.ok) return { toast: { type: 'error', content: outcome.reason } };
    return { card: { type: 'raw', data: cancelledPreviewCard(outcome.draw, ctx.staff?.name ?? '') } };
  },
});

const countyValue = { draw: objectId, county: z.string().min(1).max(40), page: z.number().int().min(0).max(10_000).optional() };

export const drawReceiveAction = defineAction({
  name: 'draw.receive',
  schema: z.object({ a: z.literal('draw.receive'), ...countyValue }),
  async handle(ctx, value) {
    const outcome = await receiveCountyTasks(ctx.deps.conn, ctx.deps.now(), {
      actor: ctx.actor,
      actorName: ctx.staff?.name ?? ctx.actor.openId,
      drawId: value.draw,
      county: value.county,
    });
    if (!outcome.ok) return { toast: { type: 'error', content: outcome.reason } };
    return {
      toast: { type: 'success', content: outcome.received > 0 ? `已接收${outcome.received}项检查任务` : '本县区任务已接收过' },
      card: { type: 'raw', data: countyTasksCard({ draw: outcome.draw, campaign: outcome.campaign, county: value.county, tasks: outcome.tasks, page: value.page ?? 0 }) },
    };
  },
});

export const drawPageAction = defineAction({
  name: 'draw.page',
  schema: z.object({ a: z.literal('draw.page'), ...countyValue }),
  async handle(ctx, value) {
    const outcome = await countyTasksPage(ctx.deps.conn, { actor: ctx.actor, drawId: value.draw, county: value.county });
    if (!outcome.ok) return { toast: { type: 'error', content: outcome.reason } };
    return {
      card: { type: 'raw', data: countyTasksCard({ draw: outcome.draw, campaign: outcome.campaign, county: value.county, tasks: outcome.tasks, page: value.page ?? 0 }) },
    };
  },
});
