import { CHECKLISTS } from '../../src/domain/checklists';
import {
  addCalendarDays,
  allAnswered,
  answeredCount,
  buildRectification,
  checkRecord,
  checkReopenReason,
  checkRepresentative,
  clip,
  isLeader,
  nextCursor,
  opinionSheet,
  outcomeOf,
  parseRectificationDays,
  previousCursor,
  rectificationItems,
  stateLabel,
  summaryStep,
  unsignedMembers,
  withAnswer,
  type Answer,
  type Verdict,
  rectificationDeadline,
} from '../../src/domain/inspection';

const at = new Date('2024-04-10T02:00:00Z');
const ans = (item: number, verdict: Verdict = '符合', record = ''): Answer => ({ item, verdict, record, by: 'ou_a', byName: '甲', at });
const team = [
  { openId: 'ou_l', name: '组长甲', role: '组长' },
  { openId: 'ou_o', name: '执法乙', role: '执法人员' },
  { openId: 'ou_e', name: '专家丙', role: '专家' },
];

describe('position', () => {
  it('moves to the next unanswered item, wrapping, then to the summary', () => {
    expect(nextCursor('industrial', [ans(1)], 1)).toBe(2);
    expect(nextCursor('industrial', [1, 2, 3, 5].map((i) => ans(i)), 3)).toBe(4);
    expect(nextCursor('industrial', [1, 2, 3, 4, 5].map((i) => ans(i)), 3)).toBe(6);
    // going back to 2 and answering it again skips the items already answered
    expect(nextCursor('industrial', [1, 2, 3, 4].map((i) => ans(i)), 2)).toBe(5);
    // item 9 answered while 4 is still open: wrap round to 4
    expect(nextCursor('industrial', [1, 2, 3, 5, 6, 7, 8, 9].map((i) => ans(i)), 9)).toBe(4);
    expect(nextCursor('food', [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ans(i)), 9)).toBe(summaryStep('food'));
  });

  it('goes back one item; the summary goes back to the last item; item 1 stays', () => {
    expect(previousCursor('industrial', 5)).toBe(4);
    expect(previousCursor('industrial', 1)).toBe(1);
    expect(previousCursor('industrial', summaryStep('industrial'))).toBe(9);
  });

  it('keeps one current answer per item, in item order', () => {
    const answers = withAnswer(withAnswer([ans(3), ans(1)], ans(2)), ans(3, '不符合', '无出厂检验记录'));
    expect(answers.map((a) => [a.item, a.verdict])).toEqual([[1, '符合'], [2, '符合'], [3, '不符合']]);
    expect(answeredCount('industrial', answers)).toBe(3);
    expect(allAnswered('industrial', answers)).toBe(false);
    expect(allAnswered('industrial', [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ans(i)))).toBe(true);
  });
});

describe('input', () => {
  it('requires a 检查记录 for 不符合 only, trims it, and caps it at 1000 characters', () => {
    expect(checkRecord('不符合', '')).toEqual({ ok: false, error: 'recordRequired' });
    expect(checkRecord('不符合', '  \n ')).toEqual({ ok: false, error: 'recordRequired' });
    expect(checkRecord('不符合', undefined)).toEqual({ ok: false, error: 'recordRequired' });
    expect(checkRecord('符合', undefined)).toEqual({ ok: true, record: '' });
    expect(checkRecord('不符合', ' 未见出厂检验记录\r\n ')).toEqual({ ok: true, record: '未见出厂检验记录' });
    expect(checkRecord('符合', '检'.repeat(1000))).toEqual({ ok: true, record: '检'.repeat(1000) });
    expect(checkRecord('符合', '检'.repeat(1001))).toEqual({ ok: false, error: 'recordTooLong', length: 1001 });
  });

  it('reads the rectification period in days', () => {
    expect(parseRectificationDays(undefined)).toEqual({ ok: true, days: 15 });
    expect(parseRectificationDays('')).toEqual({ ok: true, days: 15 });
    expect(parseRectificationDays(' 30 ')).toEqual({ ok: true, days: 30 });
    expect(parseRectificationDays('１０天')).toEqual({ ok: true, days: 10 });
    for (const bad of ['0', '366', '1.5', '十五', '-3', 'abc']) expect(parseRectificationDays(bad)).toEqual({ ok: false });
  });

  it('checks the representative name and the reopen reason', () => {
    expect(checkRepresentative('  孙  经理 ')).toEqual({ ok: true, name: '孙 经理' });
    expect(checkRepresentative('')).toEqual({ ok: false, error: 'required' });
    expect(checkRepresentative('名'.repeat(41))).toEqual({ ok: false, error: 'tooLong' });
    expect(checkReopenReason(' 第3项记录有误 ')).toEqual({ ok: true, reason: '第3项记录有误' });
    expect(checkReopenReason(undefined)).toEqual({ ok: false, error: 'required' });
  });
});

describe('outcome and 附件1', () => {
  it('no 不符合 → 未发现问题, any 不符合 → 发现问题', () => {
    expect(outcomeOf([1, 2, 3].map((i) => ans(i)), 'industrial')).toBe('未发现问题');
    expect(outcomeOf([ans(1), ans(2, '不符合', 'x')], 'industrial')).toBe('发现问题');
  });

  it('the answers of the extra checklists (steps after the form) do not change the result', () => {
    expect(outcomeOf([ans(9), ans(10, '不符合', '隐患：配电箱无防护')], 'industrial')).toBe('未发现问题');
    expect(rectificationItems('industrial', [ans(3, '不符合', 'x'), ans(11, '不符合', 'y')]).map((r) => r.no)).toEqual([3]);
  });

  it('the rectification items are the 不符合 records, with the item text, in item order', () => {
    const answers = [ans(7, '不符合', '未配备质量安全员'), ans(1), ans(3, '不符合', '检验设备超出检定周期')];
    expect(rectificationItems('food', answers)).toEqual([
      { no: 3, content: CHECKLISTS.food.items[2].content, record: '检验设备超出检定周期' },
      { no: 7, content: CHECKLISTS.food.items[6].content, record: '未配备质量安全员' },
    ]);
  });

  it('counts the deadline in calendar days from the issue date, across months and leap days', () => {
    expect(addCalendarDays('2024-04-10', 15)).toBe('2024-04-25');
    expect(addCalendarDays('2024-02-20', 15)).toBe('2024-03-06');
    expect(addCalendarDays('2023-12-25', 10)).toBe('2024-01-04');
    // calendar days, not working days: the 劳动节 holiday does not extend it
    expect(addCalendarDays('2024-04-25', 10)).toBe('2024-05-05');
    expect(() => addCalendarDays('2024-02-30', 1)).toThrow();
  });

  it('builds the 意见汇总表 data', () => {
    const r = buildRectification({
      kind: 'industrial',
      answers: [ans(2, '不符合', '新增关键设备未报告'), ans(5, '不符合', '合格证未标注许可证编号')],
      days: 15,
      issuedDate: '2024-04-10',
      setBy: 'ou_l',
      recipients: ['ou_liaison', 'ou_l', 'ou_liaison'],
    });
    expect(r.deadline).toBe('2024-04-25');
    expect(r.recipients).toEqual(['ou_liaison', 'ou_l']);
    const sheet = opinionSheet({
      enterprise: { name: '某公司', product: '电线电缆', licenceNo: '晋XK06-001-00123', validFrom: '2021-06-01', validTo: '2026-05-31' },
      rectification: r,
      signatures: [{ openId: 'ou_l', name: '组长甲', role: '组长', at }],
      representative: '孙经理',
      dateOf: () => '2024-04-10',
    });
    expect(sheet.title).toBe('市级“双随机、一公开”监督检查意见汇总表');
    expect(sheet.validity).toBe('2021年6月1日至2026年5月31日');
    expect(sheet.items.map((i) => i.no)).toEqual([2, 5]);
    expect(sheet.closing).toContain('请于 15 日内完成上述问题整改');
    expect(sheet.teamSignatures).toEqual([{ name: '组长甲', role: '组长', date: '2024-04-10' }]);
  });
});

describe('team', () => {
  it('knows the leader and who still has to sign', () => {
    expect(isLeader(team, 'ou_l')).toBe(true);
    expect(isLeader(team, 'ou_o')).toBe(false);
    expect(unsignedMembers(team, [{ openId: 'ou_o', name: '', role: '', at }]).map((m) => m.openId)).toEqual(['ou_l', 'ou_e']);
  });

  it('labels the state for /我的任务', () => {
    expect(stateLabel({ state: '待检查', checklist: 'industrial', team })).toBe('待检查');
    expect(stateLabel({ state: '检查中', checklist: 'industrial', team, inspection: { answers: [ans(1), ans(2)], signatures: [] } })).toBe('检查中 2/9');
    expect(stateLabel({ state: '待签字', checklist: 'food', team, inspection: { answers: [], signatures: [{ openId: 'ou_o', name: '', role: '', at }] } })).toBe(
      '待签字 1/3',
    );
  });

  it('clips long text for cards', () => {
    expect(clip('一二三四五', 10)).toBe('一二三四五');
    expect(clip('一二三四五', 3)).toBe('一二…');
  });
});

describe('rectification deadline on a rest day', () => {
  it('moves to the next working day (国庆 2024), and stays on a working day', () => {
    expect(rectificationDeadline('2024-09-20', 15)).toBe('2024-10-08');
    expect(rectificationDeadline('2024-03-01', 15)).toBe('2024-03-18'); // 03-16 is a Saturday
    expect(rectificationDeadline('2024-03-05', 15)).toBe('2024-03-20');
  });

  it('keeps the calendar date where the calendar has no data for the year', () => {
    expect(rectificationDeadline('2026-12-20', 15)).toBe('2027-01-04');
  });
});
