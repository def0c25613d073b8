/**
 * An answer to the version this process wrote last starts from its copy of the task (operations/inspection/
 * taskCache.ts) instead of reading the task again. What moved meanwhile without the version moving — a member taken
 * off the team, the state changed, another process's write — must still be seen: the answer is then refused from a
 * fresh read exactly as without the copy, and nothing is stored.
 */
import { Types } from 'mongoose';
import { taskCard } from '../../src/bot/inspectionCards';
import { recallTask } from '../../src/operations/inspection/taskCache';
import { taskModel } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
const conn = () => h.service.db.connection;
const { officer, expert } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'answer_recall' });
  await registerStaff(conn());
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

async function opened() {
  const task = await createTask(conn());
  const { card } = await d.open(officer.openId, task);
  const first = await d.click(officer.openId, card!, '符合');
  expect(first.toast).toEqual({ type: 'success', content: '已保存第1项：符合' });
  const stored = await readTask(conn(), task._id);
  // the copy of what was just written is there, at the card's version
  expect(recallTask(conn(), String(task._id), stored.version)?.version).toBe(stored.version);
  return { task, card: first.card!, stored };
}

it('answers in a row from the copy store each answer, with the version moving on', async () => {
  const { task, card } = await opened();
  let c = card;
  for (let k = 2; k <= 4; k++) {
    const res = await d.click(officer.openId, c, '符合');
    expect(res.toast).toEqual({ type: 'success', content: `已保存第${k}项：符合` });
    c = res.card!;
  }
  const stored = await readTask(conn(), task._id);
  expect(stored.inspection!.answers.map((a) => a.item)).toEqual([1, 2, 3, 4]);
  expect(stored.inspection!.history).toHaveLength(4);
  expect(stored.version).toBe(recallTask(conn(), String(task._id), stored.version)!.version);
});

it('the copy an answer leaves (without history and activity times) gives the card of the stored task, and the next answer from it stores the same', async () => {
  const { task, card, stored } = await opened();
  const copy = recallTask(conn(), String(task._id), stored.version)!;
  expect(copy.inspection!.history).toBeUndefined();
  expect(copy.inspection!.lastActive).toBeUndefined();
  expect(stored.inspection!.history).toHaveLength(1);
  expect(taskCard(copy, officer.openId)).toEqual(taskCard(stored, officer.openId));
  const res = await d.click(officer.openId, card, '不符合', { record: '记录' });
  expect(res.card).toEqual(taskCard(await readTask(conn(), task._id), officer.openId));
  const after = await readTask(conn(), task._id);
  expect(after.inspection!.answers.map((a) => [a.item, a.verdict])).toEqual([[1, '符合'], [2, '不符合']]);
  expect(after.inspection!.history.map((e) => e.item)).toEqual([1, 2]);
  expect(Object.keys(after.inspection!.lastActive ?? {})).toEqual([officer.openId]);
});

it('a member taken off the team meanwhile (version unchanged) is refused, nothing stored', async () => {
  const { task, card, stored } = await opened();
  await taskModel(conn()).collection.updateOne({ _id: new Types.ObjectId(String(task._id)) }, { $pull: { team: { openId: officer.openId } } } as never);
  const res = await d.click(officer.openId, card, '符合');
  expect(res.toast).toEqual({ type: 'error', content: '您不是该任务检查组成员，不能操作此检查' });
  const after = await readTask(conn(), task._id);
  expect(after.version).toBe(stored.version);
  expect(after.inspection!.answers).toHaveLength(1);
});

it('a state changed meanwhile (version unchanged) is refused from a fresh read, nothing stored', async () => {
  const { task, card, stored } = await opened();
  await taskModel(conn()).collection.updateOne({ _id: new Types.ObjectId(String(task._id)) }, { $set: { state: '待确认' } });
  const res = await d.click(officer.openId, card, '符合');
  expect(res.toast).toEqual({ type: 'warning', content: '已登记无法正常检查，等待组长确认；如需继续检查，请组长退回登记' });
  const after = await readTask(conn(), task._id);
  expect(after.inspection!.answers).toHaveLength(1);
  expect(after.version).toBe(stored.version);
});

it('another process answering meanwhile makes this card stale: refused with the other answer shown, kept in the history', async () => {
  const { task, card, stored } = await opened();
  // what another instance's compare-and-set would leave: item 2 answered, version moved on
  await taskModel(conn()).collection.updateOne(
    { _id: new Types.ObjectId(String(task._id)), version: stored.version },
    {
      $push: { 'inspection.answers': { item: 2, verdict: '不符合', record: '另一台设备', by: expert.openId, byName: expert.name, at: new Date() } },
      $set: { 'inspection.cursor': 3 },
      $inc: { version: 1 },
    } as never,
  );
  const res = await d.click(officer.openId, card, '符合');
  expect(res.toast?.type).toBe('warning');
  expect(res.toast?.content).toContain(expert.name);
  const after = await readTask(conn(), task._id);
  expect(after.inspection!.answers.find((a) => a.item === 2)).toMatchObject({ verdict: '不符合', by: expert.openId });
  expect(after.inspection!.history.at(-1)).toMatchObject({ item: 2, outcome: 'stale', by: officer.openId });
});
