import type { Connection, Types } from 'mongoose';
import { checklistKindFor } from '../../domain/checklists';
import type { DrawBundle } from '../../domain/bundle';
import type { Team } from '../../domain/teams';
import type { Enterprise } from '../../domain/types';
import type { Outbox } from '../../platform/outbox';
import type { Actor } from '../../policies';
import { assignmentCard, countyTasksCard, resultCard, voidedTaskCard } from '../../bot/drawViews';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import type { Logger } from '../../logger';
import { binaryBytes } from '../../store/binary';
import { appendDrawLog, drawModel, unpackBundle, type DrawDoc } from '../../store/draw';
import { enterpriseModel } from '../../store/enterprise';
import { isDuplicateKeyError } from '../../store/processedEvents';
import { staffModel } from '../../store/staff';
import { taskModel, type TaskDoc, type TeamSlot } from '../../store/task';
import { drawRefusal, readRegistry, refuse, type Refusal } from './context';

export interface Confirmed {
  ok: true;
  draw: DrawDoc;
  campaign: CampaignDoc;
  bundle: DrawBundle;
  /** true when this click found the draw already confirmed (a second click draws nothing) */
  already: boolean;
  /** counties whose task list could not be sent: nobody there is registered as 联络员 */
  countiesWithoutLiaison: string[];
  /**
   * Writing the tasks and queueing every message runs after the answer (a callback has 3 s); it is idempotent and
   * resumed after a crash (resumeDispatch), so callers may leave it running and only log a failure.
   */
  dispatch: Promise<void>;
}

/** Counties (of the given list) where no staff member holds the 联络员 role. */
async function countiesWithoutLiaison(conn: Connection, counties: Iterable<string>): Promise<string[]> {
  const liaisons = new Set((await staffModel(conn).find({ roles: '联络员' }, { county: 1 }).lean()).map((l) => l.county));
  return [...new Set(counties)].filter((c) => !liaisons.has(c)).sort();
}

function teamSlots(team: Team): TeamSlot[] {
  const slot = (m: { openId: string; name: string; unit: string; county: string }, role: TeamSlot['role']): TeamSlot => ({
    openId: m.openId,
    name: m.name,
    role,
    unit: m.unit,
    county: m.county,
  });
  return [
    ...(team.leader ? [slot(team.leader, '组长')] : []),
    ...team.officers.map((m) => slot(m, '执法人员')),
    ...(team.expert ? [slot(team.expert, '专家')] : []),
  ];
}

/**
 * The confirm button of a preview: confirms it once (a second click, or a click on a replaced preview, draws
 * nothing), voids the tasks of the draw it replaces, logs the confirmation, and dispatches.
 */
export async function confirmDraw(
  conn: Connection,
  outbox: Outbox,
  now: Date,
  input: { actor: Actor; drawId: Types.ObjectId },
): Promise<Confirmed | Refusal> {
  const denied = drawRefusal(input.actor);
  if (denied) return denied;
  const draws = drawModel(conn);
  const draw = await draws.findById(input.drawId).lean<DrawDoc>();
  if (!draw) return refuse('预览不存在', '找不到这次预览，请重新发送 /抽取。');
  const campaign = await campaignModel(conn).findById(draw.campaignId).lean<CampaignDoc>();
  if (!campaign) return refuse('专项不存在', '这次预览所属的专项已不存在，请重新发送 /抽取。');
  if (draw.status === 'confirmed') {
    // Dispatch is idempotent: finishing it here also repairs a confirmation interrupted by a crash.
    const dispatch = draw.dispatchedAt ? Promise.resolve() : dispatchDraw(conn, outbox, now, draw._id).then(() => undefined);
    return alreadyConfirmed(conn, draw, campaign, dispatch);
  }
  if (draw.status !== 'previewed') {
    return refuse('预览已失效', '这次预览已被新的预览取代或已取消，未进行抽取。请使用最新的预览，或重新发送 /抽取。');
  }

  const registry = await readRegistry(conn, campaign);
  if (registry.populationHash !== draw.populationHash || registry.staffHash !== draw.staffHash) {
    await draws.updateOne({ _id: draw._id, status: 'previewed' }, { $set: { status: 'abandoned' } });
    await appendDrawLog(conn, { kind: 'abandon', drawId: String(draw._id), why: '预览后名录库发生变化', by: input.actor.openId }, now);
    return refuse('名录库已变化', '预览之后检查对象名录库或人员名录发生了变化，这次预览已失效。请重新发送 /抽取，按最新名录预览。');
  }

  const previous = await draws.findOne({ campaignId: campaign._id, status: 'confirmed' }).lean<DrawDoc>();
  if (previous) {
    // Checked at preview too, but an inspection may have started since.
    const started = await taskModel(conn).countDocuments({ drawId: previous._id, state: { $nin: ['待接收', '待检查', '已作废'] } });
    if (started > 0) {
      return refuse('不能重新抽取', `预览之后，第${previous.attempt}次抽取的任务中已有${started}项开始检查，不能再重新抽取。这次预览未生效。`);
    }
  }
  let confirmed: DrawDoc | null;
  try {
    confirmed = await draws
      .findOneAndUpdate(
        { _id: draw._id, status: 'previewed' },
        {
          $set: {
            status: 'confirmed',
            confirmedBy: input.actor.openId,
            confirmedAt: now,
            confirmedSlot: `${String(campaign._id)}:${draw.attempt}`,
          },
        },
        { returnDocument: 'after' },
      )
      .lean<DrawDoc>();
  } catch (err) {
    if (isDuplicateKeyError(err)) {
      return refuse('已有抽取被确认', `本专项的第${draw.attempt}次抽取已由他人确认，这次预览未生效。发送 /进度 查看情况。`);
    }
    throw err;
  }
  if (!confirmed) {
    // Lost a race with a second click on the same button: report what the winner did.
    const winner = await draws.findById(draw._id).lean<DrawDoc>();
    if (winner?.status === 'confirmed') return alreadyConfirmed(conn, winner, campaign, Promise.resolve());
    return refuse('预览已失效', '这次预览已被新的预览取代或已取消，未进行抽取。请重新发送 /抽取。');
  }

  const bundle = unpackBundle(confirmed.bundleGz);
  const missing = await countiesWithoutLiaison(conn, bundle.selection.map((s) => s.county));
  const dispatch = dispatchDraw(conn, outbox, now, draw._id).then(() => undefined);
  return { ok: true, draw: confirmed, campaign, bundle, already: false, countiesWithoutLiaison: missing, dispatch };
}

async function alreadyConfirmed(conn: Connection, draw: DrawDoc, campaign: CampaignDoc, dispatch: Promise<void>): Promise<Confirmed> {
  const bundle = unpackBundle(draw.bundleGz);
  const missing = await countiesWithoutLiaison(conn, bundle.selection.map((s) => s.county));
  return { ok: true, draw, campaign, bundle, already: true, countiesWithoutLiaison: missing, dispatch };
}

/** The draws a confirmed redraw replaces: superseded, their tasks not yet started voided, their teams told. */
async function supersedeEarlier(conn: Connection, outbox: Outbox, draw: DrawDoc): Promise<string[]> {
  const draws = drawModel(conn);
  const earlier = await draws
    .find({ campaignId: draw.campaignId, status: { $in: ['confirmed', 'superseded'] }, attempt: { $lt: draw.attempt } }, { _id: 1, status: 1 })
    .lean();
  const tasks = taskModel(conn);
  for (const d of earlier) {
    if (d.status === 'confirmed') await draws.updateOne({ _id: d._id, status: 'confirmed' }, { $set: { status: 'superseded' } });
    await tasks.updateMany({ drawId: d._id, state: { $in: ['待接收', '待检查'] } }, { $set: { state: '已作废' }, $inc: { version: 1 } });
    // Keyed messages: running this again after a crash tells nobody twice.
    const voided = await tasks.find({ drawId: d._id, state: '已作废' }).lean<TaskDoc[]>();
    for (const t of voided) {
      for (const m of t.team) {
        await outbox.sendCard(`task:${String(t._id)}:void:${m.openId}`, { openId: m.openId }, voidedTaskCard(t, draw.reason ?? '重新抽取'));
      }
    }
  }
  return earlier.map((d) => String(d._id));
}

/** Bundles above this are sent gzip-compressed (Feishu takes files up to 30 MB). */
const PLAIN_BUNDLE_MAX_BYTES = 20 * 1024 * 1024;

/** The published bundle file of a draw, read at delivery (too large to copy into the outbox). */
export async function drawBundleFile(conn: Connection, ref: string): Promise<Buffer> {
  const [id, form] = ref.split(':');
  const draw = await drawModel(conn).findById(id, { bundleGz: 1 }).lean<DrawDoc>();
  if (!draw) throw new Error(`draw ${id} not found`);
  const gz = binaryBytes(draw.bundleGz);
  return form === 'gz' ? gz : Buffer.from(JSON.stringify(unpackBundle(gz)));
}

/**
 * Writes the draw's tasks and queues every message. Idempotent (tasks upserted by draw and number, messages keyed),
 * so it can run again after a crash until `dispatchedAt` is set.
 */
export async function dispatchDraw(conn: Connection, outbox: Outbox, now: Date, drawId: Types.ObjectId): Promise<string[]> {
  const draws = drawModel(conn);
  const draw = await draws.findById(drawId).lean<DrawDoc>();
  if (!draw || draw.status !== 'confirmed') return [];
  const campaign = (await campaignModel(conn).findById(draw.campaignId).lean<CampaignDoc>()) as CampaignDoc;
  const bundle = unpackBundle(draw.bundleGz);

  // Everything below is idempotent, so a dispatch interrupted by a crash is finished by resumeDispatch.
  const superseded = await supersedeEarlier(conn, outbox, draw);
  await appendDrawLog(
    conn,
    {
      kind: 'confirm',
      drawId: String(draw._id),
      campaign: campaign.name,
      attempt: draw.attempt,
      by: draw.confirmedBy ?? draw.requestedBy,
      entropy: draw.entropy,
      seed: draw.seed,
      resultHash: draw.resultHash,
      ...(superseded.length > 0 ? { supersedes: superseded.join(',') } : {}),
      ...(draw.reason ? { reason: draw.reason } : {}),
    },
    draw.confirmedAt ?? now,
    `confirm:${String(draw._id)}`,
  );

  const details = new Map<string, Enterprise>();
  const rows = await enterpriseModel(conn)
    .find({ uscc: { $in: bundle.selection.map((s) => s.uscc) } }, { _id: 0, createdAt: 0, updatedAt: 0 })
    .lean<Enterprise[]>();
  for (const e of rows) details.set(e.uscc, e);
  const teamByNo = new Map(bundle.teams.map((t) => [t.no, t]));

  const tasks = taskModel(conn);
  const ops = bundle.selection.map((s) => {
    const e = details.get(s.uscc);
    const enterprise: Enterprise = {
      uscc: s.uscc,
      name: s.name,
      licenceNo: s.licenceNo,
      product: s.product,
      category: s.category,
      riskClass: s.riskClass,
      county: s.county,
      validFrom: e?.validFrom ?? '',
      validTo: e?.validTo ?? '',
      address: e?.address ?? '',
      ...(e?.contact ? { contact: e.contact } : {}),
      ...(e?.phone ? { phone: e.phone } : {}),
    };
    return {
      updateOne: {
        filter: { drawId: draw._id, no: s.no },
        update: {
          $setOnInsert: {
            campaignId: campaign._id,
            drawId: draw._id,
            no: s.no,
            enterprise,
            checklist: checklistKindFor(s.category),
            team: teamSlots(teamByNo.get(s.no) as Team),
            state: '待接收',
            version: 0,
          },
        },
        upsert: true,
      },
    };
  });
  if (ops.length > 0) await tasks.bulkWrite(ops, { ordered: false });
  const all = await tasks.find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();

  // County task lists, to every liaison of the county.
  const liaisons = await staffModel(conn).find({ roles: '联络员' }, { openId: 1, county: 1 }).lean();
  const byCounty = new Map<string, TaskDoc[]>();
  for (const t of all) byCounty.set(t.enterprise.county, [...(byCounty.get(t.enterprise.county) ?? []), t]);
  const liaisonCounties = new Set(liaisons.map((l) => l.county));
  const missing = [...byCounty.keys()].filter((c) => !liaisonCounties.has(c)).sort();
  for (const [county, countyTasks] of [...byCounty.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const recipients = liaisons.filter((l) => l.county === county);
    const card = countyTasksCard({ draw, campaign, county, tasks: countyTasks });
    for (const r of recipients) await outbox.sendCard(`draw:${String(draw._id)}:county:${county}:${r.openId}`, { openId: r.openId }, card);
  }

  // Result card and the published bundle, to the liaison who confirmed.
  const to = { openId: draw.confirmedBy ?? draw.requestedBy };
  await outbox.sendCard(`draw:${String(draw._id)}:result`, to, resultCard({ draw, campaign, bundle, countiesWithoutLiaison: missing }));
  const gz = Buffer.byteLength(JSON.stringify(bundle)) > PLAIN_BUNDLE_MAX_BYTES;
  await outbox.sendFile(`draw:${String(draw._id)}:bundle`, to, {
    name: `抽取数据包-${campaign.year}-第${draw.attempt}次-${draw.resultHash.slice(0, 8)}.json${gz ? '.gz' : ''}`,
    type: 'stream',
    source: { kind: DRAW_BUNDLE_SOURCE, ref: `${String(draw._id)}:${gz ? 'gz' : 'json'}` },
  });

  // One assignment card per task and member.
  for (const t of all) {
    const card = assignmentCard(t, campaign);
    for (const m of t.team) await outbox.sendCard(`task:${String(t._id)}:assign:${m.openId}`, { openId: m.openId }, card);
  }
  await draws.updateOne({ _id: draw._id }, { $set: { dispatchedAt: now } });
  return missing;
}

export const DRAW_BUNDLE_SOURCE = 'drawBundle';

/** After a restart: finish dispatching any confirmed draw whose dispatch was interrupted. */
export async function resumeDispatch(conn: Connection, outbox: Outbox, now: Date, log: Logger): Promise<number> {
  const pending = await drawModel(conn).find({ status: 'confirmed', dispatchedAt: { $exists: false } }, { _id: 1 }).lean();
  let resumed = 0;
  for (const d of pending) {
    try {
      await dispatchDraw(conn, outbox, now, d._id);
      resumed++;
    } catch (err) {
      // One draw that cannot be dispatched must not keep the service from starting.
      log.error({ err, drawId: String(d._id) }, 'draw dispatch could not be resumed');
    }
  }
  return resumed;
}
