/**
 * Every inspection card, in every state and for every kind of viewer, is a card Feishu accepts (the emulator's
 * validator), within 30 KB even with nine 1,000-character records, and without dead buttons.
 */
import { Types } from 'mongoose';
import { CHECKLISTS, type ChecklistKind } from '../../src/domain/checklists';
import { buildRectification, type Answer, type InspectionRecord } from '../../src/domain/inspection';
import {
  checklistItemCard,
  opinionNoticeCard,
  photoNotSavedCard,
  photoSavedCard,
  recordCard,
  reopenNoticeCard,
  signRequestCard,
  summaryCard,
  taskCard,
  tasksListCard,
} from '../../src/bot/inspectionCards';
import type { CardJson } from '../../src/bot/cards';
import type { TaskDoc, TaskState } from '../../src/store/task';
import { validateCard } from '../../src/sandbox/emulator';
import { cardText, findButtons } from '../../src/sandbox/client';
import { enterprise, PEOPLE, TEAM } from '../support/fixtures';

const at = new Date('2024-04-10T02:00:00Z');
const LONG = '记'.repeat(1000);

function answers(kind: ChecklistKind, verdict: (i: number) => Answer['verdict'], record: (i: number) => string): Answer[] {
  return CHECKLISTS[kind].items.map((it) => ({ item: it.no, verdict: verdict(it.no), record: record(it.no), by: PEOPLE.officer.openId, byName: '李明', at }));
}

function task(kind: ChecklistKind, state: TaskState, rec: Partial<InspectionRecord> = {}): TaskDoc {
  const inspection: InspectionRecord = {
    startedAt: at,
    startedBy: PEOPLE.officer.openId,
    startedBeforeReceipt: false,
    cursor: 1,
    answers: [],
    history: [],
    photos: [],
    round: 0,
    signatures: [],
    reopens: [],
    ...rec,
  };
  return {
    _id: new Types.ObjectId(),
    campaignId: new Types.ObjectId(),
    drawId: new Types.ObjectId(),
    no: 1,
    enterprise: enterprise(kind),
    checklist: kind,
    team: TEAM,
    state,
    version: 7,
    inspection: state === '待检查' ? undefined : inspection,
    createdAt: at,
    updatedAt: at,
  };
}

function expectValid(card: CardJson): void {
  const check = validateCard(card);
  if (!check.ok) throw new Error(`${check.errCode} ${check.errPath} ${check.errMsg}`);
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(30 * 1024);
  for (const b of findButtons(card)) expect(b.hasCallback).toBe(true);
}

const photos = Array.from({ length: 30 }, (_, i) => ({
  item: i % 10,
  imageKey: `img_v3_${i}`,
  messageId: `om_${i}`,
  by: PEOPLE.officer.openId,
  byName: '李明',
  at,
}));

describe.each(['industrial', 'food'] as const)('%s cards', (kind) => {
  const n = CHECKLISTS[kind].items.length;
  const worst = answers(kind, () => '不符合', () => LONG);
  const signed = TEAM.map((m) => ({ openId: m.openId, name: m.name, role: m.role, at }));
  const rect = buildRectification({ kind, answers: worst, days: 15, issuedDate: '2024-04-10', setBy: PEOPLE.leader.openId, recipients: [PEOPLE.liaison.openId] });

  it('item cards: k/9, the exact item text, 符合/不符合 submitting the form with the record, 上一项 from item 2 on', () => {
    for (let k = 1; k <= n; k += 1) {
      const t = task(kind, '检查中', { cursor: k, answers: worst.slice(0, k), photos });
      const card = checklistItemCard(t);
      expectValid(card);
      const text = cardText(card);
      expect(text).toContain(`第 ${k}/${n} 项`);
      expect(text).toContain(CHECKLISTS[kind].items[k - 1].content);
      const buttons = findButtons(card);
      const ok = buttons.find((b) => b.text === '符合')!;
      const ng = buttons.find((b) => b.text === '不符合')!;
      for (const b of [ok, ng]) {
        expect(b.formActionType).toBe('submit');
        expect(b.formName).toBe('item_form');
        expect(b.value).toEqual({ a: 'insp.answer', task: String(t._id), item: k, v: 7, verdict: b.text });
      }
      expect(buttons.some((b) => b.text === '上一项')).toBe(k > 1);
    }
  });

  it('summary, record, sign and 附件1 cards stay valid with nine 1,000-character records', () => {
    const cards = [
      summaryCard(task(kind, '检查中', { cursor: n + 1, answers: worst, photos }), PEOPLE.leader.openId),
      summaryCard(task(kind, '检查中', { cursor: n + 1, answers: worst.slice(2), photos }), PEOPLE.officer.openId),
      signRequestCard(task(kind, '待签字', { answers: worst, round: 1, representative: '孙经理', signatures: signed.slice(1), photos }), PEOPLE.leader.openId),
      recordCard(task(kind, '待整改', { answers: worst, round: 1, representative: '孙经理', signatures: signed, rectification: rect, result: '发现问题' }), PEOPLE.leader.openId),
      recordCard(task(kind, '已公示', { answers: worst, round: 1, signatures: signed, result: '发现问题' }), PEOPLE.expert.openId),
      opinionNoticeCard(task(kind, '待整改', { answers: worst, round: 1, representative: '孙经理', signatures: signed, rectification: rect }), PEOPLE.liaison.openId),
      opinionNoticeCard(task(kind, '待整改', { answers: worst, round: 1, representative: '孙经理', signatures: signed, rectification: rect }), PEOPLE.officer.openId),
    ];
    for (const card of cards) expectValid(card);
  });

  it('shows each viewer only the buttons they may use', () => {
    const t = task(kind, '待签字', { answers: worst, round: 2, representative: '孙经理', signatures: signed.slice(1, 2) });
    const leader = findButtons(recordCard(t, PEOPLE.leader.openId)).map((b) => b.text);
    expect(leader).toEqual(['确认签字', '重新打开检查', '上传签字页']);
    const leaderSign = findButtons(recordCard(t, PEOPLE.leader.openId)).find((b) => b.text === '确认签字')!;
    expect(leaderSign.value).toEqual({ a: 'insp.sign', task: String(t._id), round: 2 });
    expect(findButtons(recordCard(t, PEOPLE.officer.openId)).map((b) => b.text)).toEqual(['上传签字页']);
    expect(findButtons(recordCard(t, PEOPLE.expert.openId)).map((b) => b.text)).toEqual(['确认签字', '上传签字页']);
    expect(findButtons(recordCard(t, PEOPLE.stranger.openId)).map((b) => b.text)).toEqual([]);
    // the period field goes to the 组长 only, and only with findings
    expect(JSON.stringify(recordCard(t, PEOPLE.leader.openId))).toContain('"name":"days"');
    expect(JSON.stringify(recordCard(t, PEOPLE.expert.openId))).not.toContain('"name":"days"');
  });
});

it('the task list, notices and not-started / void views are valid', () => {
  const many = Array.from({ length: 20 }, (_, i) =>
    task(i % 2 ? 'food' : 'industrial', (['待接收', '待检查', '检查中', '待签字', '待公示', '待整改', '已公示'] as const)[i % 7], {
      round: 1,
      rectification: buildRectification({ kind: 'industrial', answers: [], days: 15, issuedDate: '2024-04-10', setBy: '', recipients: [] }),
    }),
  );
  const cards = [
    tasksListCard(many, 25, PEOPLE.officer.openId),
    tasksListCard([], 0, PEOPLE.officer.openId),
    taskCard(task('industrial', '待检查'), PEOPLE.officer.openId),
    taskCard({ ...task('industrial', '待检查'), state: '已作废' }, PEOPLE.officer.openId),
    reopenNoticeCard(task('food', '检查中'), { by: PEOPLE.leader.openId, byName: '王建国', at, reason: '第3项记录有误', fromState: '待整改', round: 1 }, { withdrawn: true, member: false }),
    reopenNoticeCard(task('food', '检查中'), { by: PEOPLE.leader.openId, byName: '王建国', at, reason: '第3项记录有误', fromState: '待签字', round: 1 }, { withdrawn: false, member: true }),
    photoSavedCard(task('food', '检查中'), 3, 2),
    photoNotSavedCard(),
  ];
  for (const card of cards) expectValid(card);
  expect(cardText(cards[0])).toContain('共 25 项任务，显示前 20 项');
});
