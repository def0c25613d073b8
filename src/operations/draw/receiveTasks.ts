import type { Connection, Types } from 'mongoose';
import type { Actor } from '../../policies';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import { drawModel, type DrawDoc } from '../../store/draw';
import { taskModel, type TaskDoc } from '../../store/task';
import { refuse, type Refusal } from './context';

/** A county liaison receives their county's inspection objects (通知：各县局要及时接收检查对象). */
export async function receiveCountyTasks(
  conn: Connection,
  now: Date,
  input: { actor: Actor; actorName: string; drawId: Types.ObjectId; county: string },
): Promise<{ ok: true; received: number; draw: DrawDoc; campaign: CampaignDoc; tasks: TaskDoc[] } | Refusal> {
  if (!input.actor.roles.includes('联络员') || input.actor.county !== input.county) {
    return refuse('无法接收', `只有${input.county}的联络员可以接收本县区的检查任务。`);
  }
  const draw = await drawModel(conn).findById(input.drawId).lean<DrawDoc>();
  if (!draw || draw.status !== 'confirmed') return refuse('任务已作废', '这批任务所属的抽取已被重新抽取取代，请以最新派发的任务清单为准。');
  const campaign = (await campaignModel(conn).findById(draw.campaignId).lean<CampaignDoc>()) as CampaignDoc;
  const tasks = taskModel(conn);
  const countyTasks = { drawId: draw._id, 'enterprise.county': input.county };
  const receipt = { openId: input.actor.openId, name: input.actorName, at: now };
  const res = await tasks.updateMany(
    { ...countyTasks, state: '待接收' },
    { $set: { state: '待检查', received: receipt }, $inc: { version: 1 } },
  );
  // A team may start before the county receives: such tasks keep their state but get the receipt too.
  await tasks.updateMany({ ...countyTasks, state: { $ne: '已作废' }, received: { $exists: false } }, { $set: { received: receipt } });
  const all = await tasks.find({ drawId: draw._id, 'enterprise.county': input.county }).sort({ no: 1 }).lean<TaskDoc[]>();
  return { ok: true, received: res.modifiedCount, draw, campaign, tasks: all };
}

/** A page of a county's task list (上一页/下一页): the county's liaisons and the 市局联络员 may turn pages. */
export async function countyTasksPage(
  conn: Connection,
  input: { actor: Actor; drawId: Types.ObjectId; county: string },
): Promise<{ ok: true; draw: DrawDoc; campaign: CampaignDoc; tasks: TaskDoc[] } | Refusal> {
  if (!input.actor.roles.includes('联络员') || (input.actor.county !== input.county && input.actor.county !== '市局')) {
    return refuse('无法查看', `只有${input.county}的联络员和市局联络员可以查看本县区的检查任务清单。`);
  }
  const draw = await drawModel(conn).findById(input.drawId).lean<DrawDoc>();
  if (!draw) return refuse('清单不存在', '找不到这批任务，请以最新派发的任务清单为准。');
  const campaign = (await campaignModel(conn).findById(draw.campaignId).lean<CampaignDoc>()) as CampaignDoc;
  const tasks = await taskModel(conn).find({ drawId: draw._id, 'enterprise.county': input.county }).sort({ no: 1 }).lean<TaskDoc[]>();
  return { ok: true, draw, campaign, tasks };
}
