/**
 * The revision of a campaign's extra checklists, kept on the campaign and on each of its tasks (`extrasRev`, absent
 * meaning 0), so that a process may keep a copy of the lists in memory and 开始检查 can tell, on the task it writes,
 * that the copy is still current (operations/inspection/startCache.ts).
 *
 * The rule: after the lists change, the campaign's revision goes up by one and every task of the campaign is raised
 * to it (`$max`, so a slower writer never lowers it; in batches, see RAISE_BATCH). A copy read with revision r is used
 * only on a task whose revision is r: once a change is published, no task matches an older copy, and the start reads
 * afresh. A copy reads the campaign's revision before the lists (the start's one read looks the campaign up first,
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

/**
 * Tasks raised per command. The embedded database applies an update to every document it matches in one turn of its
 * loop: one updateMany over the bench's 20,000 tasks held its other commands (the callbacks' too) for 0.53–1.3 s.
 * In batches of this size, after listing the ids (an inclusion projection, cut from the stored bytes), the longest
 * hold was 146–167 ms and the whole raise took 1.1–1.4 s (measured on the bench's data set, four times each).
 */
const RAISE_BATCH = 500;

/** Raises the tasks matching `filter` to revision `rev` (never lowers one), a batch at a time. */
async function raiseTasks(conn: Connection, filter: Record<string, unknown>, rev: number): Promise<void> {
  const tasks = taskModel(conn);
  const ids = (await tasks.find(filter, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>()).map((t) => t._id);
  for (let i = 0; i < ids.length; i += RAISE_BATCH) {
    await tasks.updateMany({ _id: { $in: ids.slice(i, i + RAISE_BATCH) } }, { $max: { extrasRev: rev } }, { timestamps: false });
  }
}

/** The lists of `campaignId` changed: its revision goes up, and its tasks follow. Returns the new revision. */
export async function publishExtrasChange(conn: Connection, campaignId: Types.ObjectId): Promise<number> {
  const campaign = await campaignModel(conn)
    .findOneAndUpdate({ _id: campaignId }, { $inc: { extrasRev: 1 } }, { returnDocument: 'after', projection: { extrasRev: 1 } })
    .lean<{ extrasRev?: number }>();
  const rev = campaign?.extrasRev ?? 0;
  await raiseTasks(conn, { campaignId }, rev);
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
  if (rev !== stamped) await raiseTasks(conn, { drawId }, rev);
}
