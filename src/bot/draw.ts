import { Types } from 'mongoose';
import { z } from 'zod';
import { cancelPreview } from '../operations/draw/cancelPreview';
import { confirmDraw } from '../operations/draw/confirmDraw';
import { previewDraw } from '../operations/draw/previewDraw';
import { receiveCountyTasks } from '../operations/draw/receiveTasks';
import { cancelledPreviewCard, countyTasksCard, previewCard, refusalCard, resultCard } from './drawViews';
import { defineAction, type CommandSpec } from './router';

const objectId = z.string().regex(/^[0-9a-f]{24}$/).transform((s) => new Types.ObjectId(s));
const KNOWN_ARGS = new Set(['专项', '种子', '理由']);

export const drawCommand: CommandSpec = {
  id: 'draw',
  names: ['抽取', 'draw'],
  audience: ['联络员'],
  usage: '/抽取 [专项=名称] [种子=公开随机数]',
  summary: '预览并确认“双随机”抽取，派发检查任务',
  detail:
    '市局联络员发送 /抽取，先看到预览（总体企业数、各层和各县区数量、总体名单哈希），点击“确认抽取”后才随机抽取企业、匹配检查组并派发任务。' +
    '建议提供公开随机数作种子，例如：/抽取 种子=2024031503（当日彩票开奖号码），任何人都能据此复核。' +
    '已确认后如需重新抽取：/抽取 理由=<原因>。',
  async handle(ctx) {
    const { args, positional } = ctx.command;
    const unknown = [...Object.keys(args).filter((k) => !KNOWN_ARGS.has(k)), ...positional];
    if (unknown.length > 0) {
      await ctx.reply(
        refusalCard('参数有误', `不认识的参数“${unknown.join(' ')}”。用法：/抽取 [专项=名称] [种子=公开随机数] [理由=重新抽取的原因]`),
      );
      return;
    }
    const outcome = await previewDraw(ctx.deps.conn, ctx.deps.now(), {
      actor: ctx.actor,
      actorName: ctx.staff?.name ?? ctx.actor.openId,
      campaignName: args['专项'],
      entropy: args['种子'],
      reason: args['理由'],
    });
    if (!outcome.ok) return ctx.reply(refusalCard(outcome.title, outcome.reason));
    return ctx.reply(
      previewCard({
        draw: outcome.draw,
        campaign: outcome.campaign,
        summary: outcome.summary,
        bundle: outcome.bundle,
        excludedCount: outcome.excluded.length,
        replaces: outcome.replaces,
      }),
    );
  },
};

export const drawConfirmAction = defineAction({
  name: 'draw.confirm',
  schema: z.object({ a: z.literal('draw.confirm'), draw: objectId }),
  async handle(ctx, value) {
    const outcome = await confirmDraw(ctx.deps.conn, ctx.deps.outbox, ctx.deps.now(), { actor: ctx.actor, drawId: value.draw });
    if (!outcome.ok) return { toast: { type: 'error', content: outcome.reason } };
    // The dispatch goes on after the answer; a failure is resumed by the dispatch job.
    outcome.dispatch.catch((err: unknown) => ctx.deps.log.error({ err, drawId: String(value.draw) }, 'draw dispatch failed; it will be resumed'));
    return {
      toast: { type: outcome.already ? 'info' : 'success', content: outcome.already ? '已确认过，不会重复抽取' : '抽取完成，正在派发任务' },
      card: { type: 'raw', data: resultCard({ draw: outcome.draw, campaign: outcome.campaign, bundle: outcome.bundle, countiesWithoutLiaison: outcome.countiesWithoutLiaison }) },
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

export const drawReceiveAction = defineAction({
  name: 'draw.receive',
  schema: z.object({ a: z.literal('draw.receive'), draw: objectId, county: z.string().min(1).max(20) }),
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
      card: { type: 'raw', data: countyTasksCard({ draw: outcome.draw, campaign: outcome.campaign, county: value.county, tasks: outcome.tasks }) },
    };
  },
});
