/**
 * A service that was down at 09:00 makes up the day's reminders when it starts (jobs/scheduler.ts catchUp), under
 * the slot the 09:00 tick would have claimed (so an instance that ran it wins); a restart later that day sends
 * nothing twice; a start before 09:00 leaves the run to the tick.
 */
import { CHECKLISTS } from '../../src/domain/checklists';
import type { Answer } from '../../src/domain/inspection';
import { passedDailySlot } from '../../src/jobs/scheduler';
import { cardText } from '../../src/sandbox/client';
import { taskModel } from '../../src/store/task';
import { createTask, PEOPLE, registerStaff, submittedRecord } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
/** Friday 2026-10-16, 08:00 in 运城: before the 09:00 run */
let clock = new Date('2026-10-16T00:00:00Z');
const conn = () => h.service.db.connection;
const { officer, liaison } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'job_catch_up', now: () => clock, catchUp: true });
  await registerStaff(conn());
});

afterAll(async () => {
  await h.close();
});

const dueToday = () => h.emulator.messagesTo(liaison.openId).filter((m) => cardText(m.content).includes('今天公示截止'));

it('reads a daily cron’s slot of today in 运城 time, and only once it has passed', () => {
  expect(passedDailySlot('0 9 * * *', new Date('2026-10-16T01:00:01Z'))?.toISOString()).toBe('2026-10-16T01:00:00.000Z');
  expect(passedDailySlot('0 9 * * *', new Date('2026-10-16T00:59:59Z'))).toBeUndefined();
  expect(passedDailySlot('30 8 * * *', new Date('2026-10-16T03:00:00Z'))?.toISOString()).toBe('2026-10-16T00:30:00.000Z');
  // 23:30 UTC on the 15th is 07:30 on the 16th in 运城: the 16th's slot, not yet passed
  expect(passedDailySlot('0 9 * * *', new Date('2026-10-15T23:30:00Z'))).toBeUndefined();
  // not a daily expression: no making up
  expect(passedDailySlot('*/5 * * * *', new Date('2026-10-16T03:00:00Z'))).toBeUndefined();
  expect(passedDailySlot('* * * * *', new Date('2026-10-16T03:00:00Z'))).toBeUndefined();
});

it('a start at 11:00 sends the 09:00 reminders it missed, once; a later restart sends nothing again', async () => {
  const task = await createTask(conn(), { enterprise: { name: '永济市甲电缆有限公司' } });
  const at = new Date('2026-09-14T02:00:00Z');
  const answers: Answer[] = CHECKLISTS.industrial.items.map((it) => ({ item: it.no, verdict: '符合', record: '', by: officer.openId, byName: officer.name, at }));
  const inspection = submittedRecord(answers, officer.openId, at, {
    completionDate: '2026-09-14',
    completedAt: at,
    result: '未发现问题',
    signatures: task.team.map((m) => ({ openId: m.openId, name: m.name, role: m.role, at })),
  });
  await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: '待公示', inspection, publication: { dueDate: '2026-10-16' } } });

  // started at 08:00: the 09:00 tick will run it, nothing is made up
  await h.restart();
  await h.outboxIdle();
  expect(dueToday()).toHaveLength(0);

  // down at 09:00, started again at 11:00: the day's run is made up under the 09:00 slot
  await h.stopService();
  clock = new Date('2026-10-16T03:00:00Z');
  await h.startServiceAgain();
  await h.emulator.waitFor(() => dueToday().length > 0, 30_000);
  await h.outboxIdle();
  expect(dueToday()).toHaveLength(1);
  expect(cardText(dueToday()[0]!.content)).toContain('永济市甲电缆有限公司');
  // (the slot's record is not looked at: its TTL index, 31 days of real time, removes a slot of this test's past
  // clock at once; the slot rule itself is passedDailySlot's, above, and the slot's claim, test/integration/multi-instance.test.ts)

  // restarted again at 15:00: the slot is taken, the job does not run a second time
  clock = new Date('2026-10-16T07:00:00Z');
  await h.restart();
  await h.outboxIdle();
  expect(dueToday()).toHaveLength(1);
});
