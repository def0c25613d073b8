/**
 * Dispatch of a confirmed draw: tasks written, the draws it replaces superseded, county task lists, the result card
 * and the two bundle files, one assignment card per team member. Idempotent (tasks upserted by draw and number,
 * messages keyed), so it can run again after a crash until `dispatchedAt` is set.
 *
 * One bad item never stops the rest: an item that cannot be written or sent (a task document the database refuses, a
 * card over Feishu's 30 KB, a team left incomplete by a shortage) is parked on the draw with its reason, the 市局联络员
 * who confirmed is told, and the dispatch goes on; the resume job skips parked items.
 */
import type { Connection, Types } from 'mongoose';
import { checklistKindFor } from '../../domain/checklists';
import { ALGORITHM, type BundleDetails } from '../../domain/draw2/model';
import { PLATFORM_ALGORITHM } from '../../domain/draw2/platform';
import type { Enterprise } from '../../domain/types';
import type { Card, Outbox } from '../../platform/outbox';
import { assignmentCard, cardFits, countyTasksCard, parkedCard, resultCard, supersededCountyCard, voidedTaskCard } from '../../bot/drawViews';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import { catchUpTasks } from '../checklists/extrasRevision';
import { binaryBytes } from '../../store/binary';
import { drawModel, type DrawDoc, type ParkedItem } from '../../store/draw';
import { LONG_OPERATION } from '../../store/timeouts';
import { enterpriseModel } from '../../store/enterprise';
import { staffModel } from '../../store/staff';
import { taskModel, type TaskDoc, type TeamSlot } from '../../store/task';
import { confirmerName } from './confirmer';
import { gunzipAsync, readGzJson } from './jsonSlices';
import { yieldTurn } from './slices';

export const DRAW_BUNDLE_SOURCE = 'drawBundle';

/**
 * What the dispatch reads from `teamsGz`: the details of a draw of the bot (spotcheck-draw/2) or of one imported from
 * the national platform (platform-import/1) alike.
 */
export interface Dispatchable {
  selection: Pick<BundleDetails['selection'][number], 'no' | 'uscc' | 'name' | 'licenceNo' | 'county' | 'product' | 'category' | 'riskClass'>[];
  teams: Pick<BundleDetails['teams'][number], 'no' | 'members'>[];
  shortages: Pick<BundleDetails['shortages'][number], 'no' | 'blocking' | 'reason'>[];
}

/** The algorithms whose draws this module dispatches. */
const DISPATCHED: readonly string[] = [ALGORITHM, PLATFORM_ALGORITHM];

/** The bundle file of a draw, read at delivery (too large to copy into the outbox): `<drawId>:<internal|public>`. */
export async function drawBundleFile(conn: Connection, ref: string): Promise<Buffer> {
  const [id, form] = ref.split(':');
  const draw = await drawModel(conn).findById(id, { bundleGz: 1, publicBundleGz: 1 }).lean<DrawDoc>();
  if (!draw) throw new Error(`draw ${id} not found`);
  const gz = form === 'public' ? draw.publicBundleGz : draw.bundleGz;
  if (!gz) throw new Error(`draw ${id} has no ${form} bundle`);
  return gunzipAsync(binaryBytes(gz));
}

/** The county lists and assignment cards name the draw's tasks; a task is sent once its slot list is known. */
function slotsOf(team: Dispatchable['teams'][number]): TeamSlot[] {
  return team.members.map((m) => ({ openId: m.openId, name: m.name, role: m.role, unit: m.unit, county: m.county }));
}

async function park(conn: Connection, outbox: Outbox, draw: DrawDoc, campaign: CampaignDoc, key: string, reason: string, now: Date): Promise<void> {
  const item: ParkedItem = { key, reason, at: now };
  const res = await drawModel(conn).updateOne({ _id: draw._id, 'parked.key': { $ne: key } }, { $push: { parked: item } });
  if (res.modifiedCount === 0) return;
  const to = { openId: draw.confirmedBy ?? draw.requestedBy };
  try {
    await outbox.sendCard(`draw:${String(draw._id)}:parked:${key}`, to, parkedCard(draw, campaign, item));
  } catch {
    // The park itself is recorded on the draw (and shown in the result card); a notice that cannot be queued is not
    // a reason to stop the dispatch.
  }
}

/** Sends a card unless it is parked or too large (then parks it). */
async function sendOrPark(
  conn: Connection,
  outbox: Outbox,
  ctx: { draw: DrawDoc; campaign: CampaignDoc; parked: Set<string>; now: Date },
  parkKey: string,
  sends: { key: string; openId: string }[],
  card: Card,
  what: string,
): Promise<void> {
  if (ctx.parked.has(parkKey)) return;
  if (!cardFits(card)) {
    ctx.parked.add(parkKey);
    await park(conn, outbox, ctx.draw, ctx.campaign, parkKey, `${what}超过飞书卡片30KB的上限，未能发送（例如企业名称过长）。请核实名录中的数据后线下通知。`, ctx.now);
    return;
  }
  for (const s of sends) {
    try {
      await outbox.sendCard(s.key, { openId: s.openId }, card);
    } catch (err) {
      ctx.parked.add(parkKey);
      await park(conn, outbox, ctx.draw, ctx.campaign, parkKey, `${what}无法写入发送队列：${err instanceof Error ? err.message.slice(0, 200) : String(err)}`, ctx.now);
      return;
    }
  }
}

/** Whether `a` was confirmed before `b` (by confirmation time; by attempt where a time is missing or equal). */
export function confirmedBefore(a: DrawDoc, b: DrawDoc): boolean {
  const ta = a.confirmedAt ? new Date(a.confirmedAt).getTime() : NaN;
  const tb = b.confirmedAt ? new Date(b.confirmedAt).getTime() : NaN;
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta < tb;
  return a.attempt < b.attempt;
}

/** The draws a confirmed redraw replaces: superseded, their voided tasks' teams told. */
async function supersedeEarlier(conn: Connection, outbox: Outbox, draw: DrawDoc): Promise<void> {
  const draws = drawModel(conn);
  const earlier = (
    await draws
      .find({ campaignId: draw.campaignId, status: { $in: ['confirmed', 'superseded'] }, _id: { $ne: draw._id } })
      .sort({ confirmedAt: 1 })
      .lean<DrawDoc[]>()
  ).filter((d) => confirmedBefore(d, draw));
  const tasks = taskModel(conn);
  for (const d of earlier) {
    if (d.status === 'confirmed') await draws.updateOne({ _id: d._id, status: 'confirmed' }, { $set: { status: 'superseded' } });
    // Already voided by the fence (confirmDraw.ts); repeated here for draws confirmed before the fence existed.
    await tasks.updateMany({ drawId: d._id, state: { $in: ['待接收', '待检查'] } }, { $set: { state: '已作废' }, $inc: { version: 1 } });
    const voided = await tasks.find({ drawId: d._id, state: '已作废' }).sort({ no: 1 }).lean<TaskDoc[]>();
    for (const t of voided) {
      const card = voidedTaskCard(t, draw.reason ?? '重新抽取');
      for (const m of t.team) {
        try {
          await outbox.sendCard(`task:${String(t._id)}:void:${m.openId}`, { openId: m.openId }, card);
          // the assignment card itself, in place: its 开始检查 would otherwise stay live on a void task
          await outbox.patchDelivered(`task:${String(t._id)}:assign:${m.openId}`, `task:${String(t._id)}:assign-void:${m.openId}`, card);
        } catch {
          // keyed: the next run tries again
        }
      }
    }
    await tellCounties(conn, outbox, d, draw, voided);
  }
}

/**
 * The counties' side of a redraw: each county list the replaced draw sent is shown as replaced, in place (its 接收
 * button would otherwise stay live on a void list), and the county's liaisons are told how many of its tasks were
 * voided. Keyed like every send: a second run changes nothing.
 */
async function tellCounties(conn: Connection, outbox: Outbox, old: DrawDoc, draw: DrawDoc, voided: readonly TaskDoc[]): Promise<void> {
  const count = new Map<string, number>();
  for (const t of voided) count.set(t.enterprise.county, (count.get(t.enterprise.county) ?? 0) + 1);
  const prefix = `draw:${String(old._id)}:county:`;
  const card = (county: string) => supersededCountyCard({ old, draw, county, voided: count.get(county) ?? 0 });
  try {
    for (const sent of await outbox.deliveredUnder(prefix)) {
      // key: draw:<id>:county:<county>:<openId>
      const rest = sent.key.slice(prefix.length);
      const county = rest.slice(0, rest.lastIndexOf(':'));
      await outbox.patchCard(`draw:${String(old._id)}:county-void:${rest}`, sent.messageId, card(county));
    }
    if (count.size === 0) return;
    const liaisons = await staffModel(conn).find({ roles: '联络员', county: { $in: [...count.keys()] } }, { openId: 1, county: 1 }).sort({ openId: 1 }).lean();
    for (const l of liaisons) {
      await outbox.sendCard(`draw:${String(old._id)}:county-void-notice:${l.county}:${l.openId}`, { openId: l.openId }, card(l.county ?? ''));
    }
  } catch {
    // Telling is not worth stopping the dispatch for (a failed write queueing a card): the new draw's tasks and cards
    // come first. A dispatch cut off before it finished runs this again, and the keys keep it once-only.
  }
}

/** Work on a draw running in this process, per connection and draw: a second call joins the running one. */
class InProcess<T> {
  private readonly byConn = new WeakMap<Connection, Map<string, Promise<T>>>();

  has(conn: Connection, drawId: Types.ObjectId): boolean {
    return this.byConn.get(conn)?.has(String(drawId)) ?? false;
  }

  run(conn: Connection, drawId: Types.ObjectId, work: () => Promise<T>): Promise<T> {
    let perConn = this.byConn.get(conn);
    if (!perConn) this.byConn.set(conn, (perConn = new Map()));
    const key = String(drawId);
    const inFlight = perConn.get(key);
    if (inFlight) return inFlight;
    const started = work().finally(() => {
      if (perConn.get(key) === started) perConn.delete(key);
    });
    perConn.set(key, started);
    return started;
  }
}

/**
 * Dispatches running in this process. The confirm starts a draw's dispatch and answers; the minutely dispatch job
 * (jobs/index.ts) looks for confirmed draws not yet dispatched and would otherwise start a second, concurrent dispatch
 * of the same draw. That is safe (every write and send is keyed) but doubles the work of a large draw while the first
 * is still running. A second call joins the running one instead; the job skips it. A dispatch in another instance,
 * or one a crash cut off, is not in this map: the keys keep those once-only.
 */
const dispatches = new InProcess<string[]>();

/**
 * Confirmations being finished in this process (the fence, the reveal and the bundles after the claim:
 * confirmDraw.ts finishConfirmation, platformImport.ts finishPlatformImport). The same job finishes confirmations a
 * crash interrupted, and would otherwise finish one the confirm is still finishing: safe, for the same reason, but a
 * large draw's bundles cost seconds. The job skips a draw being finished here; a second click joins it.
 */
const finishes = new InProcess<unknown>();

/** A dispatch of this draw is running in this process. */
export function dispatchRunning(conn: Connection, drawId: Types.ObjectId): boolean {
  return dispatches.has(conn, drawId);
}

export function dispatchDraw(conn: Connection, outbox: Outbox, now: Date, drawId: Types.ObjectId): Promise<string[]> {
  return dispatches.run(conn, drawId, () => runDispatch(conn, outbox, now, drawId));
}

/** The confirmation of this draw is being finished in this process (finishOnce). */
export function finishRunning(conn: Connection, drawId: Types.ObjectId): boolean {
  return finishes.has(conn, drawId);
}

/** Finishes a claimed confirmation (`finish`), or joins the finishing of it already running in this process. */
export function finishOnce<T>(conn: Connection, drawId: Types.ObjectId, finish: () => Promise<T>): Promise<T> {
  return finishes.run(conn, drawId, finish) as Promise<T>;
}

async function runDispatch(conn: Connection, outbox: Outbox, now: Date, drawId: Types.ObjectId): Promise<string[]> {
  const draws = drawModel(conn);
  const draw = await draws.findById(drawId).lean<DrawDoc>();
  if (!draw || draw.status !== 'confirmed') return [];
  const dispatched = draw.algorithm !== undefined && DISPATCHED.includes(draw.algorithm);
  if (!dispatched || !draw.teamsGz || !draw.bundleGz) {
    if (!dispatched) await draws.updateOne({ _id: draw._id }, { $set: { dispatchedAt: now } });
    return [];
  }
  const campaign = (await campaignModel(conn).findById(draw.campaignId).lean<CampaignDoc>()) as CampaignDoc;
  const data = await readGzJson<Dispatchable>(draw.teamsGz);
  const parked = new Set((draw.parked ?? []).map((p) => p.key));
  const ctx = { draw, campaign, parked, now };

  await supersedeEarlier(conn, outbox, draw);

  // Tasks: one per drawn enterprise (ordered: false, so one refused document does not stop the others).
  const details = new Map<string, Enterprise>();
  const codes = data.selection.map((s) => s.uscc);
  for (let i = 0; i < codes.length; i += 1000) {
    const rows = await enterpriseModel(conn)
      .find({ uscc: { $in: codes.slice(i, i + 1000) } }, { _id: 0, createdAt: 0, updatedAt: 0 })
      .setOptions(LONG_OPERATION)
      .lean<Enterprise[]>();
    for (const e of rows) details.set(e.uscc, e);
  }
  const blocking = new Map<number, string[]>();
  for (const s of data.shortages) if (s.blocking) blocking.set(s.no, [...(blocking.get(s.no) ?? []), s.reason]);
  const tasks = taskModel(conn);
  const teamByNo = new Map(data.teams.map((t) => [t.no, t]));
  const todo = data.selection.filter((s) => !parked.has(`task:${s.no}`));
  const stampedRev = campaign.extrasRev ?? 0;
  for (let i = 0; i < todo.length; i += 500) {
    const batch = todo.slice(i, i + 500);
    const ops = batch.map((s) => {
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
              checklist: checklistKindFor(enterprise.category),
              team: slotsOf(teamByNo.get(s.no)!),
              state: '待接收',
              version: 0,
              // the campaign's revision of its extra checklists, caught up below (checklists/extrasRevision.ts)
              extrasRev: stampedRev,
            },
          },
          upsert: true,
        },
      };
    });
    try {
      await tasks.bulkWrite(ops, { ordered: false });
    } catch (err) {
      const failed = (err as { writeErrors?: { index?: number; err?: { index?: number; errmsg?: string }; errmsg?: string }[] }).writeErrors;
      if (!Array.isArray(failed) || failed.length === 0) throw err;
      for (const w of failed) {
        const index = w.index ?? w.err?.index;
        const s = index === undefined ? undefined : batch[index];
        if (s === undefined) continue;
        const key = `task:${s.no}`;
        parked.add(key);
        await park(conn, outbox, draw, campaign, key, `第${s.no}号（${s.uscc}）的检查任务无法写入数据库：${(w.errmsg ?? w.err?.errmsg ?? '').slice(0, 200)}`, now);
      }
    }
    await yieldTurn();
  }
  // before any card with a task's 开始检查 button is sent
  await catchUpTasks(conn, campaign._id, draw._id, stampedRev);
  const all = await tasks.find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();

  // County task lists (first page; the buttons page through), to every liaison of the county.
  const liaisons = await staffModel(conn).find({ roles: '联络员' }, { openId: 1, county: 1 }).sort({ openId: 1 }).lean();
  const byCounty = new Map<string, TaskDoc[]>();
  for (const t of all) {
    const list = byCounty.get(t.enterprise.county);
    if (list) list.push(t);
    else byCounty.set(t.enterprise.county, [t]);
  }
  const liaisonCounties = new Set(liaisons.map((l) => l.county));
  const missing = [...byCounty.keys()].filter((c) => !liaisonCounties.has(c)).sort();
  for (const [county, countyTasks] of [...byCounty.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const recipients = liaisons.filter((l) => l.county === county);
    if (recipients.length === 0) continue;
    const card = countyTasksCard({ draw, campaign, county, tasks: countyTasks, page: 0 });
    await sendOrPark(
      conn,
      outbox,
      ctx,
      `county:${county}`,
      recipients.map((r) => ({ key: `draw:${String(draw._id)}:county:${county}:${r.openId}`, openId: r.openId })),
      card,
      `${county}的检查任务清单`,
    );
  }

  // Result card and the two bundle files, to the liaison who confirmed.
  const to = { openId: draw.confirmedBy ?? draw.requestedBy };
  const latest = (await draws.findById(draw._id).lean<DrawDoc>()) ?? draw;
  await outbox.sendCard(`draw:${String(draw._id)}:result`, to, resultCard({ draw: latest, campaign, countiesWithoutLiaison: missing, confirmedByName: await confirmerName(conn, latest) }));
  const base = `${campaign.year}-第${draw.attempt}次${draw.algorithm === PLATFORM_ALGORITHM ? '-平台' : ''}-${(draw.resultHash ?? '').slice(0, 8)}`;
  await outbox.sendFile(`draw:${String(draw._id)}:bundle`, to, {
    name: `抽取数据包-内部-${base}.json`,
    type: 'stream',
    source: { kind: DRAW_BUNDLE_SOURCE, ref: `${String(draw._id)}:internal` },
  });
  await outbox.sendFile(`draw:${String(draw._id)}:public`, to, {
    name: `抽取数据包-可公开-${base}.json`,
    type: 'stream',
    source: { kind: DRAW_BUNDLE_SOURCE, ref: `${String(draw._id)}:public` },
  });

  // One assignment card per task and member; teams a shortage left incomplete are parked for the liaison.
  for (const t of all) {
    const key = `assign:${t.no}`;
    if (parked.has(key)) continue;
    const short = blocking.get(t.no);
    if (short !== undefined) {
      parked.add(key);
      await park(conn, outbox, draw, campaign, key, `第${t.no}号（${t.enterprise.uscc}）的检查组缺员：${short.join('；')}。任务未派发，请补充人员后处理。`, now);
      continue;
    }
    const card = assignmentCard(t, campaign);
    await sendOrPark(
      conn,
      outbox,
      ctx,
      key,
      t.team.map((m) => ({ key: `task:${String(t._id)}:assign:${m.openId}`, openId: m.openId })),
      card,
      `第${t.no}号检查任务的派发卡片`,
    );
    if (t.no % 200 === 0) await yieldTurn();
  }
  await draws.updateOne({ _id: draw._id }, { $set: { dispatchedAt: now } });
  return missing;
}
