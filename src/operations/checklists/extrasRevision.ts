/**
 * The revision of a campaign's extra checklists, kept on the campaign and on each of its tasks (`extrasRev`, absent
 * meaning 0), so that a process may keep a copy of the lists in memory and 开始检查 can tell, on the task it writes,
 * that the copy is still current (operations/inspection/startCache.ts).
 *
 * The rule: after the lists change, the campaign's revision goes up by one and every task of the campaign is raised
 * to it (`$max`, so a slower writer never lowers it). A copy read with revision r is used only on a task whose
 * revision is r: once a change is published, no task matches an older copy, and the start reads afresh. A copy reads
 * the campaign's revision before the lists (the start's one read looks the campaign up first,
 * operations/inspection/startContext.ts), so its lists are never older than its revision says.
 *
 * New tasks (the draw's dispatch, operations/draw/dispatch.ts) are written with the campaign's revision; once they are
 * written, the dispatch reads the revision again and raises them if it moved meanwhile (`catchUpTasks`). A change
 * published after that read raises them itself, since its raise comes after their insertion. Either way they are at
 * the campaign's revision before any card with their 开始检查 button is sent.
 */
import type { Connection, Types } from 'mongoose';
import { campaignModel } from '../../store/campaign';
import { taskModel } from '../../store/task';

/** The lists of `campaignId` changed: its revision goes up, and its tasks follow. Returns the new revision. */
export async function publishExtrasChange(conn: Connection, campaignId: Types.ObjectId): Promise<number> {
  const campaign = await campaignModel(conn)
    .findOneAndUpdate({ _id: campaignId }, { $inc: { extrasRev: 1 } }, { returnDocument: 'after', projection: { extrasRev: 1 } })
    .lean<{ extrasRev?: number }>();
  const rev = campaign?.extrasRev ?? 0;
  // One command. On the embedded database it holds the others for about 0.6–0.8 s per 20,000 tasks (measured on the
  // bench's data set); batches would cost more, since finding the tasks' ids takes longer there than the update. A
  // change of lists is a rare set-up step, usually made before the draw, when the campaign has no tasks yet.
  await taskModel(conn).updateMany({ campaignId }, { $max: { extrasRev: rev } }, { timestamps: false });
  return rev;
}

/** The campaign's current revision (0 when it has none, or no longer exists). */
export async function currentExtrasRev(conn: Connection, campaignId: Types.ObjectId): Promise<number> {
  const campaign = await campaignModel(conn).findById(campaignId, { extrasRev: 1 }).lean<{ extrasRev?: number }>();
  return campaign?.extrasRev ?? 0;
}

/**
 * After new tasks of a draw were written with revision `stamped`: raises them to the campaign's revision if a change
 * was published meanwhile (see above).
 */
export async function catchUpTasks(conn: Connection, campaignId: Types.ObjectId, drawId: Types.ObjectId, stamped: number): Promise<void> {
  const rev = await currentExtrasRev(conn, campaignId);
  if (rev !== stamped) await taskModel(conn).updateMany({ drawId }, { $max: { extrasRev: rev } }, { timestamps: false });
}
