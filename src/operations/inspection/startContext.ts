/**
 * What 开始检查 reads, in one database command: the task, its campaign's inspection window and the campaign's extra
 * checklists (an aggregate on the task by _id with two $lookup stages on equality of one field, which MongoDB answers
 * from the campaigns' _id and the extra checklists' {campaignId, name} index; so does the embedded database, from its
 * lookup maps: store/embedded/equalityJoin.ts). The campaign is looked up before the lists, so the lists are never
 * older than the revision read with it (checklists/extrasRevision.ts). A start from a card that names the campaign may
 * instead write at once, with what an earlier read kept (startCache.ts); this read is the start's otherwise.
 *
 * The $lookup stages take no sub-pipeline: the extra checklists come back whole and are ordered here as
 * campaignExtras orders them (createdAt, then name by the strings' UTF-8 bytes, MongoDB's order without a collation).
 */
import { Types } from 'mongoose';
import type { ExtraChecklistSnapshot } from '../../domain/inspection';
import { campaignModel } from '../../store/campaign';
import { extraChecklistModel, type ExtraChecklistDoc } from '../../store/extraChecklist';
import type { TaskDoc } from '../../store/task';
import { CONNECTION_MAX_TIME_MS } from '../../store/timeouts';
import { tasks, type InspectionDeps } from './common';

/** A campaign's inspection window (YYYY-MM-DD, both inclusive). */
export interface CampaignWindow {
  from: string;
  to: string;
}

export interface StartContext {
  task: TaskDoc;
  /** undefined when the task's campaign cannot be found (fixtures): no window */
  window: CampaignWindow | undefined;
  /** the revision of the campaign's lists, read before them (0: none recorded, or no campaign) */
  extrasRev: number;
  extras: ExtraChecklistSnapshot[];
}

// names the $lookup stages write into, taken off before the task is used (no field of a task starts with '__')
const CAMPAIGN = '__startCampaign';
const EXTRAS = '__startExtras';

type Joined = TaskDoc & { [CAMPAIGN]?: { from?: unknown; to?: unknown; extrasRev?: unknown }[]; [EXTRAS]?: ExtraChecklistDoc[] };

/** The task `id` with its campaign's window and extra checklists, or null when there is no such task. */
export async function loadForStart(deps: Pick<InspectionDeps, 'conn'>, id: string): Promise<StartContext | null> {
  if (!Types.ObjectId.isValid(id)) return null;
  const pipeline = [
    { $match: { _id: new Types.ObjectId(id) } },
    { $lookup: { from: campaignModel(deps.conn).collection.collectionName, localField: 'campaignId', foreignField: '_id', as: CAMPAIGN } },
    { $lookup: { from: extraChecklistModel(deps.conn).collection.collectionName, localField: 'campaignId', foreignField: 'campaignId', as: EXTRAS } },
  ];
  // the connection's read limit, which mongoose adds to its own queries and the driver does not (store/timeouts.ts)
  const [joined] = (await tasks(deps).collection.aggregate(pipeline, { maxTimeMS: CONNECTION_MAX_TIME_MS }).toArray()) as Joined[];
  if (!joined) return null;
  const { [CAMPAIGN]: campaigns = [], [EXTRAS]: lists = [], ...task } = joined;
  const campaign = campaigns[0];
  const window = campaign && typeof campaign.from === 'string' && typeof campaign.to === 'string' ? { from: campaign.from, to: campaign.to } : undefined;
  const extrasRev = typeof campaign?.extrasRev === 'number' ? campaign.extrasRev : 0;
  return { task: task as TaskDoc, window, extrasRev, extras: extrasSnapshot([...lists].sort(byImportOrder)) };
}

/** The snapshot a visit carries of the campaign's extra checklists (in the order given). */
export function extrasSnapshot(lists: readonly Pick<ExtraChecklistDoc, 'name' | 'items'>[]): ExtraChecklistSnapshot[] {
  return lists.map((l) => ({ name: l.name, items: l.items.map((i) => ({ no: i.no, text: i.text })) }));
}

/** {createdAt: 1, name: 1} as MongoDB sorts it: dates by time, strings by their UTF-8 bytes. */
export function byImportOrder(a: Pick<ExtraChecklistDoc, 'createdAt' | 'name'>, b: Pick<ExtraChecklistDoc, 'createdAt' | 'name'>): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8'));
}
