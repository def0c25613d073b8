/**
 * What every confirmed draw goes through, whether the bot drew it (confirmDraw.ts) or it was imported from the
 * national platform (platformImport.ts): the redraw fence, and the people a bundle names.
 */
import { Types, type Connection } from 'mongoose';
import { personRef } from '../../domain/draw2/inputs';
import type { HashedLogEntry } from '../../domain/draw2/model';
import { drawModel, type DrawDoc } from '../../store/draw';
import { staffModel } from '../../store/staff';
import { taskModel } from '../../store/task';
import { confirmedBefore } from './dispatch';

/**
 * The redraw fence (docs/draw-spec.md §11.2): voids the unstarted tasks of every other confirmed draw of the campaign,
 * then counts their started tasks. Starting a task is a compare-and-set on its state (待接收/待检查 → 检查中), and so is
 * the void: for each task exactly one of the two wins. If any task of a replaced draw was started meanwhile, the
 * voids are undone and the new draw is withdrawn (the start wins); otherwise nothing of the old draws can start
 * any more. Returns the number of started tasks found.
 */
export async function fence(conn: Connection, draw: DrawDoc): Promise<{ started: number; attempt: number }> {
  const tasks = taskModel(conn);
  const others = (
    await drawModel(conn).find({ campaignId: draw.campaignId, status: 'confirmed', _id: { $ne: draw._id } }).sort({ confirmedAt: 1 }).lean<DrawDoc[]>()
  ).filter((o) => confirmedBefore(o, draw));
  for (const o of others) {
    await tasks.updateMany({ drawId: o._id, state: { $in: ['待接收', '待检查'] } }, { $set: { state: '已作废' }, $inc: { version: 1 } });
  }
  for (const o of others) {
    const started = await tasks.countDocuments({ drawId: o._id, state: { $nin: ['待接收', '待检查', '已作废'] } });
    if (started > 0) {
      for (const x of others) {
        await tasks.updateMany({ drawId: x._id, state: '已作废', received: { $exists: true } }, { $set: { state: '待检查' }, $inc: { version: 1 } });
        await tasks.updateMany({ drawId: x._id, state: '已作废', received: { $exists: false } }, { $set: { state: '待接收' }, $inc: { version: 1 } });
      }
      return { started, attempt: o.attempt };
    }
  }
  return { started: 0, attempt: 0 };
}

/**
 * The fence found a started task: the new draw is withdrawn (abandoned, its slot and results dropped), provided its
 * chain entry was not written yet. Returns whether this call withdrew it (false: already withdrawn, or logged).
 */
export async function withdrawFenced(conn: Connection, draw: DrawDoc): Promise<boolean> {
  const withdrawn = await drawModel(conn).updateOne(
    { _id: draw._id, status: 'confirmed', revealSeq: { $exists: false } },
    { $set: { status: 'abandoned' }, $unset: { confirmedSlot: 1, coreGz: 1, teamsGz: 1 } },
  );
  return withdrawn.modifiedCount > 0;
}

/**
 * Everyone named by a `by` ref in the log (docs/draw-spec.md §9.1: the verifier's rule `people.refs` wants them all):
 * from the staff registry, else from the campaign's draws (who previewed and who confirmed them: someone who left the
 * registry, or a set-up administrator of ADMIN_OPEN_IDS who was never in it), the name empty when none is known.
 */
export async function peopleOf(conn: Connection, log: readonly HashedLogEntry[]): Promise<Record<string, { openId: string; name: string }>> {
  const wanted = new Set(log.map((e) => e.data.by).filter((x): x is string => typeof x === 'string'));
  const found = new Map<string, { openId: string; name: string }>();
  for (const s of await staffModel(conn).find({}, { openId: 1, name: 1 }).lean()) {
    const ref = personRef(s.openId);
    if (wanted.has(ref)) found.set(ref, { openId: s.openId, name: s.name });
  }
  const campaignId = log[0]?.campaign;
  if (found.size < wanted.size && campaignId !== undefined && Types.ObjectId.isValid(campaignId)) {
    const draws = await drawModel(conn)
      .find({ campaignId: new Types.ObjectId(campaignId) }, { requestedBy: 1, requestedByName: 1, confirmedBy: 1 })
      .sort({ createdAt: 1 })
      .lean<Pick<DrawDoc, 'requestedBy' | 'requestedByName' | 'confirmedBy'>[]>();
    const names = new Map(draws.map((d) => [d.requestedBy, d.requestedByName]));
    for (const openId of draws.flatMap((d) => [d.requestedBy, d.confirmedBy ?? ''])) {
      const ref = openId === '' ? '' : personRef(openId);
      if (wanted.has(ref) && !found.has(ref)) found.set(ref, { openId, name: names.get(openId) ?? '' });
    }
  }
  const out: Record<string, { openId: string; name: string }> = {};
  for (const ref of [...found.keys()].sort()) out[ref] = found.get(ref)!;
  return out;
}
