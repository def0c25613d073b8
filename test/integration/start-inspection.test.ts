/**
 * 开始检查 reads the task, its campaign's window and the campaign's extra checklists in one command
 * (operations/inspection/startContext.ts) and writes the new record through the driver (casUpdateStored). Here, on
 * the database directly: what the one read returns (window, lists in campaignExtras' order, nothing of another
 * campaign), that the driver stores exactly what mongoose would have cast from the record, the refusals, and the
 * commands a start sends. The window's refusals and the 组长's reason through the webhook: visit.test.ts.
 */
import type { Document } from 'mongodb';
import { Types } from 'mongoose';
import { createLogger } from '../../src/logger';
import { campaignExtras } from '../../src/operations/checklists/campaignExtras';
import type { InspectionDeps } from '../../src/operations/inspection/common';
import { byImportOrder, loadForStart } from '../../src/operations/inspection/startContext';
import { startInspection } from '../../src/operations/inspection/startInspection';
import type { Outbox } from '../../src/platform/outbox';
import { campaignModel } from '../../src/store/campaign';
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
async function commandsOf<T>(work: () => Promise<T>): Promise<{ value: T; commands: number }> {
  let commands = 0;
  const count = () => commands++;
  const client = db.conn.getClient();
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
