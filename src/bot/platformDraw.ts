/**
 * `确认导入` on the preview of a platform draw (platformDrawCards.ts): imports the file as the campaign's draw of source
 * “平台” and dispatches it as a `/抽取` draw (operations/setup/platformDraw.ts). `取消` is the set-up files' own
 * (setup.ts `setup.cancel`).
 */
import { Types } from 'mongoose';
import { z } from 'zod';
import { confirmerName } from '../operations/draw/confirmer';
import { confirmPlatformDraw } from '../operations/setup/platformDraw';
import type { CallbackResponse } from '../platform/events';
import { resultCard } from './drawViews';
import { platformClosedCard } from './platformDrawCards';
import { defineAction, type ActionSpec } from './router';
import { closedPreviewCard, SETUP_MSG } from './setupCards';

const objectId = z.string().regex(/^[0-9a-f]{24}$/).transform((s) => new Types.ObjectId(s));

export const platformImportAction = defineAction({
  name: 'platform.import',
  schema: z.object({ a: z.literal('platform.import'), u: objectId, s: z.string().regex(/^[0-9a-f]{16}$/) }),
  async handle(ctx, value): Promise<CallbackResponse> {
    const raw = ctx.action.formValue?.redraw_reason;
    const outcome = await confirmPlatformDraw(ctx.deps, {
      uploadId: value.u,
      signature: value.s,
      reason: typeof raw === 'string' ? raw : undefined,
      actor: ctx.actor,
      by: { openId: ctx.actor.openId, name: ctx.staff?.name ?? ctx.actor.openId },
    });
    if (!outcome.ok) {
      if (outcome.why === 'refused') {
        const toast = { type: 'error' as const, content: outcome.reason };
        return outcome.closed ? { toast, card: { type: 'raw', data: platformClosedCard(outcome.upload, outcome.title, outcome.reason) } } : { toast };
      }
      const content = SETUP_MSG.staleToast[outcome.why] ?? SETUP_MSG.staleToast.missing;
      const type = outcome.why === 'imported' || outcome.why === 'importing' ? 'info' : 'error';
      const closed = outcome.why === 'corrupt' ? 'expired' : outcome.why;
      return outcome.upload && (closed === 'imported' || closed === 'cancelled' || closed === 'superseded' || closed === 'expired')
        ? { toast: { type, content }, card: { type: 'raw', data: closedPreviewCard(outcome.upload, closed) } }
        : { toast: { type, content } };
    }
    // The dispatch goes on after the answer; a failure is resumed by the dispatch job.
    outcome.dispatch.catch((err: unknown) => ctx.deps.log.error({ err, drawId: String(outcome.draw._id) }, 'platform draw dispatch failed; it will be resumed'));
    ctx.deps.log.info({ drawId: String(outcome.draw._id), attempt: outcome.draw.attempt, openId: ctx.actor.openId }, 'platform draw imported');
    return {
      toast: outcome.already
        ? { type: 'info', content: '这份文件已经导入过了，不会重复导入' }
        : { type: 'success', content: '已导入监管平台的抽取结果，正在派发任务' },
      card: { type: 'raw', data: resultCard({ draw: outcome.draw, campaign: outcome.campaign, countiesWithoutLiaison: outcome.countiesWithoutLiaison, confirmedByName: await confirmerName(ctx.deps.conn, outcome.draw) }) },
    };
  },
});

export const platformDrawActions: readonly ActionSpec[] = [platformImportAction];
