/**
 * 开始检查 reads the task, its campaign's window and the campaign's extra checklists in one command
 * (operations/inspection/startContext.ts) and writes the new record through the driver (casUpdateStored). Here, on
 * the database directly: what the one read returns (window, lists in campaignExtras' order, nothing of another
 * campaign), that the driver stores exactly what mongoose would have cast from the record, the refusals, and the
 * commands a start sends. The window's refusals and the 组长's reason through the webhook: visit.test.ts.
 */
import type { Document } from 'mongodb';
import mongoose, { Types, type Connection } from 'mongoose';
import { createLogger } from '../../src/logger';
import { campaignExtras } from '../../src/operations/checklists/campaignExtras';
import { catchUpTasks, currentExtrasRev, publishExtrasChange } from '../../src/operations/checklists/extrasRevision';
import { importChecklists, removeChecklist } from '../../src/operations/checklists/importChecklists';
import type { InspectionDeps } from '../../src/operations/inspection/common';
import { byImportOrder, loadForStart } from '../../src/operations/inspection/startContext';
import { startInspection } from '../../src/operations/inspection/startInspection';
import type { Outbox } from '../../src/platform/outbox';
import { campaignModel, type CampaignDoc } from '../../src/store/campaign';
import { extraChecklistModel } from '../../src/store/extraChecklist';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { DB_OPERATION_TIMEOUT_MS, timeoutOptions } from '../../src/store/timeouts';
import { openTestDb, type TestDb } from '../support/db';
import { PEOPLE } from '../support/fixtures';
import { campaignWithDraw, taskIn } from '../support/outcomes';

let db: TestDb;
const sent: { name: string; command: Document }[] = [];
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;
let clock = new Date('2024-05-06T02:00:00Z');
const { leader, officer } = PEOPLE;

function deps(): InspectionDeps {
  // no start here reaches the follow-up (states after submission), the only user of the outbox
  return { conn: db.conn, outbox: {} as Outbox, log: createLogger('silent'), now: () => clock };
}

async function raw(id: unknown): Promise<TaskDoc> {
  return (await taskModel(db.conn).collection.findOne({ _id: new Types.ObjectId(String(id)) })) as unknown as TaskDoc;
}

/** Database commands sent while `work` runs (each checks a connection out of the driver's pool). */
async function commandsOf<T>(work: () => Promise<T>, conn: Connection = db.conn): Promise<{ value: T; commands: number }> {
  let commands = 0;
  const count = () => commands++;
  const client = conn.getClient();
  client.on('connectionCheckOutStarted', count);
  try {
    const value = await work();
    return { value, commands };
  } finally {
    client.off('connectionCheckOutStarted', count);
  }
}

const FULL_WIDTH = '！专项检查表'; // U+FF01: after the surrogate pair below in UTF-16, before it in UTF-8
const ASTRAL = '𠀀专项检查表'; // U+20000
// two lists imported in the same millisecond: ordered by name (工 U+5DE5 before 重 U+91CD)
const ZERO = '工业产品质量安全“零事故”创建指导';
const HAZARD = '重点工业产品质量安全隐患排查';

beforeAll(async () => {
  // the service's connection options (write concern), and the commands as sent
  db = await openTestDb('start_inspection', { ...timeoutOptions(), monitorCommands: true });
  db.conn.getClient().on('commandStarted', (e) => sent.push({ name: e.commandName, command: e.command }));
  ctx = await campaignWithDraw(db.conn);
  // the models' index builds done, so that the commands counted below are the starts' own
  await Promise.all([taskModel(db.conn).init(), extraChecklistModel(db.conn).init(), campaignModel(db.conn).init()]);
  const at = new Date('2024-04-01T00:00:00Z');
  const list = (name: string, createdAt: Date, campaignId = ctx.campaign._id) => ({
    campaignId,
    name,
    items: [
      { no: 1, text: `${name}第一项` },
      { no: 2, text: `${name}第二项` },
    ],
    importedBy: 'CLI',
    fileName: 'extra.csv',
    createdAt,
    updatedAt: createdAt,
  });
  // the driver's insert keeps the given createdAt (two lists imported in the same millisecond)
  await extraChecklistModel(db.conn).collection.insertMany([
    list(HAZARD, at),
    list(ZERO, at),
    list('较早导入的检查表', new Date(at.getTime() - 1000)),
    list('另一专项的检查表', at, new Types.ObjectId()),
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('the one read of a start', () => {
  it('returns the task, its campaign’s window and the campaign’s lists in campaignExtras’ order', async () => {
    const task = await taskIn(db.conn, ctx);
    const { value: loaded, commands } = await commandsOf(() => loadForStart(deps(), String(task._id)));
    expect(commands).toBe(1);
    expect(loaded!.window).toEqual({ from: '2024-03-15', to: '2024-10-31' });
    expect(loaded!.extras.map((l) => l.name)).toEqual(['较早导入的检查表', ZERO, HAZARD]);
    expect(loaded!.extras).toEqual(await campaignExtras(deps(), task));
    expect(loaded!.extras[1]).toEqual({ name: ZERO, items: [{ no: 1, text: `${ZERO}第一项` }, { no: 2, text: `${ZERO}第二项` }] });
    // the task as stored, without the joined fields
    expect(loaded!.task).toEqual(await raw(task._id));
  });

  // (the embedded database orders such names by UTF-16 code units, unlike MongoDB: not compared with it here)
  it('orders lists as MongoDB does: by createdAt, then by the names’ UTF-8 bytes', () => {
    const at = new Date('2024-04-01T00:00:00Z');
    const names = [ASTRAL, FULL_WIDTH, 'B', 'A'];
    const sorted = names.map((name) => ({ name, createdAt: at })).sort(byImportOrder);
    expect(sorted.map((l) => l.name)).toEqual(['A', 'B', FULL_WIDTH, ASTRAL]);
    expect([{ name: 'B', createdAt: at }, { name: 'A', createdAt: new Date(at.getTime() + 1) }].sort(byImportOrder).map((l) => l.name)).toEqual(['B', 'A']);
  });

  it('has no window and no lists when the campaign cannot be found; nothing for an unknown task', async () => {
    const task = await taskIn(db.conn, { campaign: { ...ctx.campaign, _id: new Types.ObjectId() }, draw: ctx.draw });
    const loaded = await loadForStart(deps(), String(task._id));
    expect(loaded!.window).toBeUndefined();
    expect(loaded!.extras).toEqual([]);
    expect(await loadForStart(deps(), String(new Types.ObjectId()))).toBeNull();
    expect(await loadForStart(deps(), 'not-an-id')).toBeNull();
  });
});

describe('a start', () => {
  it('stores through the driver exactly what mongoose would cast from the record, in one read and one write', async () => {
    const task = await taskIn(db.conn, ctx, { state: '待接收' });
    sent.length = 0;
    const { value: result, commands } = await commandsOf(() => startInspection(deps(), { taskId: String(task._id), openId: officer.openId }));
    expect(commands).toBe(2);
    // both within the callback's limits (store/timeouts.ts): the read limit on each, the write concern on the write
    expect(sent.map((c) => c.name)).toEqual(['aggregate', 'findAndModify']);
    for (const c of sent) expect(c.command.maxTimeMS).toBe(DB_OPERATION_TIMEOUT_MS);
    expect(sent[1]!.command.writeConcern).toEqual({ w: 'majority', wtimeout: DB_OPERATION_TIMEOUT_MS });
    expect(result).toMatchObject({ ok: true, started: true });
    const stored = await raw(task._id);
    expect(stored.state).toBe('检查中');
    expect(stored.version).toBe(task.version + 1);
    expect(stored.updatedAt.getTime()).toBeGreaterThan(task.updatedAt.getTime());
    expect(stored.inspection).toMatchObject({ startedBy: officer.openId, startedBeforeReceipt: true, cursor: 1, startedAt: clock, lastActive: { [officer.openId]: clock } });
    expect(stored.inspection!.extras!.map((l) => l.name)).toEqual(['较早导入的检查表', ZERO, HAZARD]);
    // mongoose's cast of the stored document (its defaults, types, no field outside the schema) changes nothing
    const cast = new (taskModel(db.conn))(stored).toObject({ flattenMaps: true, depopulate: true }) as unknown as TaskDoc;
    expect(stored.inspection).toEqual(cast.inspection);
    expect(stored).toEqual({ ...cast, inspection: stored.inspection });
    // what the caller renders from is what is stored
    expect(result.ok && result.task).toEqual(stored);
  });

  it('outside the window: refused without the 组长’s reason; with it, the reason is stored as mongoose would cast it', async () => {
    clock = new Date('2024-11-05T02:00:00Z');
    try {
      const task = await taskIn(db.conn, ctx);
      const byOfficer = await startInspection(deps(), { taskId: String(task._id), openId: officer.openId, reason: '想开始' });
      expect(byOfficer).toMatchObject({ ok: false, refusal: { code: 'outsideWindow', from: '2024-03-15', to: '2024-10-31', leader: false } });
      const noReason = await startInspection(deps(), { taskId: String(task._id), openId: leader.openId });
      expect(noReason).toMatchObject({ ok: false, refusal: { code: 'outsideWindow', leader: true } });
      const tooLong = await startInspection(deps(), { taskId: String(task._id), openId: leader.openId, reason: '原'.repeat(201) });
      expect(tooLong).toMatchObject({ ok: false, refusal: { code: 'reasonTooLong' } });
      expect((await raw(task._id)).state).toBe('待检查');
      const started = await startInspection(deps(), { taskId: String(task._id), openId: leader.openId, reason: '  企业停产检修  ' });
      expect(started).toMatchObject({ ok: true, started: true });
      const stored = await raw(task._id);
      expect(stored.inspection!.outsideWindow).toEqual({ reason: '企业停产检修', by: leader.openId, byName: leader.name, at: clock, from: '2024-03-15', to: '2024-10-31' });
      const cast = new (taskModel(db.conn))(stored).toObject({ flattenMaps: true }) as unknown as TaskDoc;
      expect(stored.inspection).toEqual(cast.inspection);
    } finally {
      clock = new Date('2024-05-06T02:00:00Z');
    }
  });

  it('refuses an unknown task, a non-member and a voided task; an open checklist only records the activity', async () => {
    const task = await taskIn(db.conn, ctx);
    expect(await startInspection(deps(), { taskId: String(new Types.ObjectId()), openId: officer.openId })).toEqual({ ok: false, refusal: { code: 'notFound' } });
    expect(await startInspection(deps(), { taskId: String(task._id), openId: 'ou_stranger000000000000000000001' })).toEqual({ ok: false, refusal: { code: 'notMember' } });
    const voided = await taskIn(db.conn, ctx, { state: '已作废' });
    expect(await startInspection(deps(), { taskId: String(voided._id), openId: officer.openId })).toMatchObject({ ok: false, refusal: { code: 'void' } });

    await startInspection(deps(), { taskId: String(task._id), openId: officer.openId });
    const opened = await raw(task._id);
    clock = new Date('2024-05-06T03:00:00Z');
    try {
      const again = await startInspection(deps(), { taskId: String(task._id), openId: leader.openId });
      expect(again).toMatchObject({ ok: true, started: false });
      const after = await raw(task._id);
      // the version and the record stay; only the leader's activity is new
      expect(after.version).toBe(opened.version);
      expect(after.updatedAt).toEqual(opened.updatedAt);
      expect(after.inspection!.lastActive).toEqual({ ...opened.inspection!.lastActive, [leader.openId]: clock });
    } finally {
      clock = new Date('2024-05-06T02:00:00Z');
    }
  });

  it('with the callback’s event id: stored in the record as mongoose casts it; the start takes no claim, a redelivery is a duplicate', async () => {
    const task = await taskIn(db.conn, ctx);
    let claims = 0;
    const claim = async () => {
      claims += 1;
      return true;
    };
    const input = { taskId: String(task._id), openId: officer.openId, eventId: 'ev_start_1', claim };
    const { value: result, commands } = await commandsOf(() => startInspection(deps(), input));
    expect(commands).toBe(2);
    expect(result).toMatchObject({ ok: true, started: true });
    expect(claims).toBe(0);
    const stored = await raw(task._id);
    expect(stored.inspection!.startEventId).toBe('ev_start_1');
    const cast = new (taskModel(db.conn))(stored).toObject({ flattenMaps: true, depopulate: true }) as unknown as TaskDoc;
    expect(stored.inspection).toEqual(cast.inspection);
    // the same callback again: one read, nothing written, nothing claimed; the stored task given to answer with
    const again = await commandsOf(() => startInspection(deps(), input));
    expect(again.value).toMatchObject({ ok: false, refusal: { code: 'duplicate' } });
    expect(String((again.value as { task?: TaskDoc }).task?._id)).toBe(String(task._id));
    expect((again.value as { task?: TaskDoc }).task?.inspection?.startEventId).toBe('ev_start_1');
    expect(again.commands).toBe(1);
    expect(claims).toBe(0);
    expect(await raw(task._id)).toEqual(stored);
    // another click on the open checklist claims its event before it writes; a claim refused (a redelivery) writes nothing
    const other = await startInspection(deps(), { ...input, openId: leader.openId, eventId: 'ev_start_2' });
    expect(other).toMatchObject({ ok: true, started: false });
    expect(claims).toBe(1);
    const opened = await raw(task._id);
    expect(Object.keys(opened.inspection!.lastActive!).sort()).toEqual([leader.openId, officer.openId].sort());
    clock = new Date('2024-05-06T04:00:00Z');
    try {
      const refused = await startInspection(deps(), { ...input, openId: leader.openId, eventId: 'ev_start_2', claim: async () => false });
      expect(refused).toEqual({ ok: false, refusal: { code: 'duplicate' } });
      expect(await raw(task._id)).toEqual(opened);
    } finally {
      clock = new Date('2024-05-06T02:00:00Z');
    }
  });

  it('refusals claim the event first: a refused claim answers as a duplicate', async () => {
    const task = await taskIn(db.conn, ctx);
    const no = async () => false;
    for (const input of [
      { taskId: String(new Types.ObjectId()), openId: officer.openId },
      { taskId: String(task._id), openId: 'ou_stranger000000000000000000001' },
    ]) {
      expect(await startInspection(deps(), { ...input, eventId: 'ev_refused', claim: no })).toEqual({ ok: false, refusal: { code: 'duplicate' } });
    }
    expect((await raw(task._id)).state).toBe('待检查');
  });

  it('two members starting at once: one starts, the other gets the open checklist', async () => {
    const task = await taskIn(db.conn, ctx);
    const [a, b] = await Promise.all([
      startInspection(deps(), { taskId: String(task._id), openId: officer.openId }),
      startInspection(deps(), { taskId: String(task._id), openId: leader.openId }),
    ]);
    expect([a, b].filter((r) => r.ok && r.started)).toHaveLength(1);
    expect([a, b].every((r) => r.ok && r.task.state === '检查中')).toBe(true);
    const stored = await raw(task._id);
    expect(stored.version).toBe(task.version + 1);
  });
});

describe('a start from a card that names the campaign (one write, from a copy of what an earlier start read)', () => {
  /** the start as a card of a task not started makes it: with the task's campaign */
  const fromCard = (task: TaskDoc, openId: string, extra: { eventId?: string; reason?: string } = {}, conn = db.conn) =>
    startInspection({ ...deps(), conn }, { taskId: String(task._id), openId, campaign: String(task.campaignId), ...extra });

  /** another process on the same database (the CLI importing lists): its own connection, its own copies */
  async function otherProcess(): Promise<Connection> {
    const conn = await mongoose.createConnection(db.mongo.uri, { dbName: db.dbName, serverSelectionTimeoutMS: 5000, ...timeoutOptions() }).asPromise();
    // its models' index builds done, so that the commands counted are the starts' own
    await Promise.all([taskModel(conn).init(), extraChecklistModel(conn).init(), campaignModel(conn).init()]);
    return conn;
  }

  /** a task as the draw's dispatch writes it: with its campaign's revision of the lists (draw/dispatch.ts) */
  async function drawnTask(c: { campaign: CampaignDoc; draw: typeof ctx.draw } = ctx, opts: Parameters<typeof taskIn>[2] = {}): Promise<TaskDoc> {
    return taskIn(db.conn, c, { ...opts, extra: { extrasRev: await currentExtrasRev(db.conn, c.campaign._id), ...opts.extra } });
  }

  /** a campaign of its own (open on the test's day), inserted as it was before revisions were kept: none */
  async function campaignOfItsOwn(name: string): Promise<{ campaign: CampaignDoc; draw: typeof ctx.draw }> {
    const _id = new Types.ObjectId();
    const campaign = { ...ctx.campaign, _id, name, status: 'closed' as const, slot: `closed:${String(_id)}` };
    delete (campaign as { extrasRev?: number }).extrasRev;
    await campaignModel(db.conn).collection.insertOne(campaign);
    return { campaign, draw: ctx.draw };
  }

  const csv = (rows: string[]) => new TextEncoder().encode(['检查表名称,序号,检查内容', ...rows].join('\n'));

  it('without a copy the start reads; after it, one command, and the record the read would have written', async () => {
    // a process that has not started a task of the campaign yet reads it (and keeps a copy)
    const fresh = await otherProcess();
    try {
      const first = await drawnTask();
      expect((await commandsOf(() => fromCard(first, officer.openId, {}, fresh), fresh)).commands).toBe(2);
      const second = await drawnTask();
      expect((await commandsOf(() => fromCard(second, officer.openId, {}, fresh), fresh)).commands).toBe(1);
    } finally {
      await fresh.close();
    }

    const task = await drawnTask();
    sent.length = 0;
    const { value: result, commands } = await commandsOf(() => fromCard(task, officer.openId, { eventId: 'ev_fast_1' }));
    expect(commands).toBe(1);
    expect(sent.map((c) => c.name)).toEqual(['findAndModify']);
    expect(sent[0]!.command.maxTimeMS).toBe(DB_OPERATION_TIMEOUT_MS);
    expect(sent[0]!.command.writeConcern).toEqual({ w: 'majority', wtimeout: DB_OPERATION_TIMEOUT_MS });
    expect(result).toMatchObject({ ok: true, started: true });
    const stored = await raw(task._id);
    expect(stored.state).toBe('检查中');
    expect(stored.version).toBe(task.version + 1);
    expect(stored.inspection).toMatchObject({ startedBy: officer.openId, startedBeforeReceipt: false, startEventId: 'ev_fast_1', cursor: 1, startedAt: clock });
    expect(stored.inspection!.extras).toEqual(await campaignExtras(deps(), task));
    const cast = new (taskModel(db.conn))(stored).toObject({ flattenMaps: true, depopulate: true }) as unknown as TaskDoc;
    expect(stored.inspection).toEqual(cast.inspection);
    expect(stored).toEqual({ ...cast, inspection: stored.inspection });
    expect(result.ok && result.task).toEqual(stored);
    // the same record as a start by the read writes (apart from the event id and the version it went from)
    const read = await drawnTask();
    await startInspection(deps(), { taskId: String(read._id), openId: officer.openId });
    const { startEventId: _, ...fastRecord } = stored.inspection!;
    expect((await raw(read._id)).inspection).toEqual(fastRecord);

    // a redelivery of that click: the write matches nothing (no longer 待检查), the read finds the event id
    const again = await commandsOf(() => fromCard(task, officer.openId, { eventId: 'ev_fast_1' }));
    expect(again.value).toMatchObject({ ok: false, refusal: { code: 'duplicate' } });
    expect(again.commands).toBe(2);
    expect(await raw(task._id)).toEqual(stored);
  });

  it('lists imported or removed by another process: the copy matches no task any more, the start reads them afresh', async () => {
    const task = await drawnTask();
    const other = await otherProcess();
    try {
      const name = ctx.campaign.name;
      expect(await importChecklists(other, { fileName: 'new.csv', data: csv(['新导入的检查表,1,新导入第一项']), campaignName: name, now: clock })).toMatchObject({ ok: true });
      const { value: result, commands } = await commandsOf(() => fromCard(task, officer.openId));
      // the write from the copy (no match), the read, the write
      expect(commands).toBe(3);
      expect(result).toMatchObject({ ok: true, started: true });
      const names = (await raw(task._id)).inspection!.extras!.map((l) => l.name);
      expect(names).toContain('新导入的检查表');
      expect(names).toEqual((await campaignExtras(deps(), task)).map((l) => l.name));

      // the read refreshed the copy: the next start is one write again, with the new lists
      const next = await drawnTask();
      expect((await commandsOf(() => fromCard(next, officer.openId))).commands).toBe(1);
      expect((await raw(next._id)).inspection!.extras!.map((l) => l.name)).toEqual(names);

      expect(await removeChecklist(other, name, '新导入的检查表', clock)).toBe(true);
      const after = await drawnTask();
      expect((await commandsOf(() => fromCard(after, officer.openId))).commands).toBe(3);
      expect((await raw(after._id)).inspection!.extras!.map((l) => l.name)).toEqual(names.filter((n) => n !== '新导入的检查表'));
      // a dry run changes nothing: the copy stays current
      expect(await importChecklists(other, { fileName: 'dry.csv', data: csv(['试导入,1,第一项']), campaignName: name, dryRun: true, now: clock })).toMatchObject({ ok: true, dryRun: true });
      const dry = await drawnTask();
      expect((await commandsOf(() => fromCard(dry, officer.openId))).commands).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('a change published: the campaign’s revision goes up and every task of the campaign follows it; no other campaign’s', async () => {
    const mine = await taskIn(db.conn, ctx);
    const elsewhere = await taskIn(db.conn, { campaign: { ...ctx.campaign, _id: new Types.ObjectId() }, draw: ctx.draw });
    const before = (await campaignModel(db.conn).findById(ctx.campaign._id).lean())!.extrasRev ?? 0;
    const rev = await publishExtrasChange(db.conn, ctx.campaign._id);
    expect(rev).toBe(before + 1);
    expect((await campaignModel(db.conn).findById(ctx.campaign._id).lean())!.extrasRev).toBe(rev);
    expect((await raw(mine._id)).extrasRev).toBe(rev);
    expect((await raw(elsewhere._id)).extrasRev).toBeUndefined();
    // bookkeeping only: no new version, no new updatedAt (an answer's compare-and-set is not disturbed)
    expect((await raw(mine._id)).version).toBe(mine.version);
    expect((await raw(mine._id)).updatedAt).toEqual(mine.updatedAt);
  });

  it('a campaign of a city’s size is raised in batches, every task of it', async () => {
    const big = await campaignOfItsOwn('任务较多的专项');
    const template = await raw((await taskIn(db.conn, big))._id);
    const { _id: _, ...fields } = template;
    // 1,234 tasks: two full batches of 500 and a part
    await taskModel(db.conn).collection.insertMany(Array.from({ length: 1233 }, (_x, i) => ({ ...fields, no: 50_000 + i })));
    const rev = await publishExtrasChange(db.conn, big.campaign._id);
    expect(rev).toBe(1);
    expect(await taskModel(db.conn).countDocuments({ campaignId: big.campaign._id })).toBe(1234);
    expect(await taskModel(db.conn).countDocuments({ campaignId: big.campaign._id, extrasRev: 1 })).toBe(1234);
  });

  it('tasks written with an older revision are caught up; tasks of revision 0 written before revisions were kept match a copy of 0', async () => {
    const draw = new Types.ObjectId();
    const rev = await currentExtrasRev(db.conn, ctx.campaign._id);
    const late = await taskIn(db.conn, { campaign: ctx.campaign, draw: { ...ctx.draw, _id: draw } }, { extra: { extrasRev: rev - 1 } });
    await catchUpTasks(db.conn, ctx.campaign._id, draw, rev - 1);
    expect((await raw(late._id)).extrasRev).toBe(rev);
    // nothing to do when nothing moved
    await taskModel(db.conn).collection.updateOne({ _id: late._id }, { $set: { extrasRev: 0 } });
    await catchUpTasks(db.conn, ctx.campaign._id, draw, rev);
    expect((await raw(late._id)).extrasRev).toBe(0);

    // a campaign of revision 0 (no list ever changed) and a task without the field: one write
    const fresh = await campaignOfItsOwn('未导入过检查表的专项');
    const legacy = await taskIn(db.conn, fresh);
    expect((await raw(legacy._id)).extrasRev).toBeUndefined();
    await fromCard(await taskIn(db.conn, fresh), officer.openId);
    expect((await commandsOf(() => fromCard(legacy, officer.openId))).commands).toBe(1);
    expect((await raw(legacy._id)).state).toBe('检查中');
  });

  it('what the copy cannot decide goes through the read: 待接收, another campaign named, a non-member, outside the window, a reason', async () => {
    // the copy of the campaign is current (an earlier start of it on this connection)
    await fromCard(await drawnTask(), officer.openId);

    const unreceived = await drawnTask(ctx, { state: '待接收' });
    expect((await commandsOf(() => fromCard(unreceived, officer.openId))).commands).toBe(3);
    expect((await raw(unreceived._id)).inspection!.startedBeforeReceipt).toBe(true);

    // a card naming a campaign the task is not of (a forged value), both campaigns at revision 0: the write matches
    // nothing, the read decides (the task gets its own campaign's lists: none, not the other's)
    const other = await campaignOfItsOwn('另一专项');
    await extraChecklistModel(db.conn).collection.insertOne({
      campaignId: other.campaign._id,
      name: '另一专项的检查表',
      items: [{ no: 1, text: '另一专项第一项' }],
      importedBy: 'CLI',
      fileName: 'other.csv',
      createdAt: clock,
      updatedAt: clock,
    });
    await fromCard(await drawnTask(other), officer.openId);
    const task = await drawnTask(await campaignOfItsOwn('第三个专项'));
    const forged = await commandsOf(() => startInspection(deps(), { taskId: String(task._id), openId: officer.openId, campaign: String(other.campaign._id) }));
    expect(forged.commands).toBe(3);
    expect(forged.value).toMatchObject({ ok: true, started: true });
    expect((await raw(task._id)).inspection!.extras).toBeUndefined();

    const stranger = await drawnTask();
    expect(await fromCard(stranger, 'ou_stranger000000000000000000001')).toEqual({ ok: false, refusal: { code: 'notMember' } });
    expect((await raw(stranger._id)).state).toBe('待检查');

    clock = new Date('2024-11-05T02:00:00Z');
    try {
      const late = await drawnTask();
      expect((await commandsOf(() => fromCard(late, officer.openId))).commands).toBe(1);
      expect(await fromCard(late, officer.openId)).toMatchObject({ ok: false, refusal: { code: 'outsideWindow', leader: false } });
      expect(await fromCard(late, leader.openId, { reason: '企业停产检修' })).toMatchObject({ ok: true, started: true });
      expect((await raw(late._id)).inspection!.outsideWindow).toMatchObject({ reason: '企业停产检修', by: leader.openId });
    } finally {
      clock = new Date('2024-05-06T02:00:00Z');
    }
  });

  it('two members starting from their cards at once: one starts, the other gets the open checklist', async () => {
    await fromCard(await drawnTask(), officer.openId);
    const task = await drawnTask();
    const [a, b] = await Promise.all([fromCard(task, officer.openId), fromCard(task, leader.openId)]);
    expect([a, b].filter((r) => r.ok && r.started)).toHaveLength(1);
    expect([a, b].every((r) => r.ok && r.task.state === '检查中')).toBe(true);
    expect((await raw(task._id)).version).toBe(task.version + 1);
  });
});
