/**
 * The county's 情况汇报 due 11-15 when that day is a rest day, through the job, the outbox and the emulator:
 * 2025-11-15 is a Saturday, 2026-11-15 a Sunday (the official calendars of both years). The county liaison is
 * reminded on the last working day before it, told that the date falls on a rest day, and the D−5 and D−1 reminders
 * count back from that day; nothing on the weekend; overdue from the next working day.
 */
import { campaignModel } from '../../src/store/campaign';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { PEOPLE, registerStaff, type Card } from '../support/fixtures';
import { campaignWithDraw, settle } from '../support/outcomes';

let h: Harness;
let clock = new Date('2025-11-03T01:00:00Z');
const conn = () => h.service.db.connection;
const { liaison, cityLiaison } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'rep_rest', now: () => clock });
  await registerStaff(conn(), [liaison, cityLiaison]);
});

afterAll(async () => {
  await h.close();
});

const titleOf = (card: Card) => String(((card.header as Card).title as Card).content);

/** Runs the job at 09:00 (运城) on `day`; the titles of the cards the 永济市 liaison got, and the 市局's count. */
async function runOn(day: string): Promise<{ county: string[]; city: number; text: string }> {
  clock = new Date(`${day}T01:00:00Z`);
  h.emulator.reset();
  expect(await h.service.scheduler.runNow('campaign-reminders')).toBe(true);
  await settle(h);
  const to = (openId: string) => h.emulator.messages().filter((m) => m.receive_id === openId);
  return { county: to(liaison.openId).map((m) => titleOf(m.content)), city: to(cityLiaison.openId).length, text: to(liaison.openId).map((m) => cardText(m.content)).join('\n') };
}

async function walk(days: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const day of days) out[day] = (await runOn(day)).county;
  return out;
}

it('2025 (11-15 a Saturday): Fri 11-07, Thu 11-13, Fri 11-14 as the last working day; overdue from Mon 11-17', async () => {
  const { campaign } = await campaignWithDraw(conn(), { year: 2025 });
  const seen = await walk(['2025-11-06', '2025-11-07', '2025-11-10', '2025-11-12', '2025-11-13']);
  expect(seen).toEqual({
    '2025-11-06': [],
    '2025-11-07': ['情况汇报还有 5 个工作日截止'],
    '2025-11-10': [],
    '2025-11-12': [],
    '2025-11-13': ['情况汇报还有 1 个工作日截止'],
  });
  const friday = await runOn('2025-11-14');
  expect(friday.county).toEqual(['今天是上报情况汇报的最后一个工作日']);
  expect(friday.text).toContain('截止日期 **2025-11-15** 是星期六（休息日），今天是截止前的最后一个工作日，请今天上报。');
  expect(friday.text).toContain('请于 **2025-11-15** 前将 **永济市** 的监督检查情况汇报和附件5');
  expect(friday.city).toBe(0);
  expect(await walk(['2025-11-15', '2025-11-16'])).toEqual({ '2025-11-15': [], '2025-11-16': [] });
  const monday = await runOn('2025-11-17');
  expect(monday.county).toEqual(['情况汇报已逾期 1 个工作日']);
  expect(monday.city).toBe(1);
  await campaignModel(conn()).updateOne({ _id: campaign._id }, { $set: { status: 'closed' } });
});

it('2026 (11-15 a Sunday): Fri 11-06, Thu 11-12, Fri 11-13 as the last working day; overdue from Mon 11-16', async () => {
  await campaignWithDraw(conn(), { year: 2026 });
  expect(await walk(['2026-11-05', '2026-11-06', '2026-11-09', '2026-11-12'])).toEqual({
    '2026-11-05': [],
    '2026-11-06': ['情况汇报还有 5 个工作日截止'],
    '2026-11-09': [],
    '2026-11-12': ['情况汇报还有 1 个工作日截止'],
  });
  const friday = await runOn('2026-11-13');
  expect(friday.county).toEqual(['今天是上报情况汇报的最后一个工作日']);
  expect(friday.text).toContain('截止日期 **2026-11-15** 是星期日（休息日）');
  expect(await walk(['2026-11-14', '2026-11-15'])).toEqual({ '2026-11-14': [], '2026-11-15': [] });
  expect((await runOn('2026-11-16')).county).toEqual(['情况汇报已逾期 1 个工作日']);
});
