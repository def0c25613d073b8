/**
 * "The confirmed draw" is the latest confirmed attempt, whatever order the database returns documents in. For a
 * moment after a crash mid-redraw two attempts of one campaign are both 'confirmed' (the older one is superseded
 * only after the newer one's answer); every lookup of the confirmed draw must sort by `attempt` and take attempt 2.
 *
 * Each case runs twice: with attempt 1 stored before attempt 2 and the other way round. Without a sort, MongoDB (and
 * the wire server) return documents in storage or index order, so one of the two orders gives attempt 1 to any
 * lookup that forgets to sort.
 */
import type { Types } from 'mongoose';
import { sendCampaignReminders } from '../../src/operations/campaignReminders';
import { confirmDraw } from '../../src/operations/draw/confirmDraw';
import { currentDraw, previewDraw } from '../../src/operations/draw/previewDraw';
import { reportContext } from '../../src/operations/progress';
import type { Actor } from '../../src/policies';
import { drawModel, type DrawDoc } from '../../src/store/draw';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

jest.setTimeout(180_000);

let h: Harness;
let reg: SeededRegistries;
const clock = new Date('2024-03-16T02:00:00.000Z'); // 10:00 in 运城, the campaign runs from 03-15
const today = '2024-03-16';
const conn = () => h.service.db.connection;
let ids: { first: Types.ObjectId; second: Types.ObjectId };

function liaison(): Actor {
  return { openId: reg.cityLiaison.openId, roles: reg.cityLiaison.roles, county: reg.cityLiaison.county };
}

async function draw(reason?: string): Promise<Types.ObjectId> {
  const p = await previewDraw(conn(), clock, { actor: liaison(), actorName: reg.cityLiaison.name, reason });
  if (!p.ok) throw new Error(p.reason);
  const c = await confirmDraw(conn(), h.service.outbox, clock, { actor: liaison(), drawId: p.draw._id });
  if (!c.ok) throw new Error(c.reason);
  await c.dispatch;
  return p.draw._id;
}

beforeAll(async () => {
  // No outbox worker: what these cases check is which draw a lookup takes, never a delivered card (the reminders
  // case reads the queued entries). Delivering the two dispatches' cards would be most of this file's work.
  h = await startHarness({ dbPrefix: 'latest_draw', now: () => clock, outbox: { concurrency: 0 } });
  // 30 firms: two draws of about ten tasks each; the cases need some tasks per attempt, not many.
  reg = await seedRegistries(conn(), { enterprises: 30, seed: 5 });
  const first = await draw();
  ids = { first, second: await draw('两名执法人员调离') };
  const attempts = await drawModel(conn()).find({ _id: { $in: [ids.first, ids.second] } }, { attempt: 1, status: 1 }).lean<DrawDoc[]>();
  expect(attempts.map((d) => [d.attempt, d.status]).sort()).toEqual([
    [1, 'superseded'],
    [2, 'confirmed'],
  ]);
});

afterAll(async () => {
  await h?.close();
});

/**
 * The crash state: attempt 1 confirmed again with its tasks live, both draws stored anew in `order` (delete and
 * insert, so storage order is exactly the given one).
 */
async function crashState(order: 'attempt 1 first' | 'attempt 2 first'): Promise<void> {
  const coll = conn().collection('draws');
  const [one, two] = [await coll.findOne({ _id: ids.first }), await coll.findOne({ _id: ids.second })];
  one!.status = 'confirmed';
  await coll.deleteMany({ _id: { $in: [ids.first, ids.second] } });
  for (const doc of order === 'attempt 1 first' ? [one!, two!] : [two!, one!]) await coll.insertOne(doc);
  await taskModel(conn()).updateMany({ drawId: { $in: [ids.first, ids.second] } }, { $set: { state: '待检查' }, $unset: { inspection: 1 } });
  const stored = await coll.find({ campaignId: reg.campaign._id, status: 'confirmed' }).toArray();
  expect(stored.map((d) => d.attempt)).toEqual(order === 'attempt 1 first' ? [1, 2] : [2, 1]);
}

async function startSomeTask(drawId: Types.ObjectId): Promise<TaskDoc> {
  const task = (await taskModel(conn()).findOne({ drawId }).sort({ no: 1 }).lean<TaskDoc>())!;
  await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: '检查中' } });
  return task;
}

describe.each(['attempt 1 first', 'attempt 2 first'] as const)('two confirmed attempts stored %s', (order) => {
  beforeEach(async () => {
    await crashState(order);
  });

  it('/进度 and /汇总 (reportContext) report on attempt 2', async () => {
    const ctx = await reportContext(conn(), today);
    expect(ctx.ok).toBe(true);
    if (ctx.ok) expect([ctx.draw.attempt, String(ctx.draw._id)]).toEqual([2, String(ids.second)]);
  });

  it('/抽取 (previewDraw, currentDraw) names attempt 2 as the draw already done', async () => {
    expect((await currentDraw(conn(), reg.campaign._id))?.attempt).toBe(2);
    const again = await previewDraw(conn(), clock, { actor: liaison(), actorName: reg.cityLiaison.name });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.reason).toContain('已完成第2次抽取');
    // A started task of attempt 2 blocks a redraw, named as attempt 2's.
    await startSomeTask(ids.second);
    const redraw = await previewDraw(conn(), clock, { actor: liaison(), actorName: reg.cityLiaison.name, reason: '人员调整' });
    expect(redraw.ok).toBe(false);
    if (!redraw.ok) expect(redraw.reason).toContain('第2次抽取的任务中已有1项开始检查');
  });

  it('the window reminders (campaign-reminders job) list the unstarted tasks of attempt 2', async () => {
    // Attempt 1's tasks all started, attempt 2's all waiting: a lookup that took attempt 1 would find nothing to remind of.
    await taskModel(conn()).updateMany({ drawId: ids.first }, { $set: { state: '检查中' } });
    await conn().collection('outbox').deleteMany({ key: /^window:/ });
    const secondTasks = await taskModel(conn()).find({ drawId: ids.second }).lean<TaskDoc[]>();
    expect(secondTasks.length).toBeGreaterThan(0);

    const run = await sendCampaignReminders({ conn: conn(), outbox: h.service.outbox, log: h.log }, new Date('2024-09-13T01:00:00Z'));
    expect(run.window).toBeGreaterThan(0);
    const cards = await conn().collection('outbox').find({ key: /^window:/ }).toArray();
    expect(cards.length).toBe(run.window);
    const text = cards.map((c) => String(c.content)).join('\n');
    for (const t of secondTasks) expect(text).toContain(t.enterprise.name);
  });

  it('确认 of a new preview (confirmDraw) names attempt 2 when both attempts have a started task', async () => {
    const p = await previewDraw(conn(), clock, { actor: liaison(), actorName: reg.cityLiaison.name, reason: '再次调整' });
    if (!p.ok) throw new Error(p.reason);
    await startSomeTask(ids.first);
    await startSomeTask(ids.second);
    const c = await confirmDraw(conn(), h.service.outbox, clock, { actor: liaison(), drawId: p.draw._id });
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.reason).toContain('第2次抽取的任务中已有1项开始检查');
      expect(c.reason).not.toContain('第1次');
    }
  });
});
