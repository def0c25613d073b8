/** A record whose last signature was saved but whose completion was cut off (a crash) is completed by a job. */
import { taskModel } from '../../src/store/task';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff } from '../support/fixtures';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'complete_signed' });
  await registerStaff(h.service.db.connection);
});
afterAll(async () => {
  await h.close();
});

it('the complete-signed job finishes a record every member signed, once', async () => {
  const conn = h.service.db.connection;
  const d = inspectionDriver(h);
  const { officer, expert, leader } = PEOPLE;
  const submitted = async (name: string) => {
    const task = await createTask(conn, { kind: 'industrial', enterprise: { name } });
    let card = (await d.open(officer.openId, task)).card!;
    for (let k = 1; k <= 9; k++) card = (await d.click(officer.openId, card, '符合')).card!;
    await d.click(officer.openId, card, '提交检查结果', { representative: '刘经理' });
    expect((await readTask(conn, task._id)).state).toBe('待签字');
    return task;
  };
  const task = await submitted('运城市中断签字机械有限公司');
  // another record, still waiting for the 组长's signature: not the job's business
  const waiting = await submitted('运城市等待签字机械有限公司');

  // As if the last two signatures were written and the process died before completing the record; the other one
  // got the expert's only.
  const at = new Date();
  const sign = (people: (typeof PEOPLE)[keyof typeof PEOPLE][]) => ({
    $push: { 'inspection.signatures': { $each: people.map((p) => ({ openId: p.openId, name: p.name, role: p.roles[0], at })) } },
  });
  await taskModel(conn).updateOne({ _id: task._id }, sign([expert, leader]));
  await taskModel(conn).updateOne({ _id: waiting._id }, sign([expert]));
  const waitingVersion = (await readTask(conn, waiting._id)).version;

  let ran = false;
  for (let i = 0; i < 100 && !ran; i++) {
    ran = await h.service.scheduler.runNow('complete-signed');
    if (!ran) await new Promise((r) => setTimeout(r, 100));
  }
  expect(ran).toBe(true);
  const done = await readTask(conn, task._id);
  expect(done.state).toBe('待公示');
  expect(done.inspection!.completedAt).toBeInstanceOf(Date);
  for (const m of [officer, expert, leader]) {
    expect(cardText(await d.cardTo(m.openId, '检查记录已完成', task.enterprise.name))).toContain('刘经理');
  }
  // Running again changes nothing.
  const version = done.version;
  while (!(await h.service.scheduler.runNow('complete-signed'))) await new Promise((r) => setTimeout(r, 100));
  expect((await readTask(conn, task._id)).version).toBe(version);
  // the record a signature is missing from waits as it was
  const still = await readTask(conn, waiting._id);
  expect(still.state).toBe('待签字');
  expect(still.version).toBe(waitingVersion);
  expect(still.inspection!.completedAt).toBeUndefined();
});
