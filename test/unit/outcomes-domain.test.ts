/** The pure rules of issue 10: the result dictionary, closures, outcomes, the visit's steps, the window, county reports, extra checklists. */
import { checkClosureInput, checkReturnReason } from '../../src/domain/closure';
import { checkCampaignTotals, mapChecklistHeaders, parseChecklistRows } from '../../src/domain/extraChecklists';
import { countyReportDue, countyReportLastWorkingDay, countyReportReminder, fileExtension, isReportFileType } from '../../src/domain/countyReport';
import { completionDateOf, currentResult, isComplete, resultToPublish } from '../../src/domain/outcome';
import { CLOSURE_RESULTS, RESULT_DICTIONARY, resultByCode, resultByLabel } from '../../src/domain/results';
import { extraCount, extraRecords, visitStep, visitSteps } from '../../src/domain/visit';
import { checkWindowReason, windowPosition, windowWarning } from '../../src/domain/window';
import { nextCursor, previousCursor, summaryStep, type Answer } from '../../src/domain/inspection';

describe('the result dictionary', () => {
  it('has at least the ten results of the platform, with codes, each label once', () => {
    const labels = RESULT_DICTIONARY.map((r) => r.label);
    for (const l of ['未发现问题', '发现问题经责令已改正', '发现问题待后续处理', '通过登记的住所（经营场所）无法联系', '已关闭停业或正在组织清算', '不配合检查情节严重', '未发现开展本次抽查涉及的经营活动', '注销', '被吊销', '迁出']) {
      expect(labels).toContain(l);
    }
    expect(new Set(labels).size).toBe(labels.length);
    expect(new Set(RESULT_DICTIONARY.map((r) => r.code)).size).toBe(labels.length);
    expect(resultByCode('6')?.label).toBe('通过登记的住所（经营场所）无法联系');
    expect(resultByLabel('通过登记的住所(经营场所)无法联系')?.code).toBe('6'); // the half-width form of older records
  });

  it('closure reasons are the results a team records for a firm it could not inspect; two call for a credit follow-up', () => {
    expect(CLOSURE_RESULTS.map((r) => r.code)).toEqual(['6', '7', '8', 'F', '9', '10', '11', '12']);
    expect(RESULT_DICTIONARY.filter((r) => r.credit).map((r) => r.code)).toEqual(['6', '8']);
  });
});

describe('closure input', () => {
  it('a closure code and a 情况说明 (≤ 1000) are required', () => {
    expect(checkClosureInput('6', ' 到访未见企业 ')).toMatchObject({ ok: true, note: '到访未见企业', entry: { code: '6' } });
    expect(checkClosureInput(['9'], 'x')).toMatchObject({ ok: true, entry: { code: '9' } });
    expect(checkClosureInput('', 'x')).toEqual({ ok: false, error: 'reasonRequired' });
    expect(checkClosureInput('1', 'x')).toEqual({ ok: false, error: 'badReason' });
    expect(checkClosureInput('A', 'x')).toEqual({ ok: false, error: 'badReason' });
    expect(checkClosureInput('6', '  ')).toEqual({ ok: false, error: 'noteRequired' });
    expect(checkClosureInput('6', '字'.repeat(1001))).toEqual({ ok: false, error: 'noteTooLong', length: 1001 });
    expect(checkReturnReason('')).toEqual({ ok: false, error: 'required' });
    expect(checkReturnReason('补拍照片')).toEqual({ ok: true, reason: '补拍照片' });
    // characters Word cannot hold are dropped, so the exported record stays valid
    expect(checkClosureInput('6', '厂房\ufffe空置\u0007')).toMatchObject({ ok: true, note: '厂房空置' });
    expect(checkWindowReason('停产\uffff检修')).toEqual({ ok: true, reason: '停产检修' });
  });
});

describe('outcome', () => {
  const done = { completedAt: new Date(), completionDate: '2024-05-06' };
  it('the result to publish follows the record, the confirmation, or the closure', () => {
    expect(resultToPublish({ state: '待公示', inspection: { ...done, result: '未发现问题' } })?.code).toBe('1');
    expect(resultToPublish({ state: '待整改', inspection: { ...done, result: '发现问题' } })?.code).toBe('A');
    expect(resultToPublish({ state: '待公示', inspection: { ...done, result: '发现问题' }, rectificationCheck: {} })?.code).toBe('E');
    const closed = { state: '待公示', closure: { status: 'confirmed', code: '7', confirmedOn: '2024-05-08' } };
    expect(resultToPublish(closed)?.label).toBe('已关闭停业或正在组织清算');
    expect(completionDateOf(closed)).toBe('2024-05-08');
    expect(isComplete({ state: '待确认', closure: { status: 'proposed', code: '7' } })).toBe(false);
    expect(isComplete({ state: '已作废', inspection: done })).toBe(false);
  });

  it('the current result is the published one once published', () => {
    expect(currentResult({ state: '已公示', inspection: { ...done, result: '发现问题' }, rectificationCheck: {}, publication: { publishedOn: '2024-05-10', result: '发现问题待后续处理' } })?.code).toBe('A');
    expect(currentResult({ state: '检查中' })).toBeUndefined();
  });
});

describe('the visit: the form’s items, then the extra checklists', () => {
  const extras = [
    { name: '零事故', items: [{ no: 1, text: 'a' }, { no: 2, text: 'b' }] },
    { name: '隐患排查', items: [{ no: 5, text: 'c' }] },
  ];
  it('numbers the steps 1 … 12 and says which checklist each belongs to', () => {
    expect(extraCount(extras)).toBe(3);
    expect(visitStep('industrial', extras, 9)).toMatchObject({ part: 'form', source: '附件3', no: 9, of: 9 });
    expect(visitStep('industrial', extras, 10)).toEqual({ step: 10, part: 'extra', source: '零事故', list: 0, no: 1, of: 2, content: 'a' });
    expect(visitStep('industrial', extras, 12)).toMatchObject({ source: '隐患排查', list: 1, no: 5, of: 1 });
    expect(visitStep('industrial', extras, 13)).toBeUndefined();
    expect(visitSteps('food', extras)).toHaveLength(12);
  });

  it('moves through the extras before the summary', () => {
    const ans = (item: number): Answer => ({ item, verdict: '符合', record: '', by: 'x', byName: 'x', at: new Date() });
    const nine = Array.from({ length: 9 }, (_, i) => ans(i + 1));
    expect(nextCursor('industrial', nine, 9, 3)).toBe(10);
    expect(nextCursor('industrial', [...nine, ans(10), ans(11), ans(12)], 12, 3)).toBe(summaryStep('industrial', 3));
    expect(previousCursor('industrial', 13, 3)).toBe(12);
  });

  it('gives each extra checklist its answers, keyed by its own 序号', () => {
    const a = (item: number, verdict: '符合' | '不符合'): Answer => ({ item, verdict, record: verdict === '不符合' ? 'r' : '', by: 'x', byName: 'x', at: new Date() });
    const recs = extraRecords('industrial', extras, [a(1, '符合'), a(11, '不符合'), a(12, '符合')]);
    expect(recs.map((r) => r.items.map((i) => [i.no, i.answer?.verdict]))).toEqual([[[1, undefined], [2, '不符合']], [[5, '符合']]]);
  });
});

describe('the inspection window', () => {
  it('inside, before or after; the reason is required and short', () => {
    expect(windowPosition('2024-03-14', '2024-03-15', '2024-10-31')).toBe('before');
    expect(windowPosition('2024-10-31', '2024-03-15', '2024-10-31')).toBe('inside');
    expect(windowPosition('2024-11-01', '2024-03-15', '2024-10-31')).toBe('after');
    expect(checkWindowReason(' ')).toEqual({ ok: false, error: 'required' });
    expect(checkWindowReason('字'.repeat(201))).toEqual({ ok: false, error: 'tooLong' });
  });

  it('warns at 30 and 10 working days before it closes (official calendar with 调休)', () => {
    expect(windowWarning('2024-09-12', '2024-10-31')).toBeUndefined();
    expect(windowWarning('2024-09-13', '2024-10-31')).toEqual({ threshold: 30, left: 30 });
    expect(windowWarning('2024-10-16', '2024-10-31')).toEqual({ threshold: 30, left: 11 });
    expect(windowWarning('2024-10-17', '2024-10-31')).toEqual({ threshold: 10, left: 10 });
    expect(windowWarning('2024-11-01', '2024-10-31')).toBeUndefined();
  });
});

describe('the county report (due 11-15)', () => {
  it('reminds on D−5, D−1, D and every working day after; escalates on overdue day 1, 6, 11', () => {
    const due = countyReportDue({ year: 2024, to: '2024-10-31' });
    expect(due).toBe('2024-11-15');
    const days = ['2024-11-07', '2024-11-08', '2024-11-11', '2024-11-14', '2024-11-15', '2024-11-16', '2024-11-18', '2024-11-19', '2024-11-25'];
    expect(days.map((d) => countyReportReminder(d, due))).toEqual([
      undefined,
      { kind: 'rep-d5', days: 5, escalate: false },
      { kind: 'rep-d5', days: 4, escalate: false }, // the same threshold (sent once: keyed by kind)
      { kind: 'rep-d1', days: 1, escalate: false },
      { kind: 'rep-due', days: 0, escalate: false },
      undefined, // Saturday
      { kind: 'rep-overdue', days: 1, escalate: true },
      { kind: 'rep-overdue', days: 2, escalate: false },
      { kind: 'rep-overdue', days: 6, escalate: true },
    ]);
  });

  it('is 11-15 for a window ending by 10-31, and 15 days after the end of a window ending later', () => {
    expect(countyReportDue({ year: 2024, to: '2024-09-30' })).toBe('2024-11-15');
    expect(countyReportDue({ year: 2024, to: '2024-10-31' })).toBe('2024-11-15');
    expect(countyReportDue({ year: 2024, to: '2024-11-01' })).toBe('2024-11-16');
    expect(countyReportDue({ year: 2026, to: '2026-12-31' })).toBe('2027-01-15');
  });

  it('when 11-15 is a rest day, D is the last working day before it (2025: Saturday, 2026: Sunday)', () => {
    const run = (year: number, days: string[]) => days.map((d) => [d, countyReportReminder(d, countyReportDue({ year, to: `${year}-10-31` }))]);
    expect(countyReportLastWorkingDay('2024-11-15')).toBe('2024-11-15');
    expect(countyReportLastWorkingDay('2025-11-15')).toBe('2025-11-14');
    expect(countyReportLastWorkingDay('2026-11-15')).toBe('2026-11-13');
    expect(run(2025, ['2025-11-06', '2025-11-07', '2025-11-13', '2025-11-14', '2025-11-15', '2025-11-17', '2025-11-24'])).toEqual([
      ['2025-11-06', undefined],
      ['2025-11-07', { kind: 'rep-d5', days: 5, escalate: false }],
      ['2025-11-13', { kind: 'rep-d1', days: 1, escalate: false }],
      ['2025-11-14', { kind: 'rep-due', days: 0, escalate: false, dueOnRestDay: 6 }],
      ['2025-11-15', undefined], // Saturday
      ['2025-11-17', { kind: 'rep-overdue', days: 1, escalate: true }],
      ['2025-11-24', { kind: 'rep-overdue', days: 6, escalate: true }],
    ]);
    expect(run(2026, ['2026-11-05', '2026-11-06', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16'])).toEqual([
      ['2026-11-05', undefined],
      ['2026-11-06', { kind: 'rep-d5', days: 5, escalate: false }],
      ['2026-11-12', { kind: 'rep-d1', days: 1, escalate: false }],
      ['2026-11-13', { kind: 'rep-due', days: 0, escalate: false, dueOnRestDay: 0 }],
      ['2026-11-14', undefined],
      ['2026-11-15', undefined],
      ['2026-11-16', { kind: 'rep-overdue', days: 1, escalate: true }],
    ]);
  });

  it('takes documents, sheets and archives as the report; not programs, pictures or files without a type', () => {
    for (const name of ['汇报.doc', '汇报.DOCX', '汇报.wps', '汇报.pdf', '汇报.ofd', '附件5.xlsx', '附件5.et', '材料.zip', '材料.7z', ' a.b.Pdf ']) {
      expect([name, isReportFileType(name)]).toEqual([name, true]);
    }
    for (const name of ['setup.exe', '照片.jpg', '汇报', '汇报.', '.pdf.lnk', '汇报.docx.exe']) {
      expect([name, isReportFileType(name)]).toEqual([name, false]);
    }
    expect(fileExtension('情况汇报.PDF')).toBe('pdf');
    expect(fileExtension('无扩展名')).toBe('');
  });
});

describe('extra checklist files', () => {
  const row = (line: number, name: string, no: string, text: string) => ({ line, cells: { 检查表名称: name, 序号: no, 检查内容: text } });
  it('groups the rows by checklist and orders them by 序号', () => {
    expect(parseChecklistRows([row(2, '甲', '2', 'b'), row(3, '乙', '1', 'c'), row(4, '甲', '１', 'a')])).toEqual({
      ok: true,
      lists: [
        { name: '甲', items: [{ no: 1, text: 'a' }, { no: 2, text: 'b' }] },
        { name: '乙', items: [{ no: 1, text: 'c' }] },
      ],
    });
  });

  it('refuses the whole file with every problem', () => {
    const r = parseChecklistRows([row(2, '', '1', 'a'), row(3, '甲', '0', 'a'), row(4, '甲', '1', '字'.repeat(501)), row(5, '甲', '2', 'x\u0007y')]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(parseChecklistRows([])).toMatchObject({ ok: false });
    const many = Array.from({ length: 61 }, (_, i) => row(i + 2, `表${i % 3}`, String(Math.floor(i / 3) + 1), 'x'));
    expect(parseChecklistRows(many)).toMatchObject({ ok: false, problems: [{ reason: '检查项合计最多 60 项，文件中有 61 项' }] });
    expect(checkCampaignTotals(Array.from({ length: 6 }, (_, i) => ({ name: String(i), items: [{ no: 1, text: 'x' }] })))).toContain('最多 5 张');
  });

  it('finds its headers in any order, with a BOM and spaces', () => {
    expect(mapChecklistHeaders(['\uFEFF序号', ' 检查内容 ', '检查表名称', '备注'])).toEqual({ ok: new Map([['序号', 0], ['检查内容', 1], ['检查表名称', 2]]) });
    expect(mapChecklistHeaders(['名称'])).toEqual({ error: expect.stringContaining('缺少列：检查表名称、序号、检查内容') });
  });
});
