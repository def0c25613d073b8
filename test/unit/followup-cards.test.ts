/**
 * Every follow-up card, for every banner and every kind of viewer, is a card Feishu accepts (the emulator's
 * validator), within 30 KB with nine 1,000-character records, without dead buttons, and shows each viewer only the
 * forms they may use.
 */
import { Types } from 'mongoose';
import { CHECKLISTS } from '../../src/domain/checklists';
import { buildRectification, type Answer, type InspectionRecord } from '../../src/domain/inspection';
import { RECTIFICATION_OPINION, type Reminder } from '../../src/domain/followup';
import { calendarWarningCard, escalationCard, followUpCard, type FollowUpBanner } from '../../src/bot/followupCards';
import { recordCard, tasksListCard } from '../../src/bot/inspectionCards';
import type { CardJson } from '../../src/bot/cards';
import type { Publication, RectificationCheck, TaskDoc, TaskState } from '../../src/store/task';
import { validateCard } from '../../src/sandbox/emulator';
import { cardText, findButtons } from '../../src/sandbox/client';
import { enterprise, PEOPLE, submittedRecord, TEAM } from '../support/fixtures';

const at = new Date('2026-03-02T02:00:00Z');
const LONG = '记'.repeat(1000);
const { leader, officer, expert, liaison, cityLiaison, stranger } = PEOPLE;
const audience = { countyLiaisons: [liaison.openId], cityLiaisons: [cityLiaison.openId], countyHasLiaison: true };

function expectValid(card: CardJson): void {
  const check = validateCard(card);
  if (!check.ok) throw new Error(`${check.errCode} ${check.errPath} ${check.errMsg}`);
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(30 * 1024);
  for (const b of findButtons(card)) expect(b.hasCallback).toBe(true);
}

function task(
  state: TaskState,
  opts: { findings?: boolean; publication?: Publication; check?: RectificationCheck; record?: string } = {},
): TaskDoc {
  const kind = 'industrial';
  const findings = opts.findings ?? true;
  const answers: Answer[] = CHECKLISTS[kind].items.map((it) => ({
    item: it.no,
    verdict: findings ? '不符合' : '符合',
    record: findings ? (opts.record ?? LONG) : '',
    by: officer.openId,
    byName: '李明',
    at,
  }));
  const inspection: InspectionRecord = submittedRecord(answers, officer.openId, at, {
    submittedAt: undefined,
    submittedBy: undefined,
    completionDate: '2026-03-02',
    signatures: TEAM.map((m) => ({ openId: m.openId, name: m.name, role: m.role, at })),
    completedAt: at,
    result: findings ? '发现问题' : '未发现问题',
    rectification: findings
      ? buildRectification({ kind, answers, days: 15, issuedDate: '2026-03-02', setBy: leader.openId, recipients: [liaison.openId] })
      : undefined,
  });
  return {
    _id: new Types.ObjectId(),
    campaignId: new Types.ObjectId(),
    drawId: new Types.ObjectId(),
    no: 1,
    enterprise: enterprise(kind),
    checklist: kind,
    team: TEAM,
    state,
    version: 14,
    inspection,
    publication: opts.publication ?? { dueDate: '2026-03-30' },
    rectificationCheck: opts.check,
    createdAt: at,
    updatedAt: at,
  };
}

const check: RectificationCheck = {
  items: Array.from({ length: 9 }, (_, i) => ({ no: i + 1, issue: LONG, done: '改'.repeat(500) })),
  opinion: RECTIFICATION_OPINION,
  confirmedBy: liaison.openId,
  confirmedByName: '赵丽',
  confirmedByUnit: '永济市市场监督管理局',
  confirmedAt: at,
  confirmedOn: '2026-03-18',
};
const published = (result: string): Publication => ({
  dueDate: '2026-03-30',
  publishedOn: '2026-03-20',
  publishedAt: at,
  publishedBy: officer.openId,
  publishedByName: '李明',
  reference: '国家企业信用信息公示系统',
  result,
});
const reminder = (kind: Reminder['kind'], extra: Partial<Reminder> = {}): Reminder => ({
  kind,
  subject: kind.startsWith('pub') ? 'publication' : 'rectification',
  deadline: '2026-03-30',
  left: kind === 'pub-d5' ? 5 : kind === 'pub-d2' || kind === 'rect-d2' ? 2 : 0,
  overdue: kind.endsWith('overdue') ? 1 : 0,
  remind: true,
  escalate: kind.endsWith('overdue'),
  ...extra,
});

const view = (t: TaskDoc, openId: string, banner: FollowUpBanner = { kind: 'none' }, today = '2026-03-10') =>
  followUpCard(t, { openId, audience, today, banner });
const buttons = (card: CardJson) => findButtons(card).map((b) => b.text);

describe('the follow-up card', () => {
  const banners: FollowUpBanner[] = [
    { kind: 'none' },
    { kind: 'toPublish' },
    { kind: 'toRectify' },
    { kind: 'handover' },
    { kind: 'confirmed' },
    { kind: 'published' },
    { kind: 'amended' },
    ...(['pub-d5', 'pub-d2', 'pub-due', 'pub-overdue', 'rect-d2', 'rect-due', 'rect-overdue'] as const).map((k) => ({ kind: 'reminder' as const, reminder: reminder(k) })),
  ];
  const tasks = [
    task('待公示', { findings: false }),
    task('待整改'),
    task('待公示', { check }),
    task('已公示', { publication: published('发现问题待后续处理') }),
    task('已公示', { publication: published('发现问题待后续处理'), check }),
    task('已公示', { check, publication: { ...published('发现问题经责令已改正'), amended: { from: '发现问题待后续处理', on: '2026-03-25', at, by: leader.openId, byName: '王建国', reference: '已更新' } } }),
    task('待公示', { findings: false, publication: { dueDate: '', dueNote: '日历数据缺少2027年的法定节假日安排，公示截止日期暂无法确定（按周一至周五估算约为 2027-01-12，以日历更新后的正式日期为准）。' } }),
  ];

  it('is valid and within 30 KB for every state, banner and viewer (nine 1,000-character records)', () => {
    for (const t of tasks) {
      for (const banner of banners) {
        for (const who of [leader, officer, expert, liaison, cityLiaison, stranger]) expectValid(view(t, who.openId, banner));
      }
    }
  });

  it('a county without a 联络员: valid everywhere; the 市局联络员 stand in for 立案/移交 and the publication, not for 附件2, and everyone is told', () => {
    const none = { countyLiaisons: [cityLiaison.openId], cityLiaisons: [cityLiaison.openId], countyHasLiaison: false };
    const seen = (t: TaskDoc, openId: string, banner: FollowUpBanner = { kind: 'none' }) => followUpCard(t, { openId, audience: none, today: '2026-03-10', banner });
    for (const t of tasks) {
      for (const banner of banners) {
        for (const who of [leader, officer, expert, liaison, cityLiaison, stranger]) expectValid(seen(t, who.openId, banner));
      }
    }
    const t = task('待整改', { record: '检验设备超出检定周期' });
    expect(buttons(seen(t, cityLiaison.openId))).toEqual(['登记后续处置', '已录入并公示']);
    expect(buttons(seen(t, leader.openId))).toEqual(['已录入并公示']);
    for (const who of [cityLiaison, leader, officer]) expect(cardText(seen(t, who.openId))).toContain('永济市在执法检查人员名录库中没有登记联络员');
    // nothing to confirm: no notice
    expect(cardText(seen(task('待公示', { findings: false }), cityLiaison.openId))).not.toContain('没有登记联络员');
    expect(cardText(seen(task('待公示', { check }), cityLiaison.openId))).not.toContain('没有登记联络员');
  });

  it('待整改: the county liaison confirms, records 立案/移交 and may publish; the team\'s officers publish', () => {
    const t = task('待整改', { record: '检验设备超出检定周期' });
    expect(buttons(view(t, liaison.openId))).toEqual(['确认整改', '登记后续处置', '已录入并公示']);
    // the county has its liaison: the city bureau's does not stand in (policies.ts)
    expect(buttons(view(t, cityLiaison.openId))).toEqual([]);
    expect(buttons(view(t, leader.openId))).toEqual(['已录入并公示']);
    // experts do not record the publication (谁检查、谁录入: the officers)
    expect(buttons(view(t, expert.openId))).toEqual([]);
    expect(buttons(view(t, stranger.openId))).toEqual([]);
    const card = view(t, liaison.openId);
    const confirm = findButtons(card).find((b) => b.text === '确认整改')!;
    expect(confirm.formName).toBe('rectify_form');
    expect(confirm.value).toEqual({ a: 'fu.rectify', task: String(t._id), round: 1 });
    const publish = findButtons(card).find((b) => b.text === '已录入并公示')!;
    expect(publish.value).toEqual({ a: 'fu.publish', task: String(t._id), round: 1, st: '待整改' });
    expect(publish.element.confirm).toBeDefined(); // publishing before the confirmation asks first
    const json = JSON.stringify(card);
    for (let i = 1; i <= 9; i += 1) expect(json).toContain(`"name":"done_${i}"`);
    expect(json).toContain(`"default_value":${JSON.stringify(RECTIFICATION_OPINION)}`);
    expect(json).toContain('"tag":"date_picker","name":"published_on"'); // empty = the day it is recorded
    expect(json).not.toContain('initial_date'); // a card clicked days later must not carry the day it was sent
    const text = cardText(card);
    expect(text).toContain('公示截止**：2026-03-30（还有 14 个工作日）');
    expect(text).toContain('**整改期限**：2026-03-17（附件1，15 天）');
    expect(text).toContain('公示结果：**发现问题待后续处理**');
  });

  it('待公示 without findings: no confirmation; 已公示: nothing to do unless the result needs updating', () => {
    const t = task('待公示', { findings: false });
    expect(buttons(view(t, liaison.openId))).toEqual(['已录入并公示']);
    expect(buttons(view(t, cityLiaison.openId))).toEqual([]);
    expect(cardText(view(t, liaison.openId))).toContain('公示结果：**未发现问题**');
    expect(findButtons(view(t, liaison.openId))[0].element.confirm).toBeUndefined();
    expect(buttons(view(task('已公示', { findings: false, publication: published('未发现问题') }), liaison.openId))).toEqual([]);
    // published as 待后续处理, not yet confirmed: the county can still confirm; confirmed: update the published result
    const pending = task('已公示', { publication: published('发现问题待后续处理') });
    expect(buttons(view(pending, liaison.openId))).toEqual(['确认整改', '登记后续处置']);
    expect(buttons(view(pending, officer.openId))).toEqual([]);
    const confirmed = task('已公示', { publication: published('发现问题待后续处理'), check });
    expect(buttons(view(confirmed, officer.openId))).toEqual(['已更新公示结果']);
    expect(findButtons(view(confirmed, officer.openId))[0].value).toMatchObject({ a: 'fu.amend' });
  });

  it('the 附件2 confirmation shows as a table with the opinion and the confirmer', () => {
    const text = cardText(view(task('待公示', { check: { ...check, items: [{ no: 1, issue: '天平超期', done: '已更换' }] } }), leader.openId, { kind: 'confirmed' }));
    for (const s of ['整改已确认（附件2）', '序号', '需整改问题', '完成整改情况', '县局监管确认', '天平超期', '已更换', '赵丽', RECTIFICATION_OPINION, '永济市市场监督管理局']) {
      expect(text).toContain(s);
    }
  });

  it('reminders say what is due, by when and how many working days are left or overdue', () => {
    const t = task('待公示', { findings: false });
    expect(cardText(view(t, liaison.openId, { kind: 'reminder', reminder: reminder('pub-d5') }))).toContain('距公示截止还有 **5 个工作日**（2026-03-30）');
    expect(cardText(view(t, liaison.openId, { kind: 'reminder', reminder: reminder('pub-due') }))).toContain('今天（2026-03-30）是公示截止日');
    const overdue = cardText(view(t, liaison.openId, { kind: 'reminder', reminder: reminder('pub-overdue', { overdue: 3 }) }));
    expect(overdue).toContain('公示已逾期 3 个工作日');
    expect(overdue).toContain('逾期情况已同时报告市局');
    const rect = task('待整改');
    const before = cardText(view(rect, liaison.openId, { kind: 'reminder', reminder: reminder('rect-d2') }));
    expect(before).toContain('整改期限提醒：还有 2 个工作日');
    expect(before).toContain('距整改期限还有 **2 个工作日**（2026-03-30）');
    expect(before).not.toContain('顺延');
    const extended = cardText(view(rect, liaison.openId, { kind: 'reminder', reminder: reminder('rect-due', { statedDeadline: '2026-03-28' }) }));
    expect(extended).toContain('整改期限今天（2026-03-30）到期');
    expect(extended).toContain('附件1 所写期限 2026-03-28 是休息日，期限顺延至其后第一个工作日 2026-03-30');
  });
});

it('the escalation report and the calendar warning stay valid with many tasks', () => {
  const rows = Array.from({ length: 60 }, () => ({ task: task('待公示', { findings: false }), reminder: reminder('pub-overdue'), responsible: ['赵丽', '王建国'] }));
  const esc = escalationCard(rows, '2026-04-01');
  expectValid(esc);
  expect(cardText(esc)).toContain('以下 60 项检查');
  expect(cardText(esc)).toContain('另有 10 项未列出');
  const unknown = Array.from({ length: 40 }, () => task('待公示', { findings: false, publication: { dueDate: '', dueNote: '日历数据缺少2027年……' } }));
  const cal = calendarWarningCard(unknown, '2026-12-16', false);
  expectValid(cal);
  expect(cardText(cal)).toContain('以下 40 项检查的公示截止日期暂无法确定');
  expectValid(calendarWarningCard([], '2027-01-04', true));
});

it('the inspection record card links to the follow-up and shows the deadline; the task list shows it too', () => {
  const t = task('待整改');
  const card = recordCard(t, officer.openId);
  expectValid(card);
  expect(buttons(card)).toEqual(['整改与公示', '上传签字页']);
  expect(findButtons(card)[0].value).toEqual({ a: 'fu.view', task: String(t._id) });
  expect(cardText(card)).toContain('公示截止：2026-03-30');
  expect(buttons(recordCard(task('已公示', { publication: published('发现问题待后续处理') }), officer.openId))).toEqual(['公示情况']);
  expect(cardText(tasksListCard([t], 1, officer.openId))).toContain('公示截止 2026-03-30');
});
