/**
 * The campaign-level reminders with a movable clock (job `campaign-reminders`, 09:00 in 运城): tasks not started as
 * the inspection window closes (30 and 10 working days ahead), and the county's 情况汇报 due 11-15 on the right
 * working days; `recordCountyReport` (plain inputs, and the CLI) and what the 市局 sees in /进度.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../src/cli';
import { recordCountyReport } from '../../src/operations/countyReports';
import { binaryBytes } from '../../src/store/binary';
import { campaignModel } from '../../src/store/campaign';
import { countyReportModel } from '../../src/store/countyReport';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { PEOPLE, registerStaff, slot, type Card, type Person } from '../support/fixtures';
import { campaignWithDraw, settle, taskIn } from '../support/outcomes';

let h: Harness;
let clock = new Date('2024-09-12T01:00:00Z');
const conn = () => h.service.db.connection;
const { liaison, cityLiaison, officer, expert } = PEOPLE;
const yanhu: Person = { openId: 'ou_liaison000000000000000000000h9', name: '钱敏', roles: ['联络员'], unit: '盐湖区市场监督管理局', county: '盐湖区' };
const leader2: Person = { openId: 'ou_leader000000000000000000000002', name: '赵刚', roles: ['组长'], unit: '运城市市场监督管理局', county: '市局' };
const everyone = [...Object.values(PEOPLE), yanhu, leader2];
const nameOf = new Map(everyone.map((p) => [p.openId, p.name]));
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;
const names: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'camp_rem', now: () => clock });
  await registerStaff(conn(), everyone);
  ctx = await campaignWithDraw(conn());
  const a = await taskIn(conn(), ctx, { state: '待检查', enterprise: { county: '永济市' } });
  const b = await taskIn(conn(), ctx, { state: '待接收', enterprise: { county: '盐湖区' }, team: [slot(leader2), slot(officer), slot(expert)] });
  const c = await taskIn(conn(), ctx, { state: '检查中', enterprise: { county: '永济市' }, extra: { inspection: { startedAt: clock, startedBy: officer.openId, cursor: 2 } } });
  Object.assign(names, { a: a.enterprise.name, b: b.enterprise.name, c: c.enterprise.name });
});

/** the CLI's files (a report that came on paper), removed at the end */
const dir = mkdtempSync(path.join(os.tmpdir(), 'report-'));

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const titleOf = (card: Card) => String(((card.header as Card).title as Card).content);

/** Runs the job at 09:00 (运城) on `day`; "recipient: title" of every card it sent, sorted. */
async function runOn(day: string): Promise<string[]> {
  clock = new Date(`${day}T01:00:00Z`);
  h.emulator.reset();
  expect(await h.service.scheduler.runNow('campaign-reminders')).toBe(true);
  await settle(h);
  return h.emulator
    .messages()
    .map((m) => `${nameOf.get(m.receive_id) ?? m.receive_id}: ${titleOf(m.content)}`)
    .sort();
}

const sentTo = (openId: string): string => cardText(h.emulator.messages().find((m) => m.receive_id === openId)!.content);

it('window: 30 and 10 working days before 10-31, the unstarted tasks to their 组长, county liaisons and the 市局', async () => {
  expect(await runOn('2024-09-12')).toEqual([]); // 31 working days left
  const w30 = ['王建国', '许小颖', '赵丽', '赵刚', '钱敏'].map((n) => `${n}: 检查时间还剩 30 个工作日`);
  expect(await runOn('2024-09-13')).toEqual(w30);
  // each sees their own: the 永济市 liaison its county's, the 市局 liaison all; the started task nowhere
  expect(sentTo(liaison.openId)).toContain(names.a);
  expect(sentTo(liaison.openId)).not.toContain(names.b);
  expect(sentTo(cityLiaison.openId)).toContain(names.a);
  expect(sentTo(cityLiaison.openId)).toContain(names.b);
  expect(sentTo(cityLiaison.openId)).not.toContain(names.c);
  expect(sentTo(yanhu.openId)).toContain('检查时间至 **2024-10-31**，还剩 **30 个工作日**');
  expect(await runOn('2024-09-13')).toEqual([]); // the same day again
  expect(await runOn('2024-09-14')).toEqual([]); // a 调休 Saturday (worked), the threshold already sent
  expect(await runOn('2024-10-16')).toEqual([]);
  expect(await runOn('2024-10-17')).toEqual(['王建国', '许小颖', '赵丽', '赵刚', '钱敏'].map((n) => `${n}: 检查时间还剩 10 个工作日`));
  expect(await runOn('2024-10-19')).toEqual([]); // Saturday
  expect(await runOn('2024-11-01')).toEqual([]); // the window has closed
});

it('情况汇报 due 11-15: D−5, D−1, D, then every working day; the 市局 on overdue day 1 and 6; a county that sent it is spared', async () => {
  // 盐湖区 sends its report (the chat hands the operation the file's bytes)
  clock = new Date('2024-11-07T03:00:00Z');
  h.emulator.reset();
  const sent = await recordCountyReport(
    { conn: conn(), outbox: h.service.outbox, log: h.log, now: () => clock },
    { actor: { openId: yanhu.openId, roles: ['联络员'], county: '盐湖区' }, fileName: '盐湖区2024年监督检查情况汇报.docx', data: Buffer.from('PK report'), fileKey: 'file_v3_report' },
  );
  expect(sent).toMatchObject({ ok: true, due: '2024-11-15', late: false, report: { county: '盐湖区', fileName: '盐湖区2024年监督检查情况汇报.docx', by: yanhu.openId, byName: '钱敏', on: '2024-11-07', size: 9 } });
  const stored = await countyReportModel(conn()).findOne({ county: '盐湖区' }).lean();
  expect(binaryBytes(stored!.data).toString()).toBe('PK report');
  await settle(h);
  expect(cardText(h.emulator.messages().find((m) => m.receive_id === cityLiaison.openId)!.content)).toContain('钱敏 于 2024-11-07 上报监督检查情况汇报');

  const report = (title: string) => [`赵丽: ${title}`];
  expect(await runOn('2024-11-07')).toEqual([]);
  expect(await runOn('2024-11-08')).toEqual(report('情况汇报还有 5 个工作日截止')); // Friday, 5 working days left
  expect(sentTo(liaison.openId)).toContain('请于 **2024-11-15** 前将 **永济市** 的监督检查情况汇报和附件5');
  expect(await runOn('2024-11-11')).toEqual([]);
  expect(await runOn('2024-11-13')).toEqual([]);
  expect(await runOn('2024-11-14')).toEqual(report('情况汇报还有 1 个工作日截止'));
  expect(await runOn('2024-11-15')).toEqual(report('今天上报情况汇报'));
  expect(await runOn('2024-11-16')).toEqual([]); // Saturday
  expect(await runOn('2024-11-18')).toEqual([...report('情况汇报已逾期 1 个工作日'), '许小颖: 情况汇报未报县区'].sort());
  expect(sentTo(cityLiaison.openId)).toContain('永济市');
  expect(sentTo(cityLiaison.openId)).not.toContain('盐湖区');
  expect(await runOn('2024-11-18')).toEqual([]);
  expect(await runOn('2024-11-19')).toEqual(report('情况汇报已逾期 2 个工作日'));
  expect(await runOn('2024-11-25')).toEqual([...report('情况汇报已逾期 6 个工作日'), '许小颖: 情况汇报未报县区'].sort());
});

it('who may send a report, and what the 市局 sees in /进度; the CLI records one too', async () => {
  clock = new Date('2024-11-26T03:00:00Z');
  const deps = { conn: conn(), now: () => clock };
  const bytes = Buffer.from('x');
  expect(await recordCountyReport(deps, { actor: { openId: officer.openId, roles: ['执法人员'], county: '盐湖区' }, fileName: 'a.docx', data: bytes })).toEqual({
    ok: false,
    reason: '只有县区联络员可以上报本县区的情况汇报',
  });
  expect(await recordCountyReport(deps, { actor: { openId: cityLiaison.openId, roles: ['联络员'], county: '市局' }, fileName: 'a.docx', data: bytes })).toMatchObject({ ok: false });
  expect(await recordCountyReport(deps, { actor: { openId: liaison.openId, roles: ['联络员'], county: '永济市' }, fileName: '', data: bytes })).toEqual({ ok: false, reason: '缺少文件名' });
  expect(await recordCountyReport(deps, { actor: { openId: liaison.openId, roles: ['联络员'], county: '永济市' }, fileName: 'a.docx' })).toEqual({ ok: false, reason: '没有收到文件内容' });

  // the CLI (an operator recording a report that came on paper or by mail)
  const file = path.join(dir, '永济市情况汇报.pdf');
  writeFileSync(file, '%PDF-1.4 report');
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: { MONGODB_URI: h.config.mongodbUri, SPOTCHECK_DATA_DIR: path.join(dir, 'data') } };
  expect(await runCli(['county-report', 'add', file, '--county', '永济市', '--by', '赵丽'], io)).toBe(0);
  expect(out.at(-1)).toMatch(/^已登记：永济市的情况汇报“永济市情况汇报.pdf”（\d{4}-\d{2}-\d{2}，截止 2024-11-15/);
  expect(await runCli(['county-report', 'add', file, '--county', '火星县'], io)).toBe(1);
  expect(err.at(-1)).toContain('县区应为');
  out.length = 0;
  expect(await runCli(['county-report', 'list'], io)).toBe(0);
  expect(out[0]).toContain('已报 2/14');
  expect(out).toContain('  盐湖区：2024-11-07 钱敏“盐湖区2024年监督检查情况汇报.docx”');

  const sentMsg = await h.feishu.sendText(cityLiaison.openId, '/进度');
  const text = cardText((await h.emulator.waitFor((m) => m.root === sentMsg.messageId, 15_000)).current);
  expect(text).toContain('情况汇报（2024-11-15 前上报）：已报 **2/14**');
  expect(text).toContain('盐湖区（2024-11-07）');
  expect(text).toContain('逾期未报');
  // a county liaison's /进度 does not show the other counties' reports
  const own = await h.feishu.sendText(liaison.openId, '/进度');
  expect(cardText((await h.emulator.waitFor((m) => m.root === own.messageId, 15_000)).current)).not.toContain('情况汇报（');
});

it('a window ending after 10-31 (to 12-31): the 情况汇报 is due 15 days after its end, not on 11-15 while inspections go on', async () => {
  await campaignModel(conn()).updateOne({ _id: ctx.campaign._id }, { $set: { status: 'closed' } });
  const late = await campaignWithDraw(conn(), { year: 2026, from: '2026-12-01', to: '2026-12-31', name: '2026年年末专项' });
  await taskIn(conn(), late, { state: '待检查', enterprise: { county: '永济市' } });
  // 2026-11-16 and after: no report overdue (the 11-15 of the notice does not apply), the window's own reminders only
  for (const day of ['2026-11-16', '2026-12-07', '2026-12-31']) expect((await runOn(day)).filter((t) => t.includes('情况汇报'))).toEqual([]);
  // due 2027-01-15, a Friday: reminded on D−5 (2027-01-08) with that date …
  expect((await runOn('2027-01-08')).filter((t) => t.startsWith('赵丽'))).toEqual(['赵丽: 情况汇报还有 5 个工作日截止']);
  expect(sentTo(liaison.openId)).toContain('请于 **2027-01-15** 前将 **永济市** 的监督检查情况汇报和附件5');
  // … and the 市局 sees that date in /进度, with nobody overdue yet
  clock = new Date('2027-01-08T02:00:00Z');
  const sent = await h.feishu.sendText(cityLiaison.openId, '/进度');
  const text = cardText((await h.emulator.waitFor((m) => m.root === sent.messageId, 15_000)).current);
  expect(text).toContain('情况汇报（2027-01-15 前上报）：已报 **0/14**');
  expect(text).not.toContain('逾期未报');
});
