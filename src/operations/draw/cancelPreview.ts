import type { Connection, Types } from 'mongoose';
import type { Actor } from '../../policies';
import { appendChain, drawModel, type DrawDoc } from '../../store/draw';
import { drawRefusal, refuse, type Refusal } from './context';

/** The cancel button of a preview: the preview is abandoned (and a void entry logged); nothing is drawn. */
export async function cancelPreview(
  conn: Connection,
  now: Date,
  input: { actor: Actor; drawId: Types.ObjectId },
): Promise<{ ok: true; draw: DrawDoc } | Refusal> {
  const denied = drawRefusal(input.actor);
  if (denied) return denied;
  const draw = await drawModel(conn)
    .findOneAndUpdate({ _id: input.drawId, status: 'previewed' }, { $set: { status: 'abandoned' } }, { returnDocument: 'after' })
    .lean<DrawDoc>();
  if (!draw) return refuse('无法取消', '这次预览已确认或已失效。');
  if (draw.commitSeq !== undefined) {
    await appendChain(
      conn,
      draw.campaignId,
      'void',
      { drawId: String(draw._id), attempt: draw.attempt, reason: 'cancelled', note: '联络员取消' },
      now,
      `void:${String(draw._id)}`,
    );
  }
  return { ok: true, draw };
}
