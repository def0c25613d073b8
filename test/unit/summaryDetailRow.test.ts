/**
 * A 检查明细 row from the detail cursor's row array (operations/summary.ts detailOfRow): the elements read by
 * position (ROW_FIELDS' order), no PushedRow built in between.
 */
import { UNNAMED_COUNTY } from '../../src/operations/progress';
import { detailOf, detailOfRow, dueDates, ROW_FIELDS, type PushedRow } from '../../src/operations/summary';

/** The row array the cursor sends for these fields (missing ones as null). */
const rowOfFields = (fields: Partial<Record<(typeof ROW_FIELDS)[number], unknown>>) => ROW_FIELDS.map((k) => fields[k] ?? null);

/** dueDates() answers the stored 公示期限 when there is one (these rows have one: no calendar walk). */
const noDue = dueDates();

it('reads every column from its element: a checked task with a case opened, its county missing', () => {
  const row = rowOfFields({
    no: 17,
    state: '待整改',
    name: '夏县瑞丰电缆有限公司',
    uscc: '91140828MA0K123456',
    licenceNo: '(晋)XK06-001-00017',
    product: '电线电缆',
    category: '工业产品',
    riskClass: 'B',
    teamLeader: ['王建国'],
    completionDate: '2024-10-08',
    result: '不符合',
    deadline: '2024-10-23',
    confirmedOn: '2024-10-21',
    dueDate: '2024-11-05',
    publishedOn: '2024-11-04',
    resultLabel: '通过登记的住所（经营场所）无法联系',
    disposalKind: '立案',
    caseNo: '运市监立〔2024〕3号',
    caseDate: '2024-10-20',
  });
  expect(detailOfRow(row, noDue)).toEqual({
    county: UNNAMED_COUNTY,
    no: 17,
    name: '夏县瑞丰电缆有限公司',
    uscc: '91140828MA0K123456',
    licenceNo: '(晋)XK06-001-00017',
    product: '电线电缆',
    category: '工业产品',
    riskClass: 'B',
    teamLeader: '王建国',
    state: '待整改',
    completionDate: '2024-10-08',
    result: '不符合',
    rectificationDeadline: '2024-10-23',
    rectificationConfirmedOn: '2024-10-21',
    publicationDue: '2024-11-05',
    publishedOn: '2024-11-04',
    resultLabel: '通过登记的住所（经营场所）无法联系',
    resultCode: '6',
    disposal: '立案（运市监立〔2024〕3号，2024-10-20）',
    credit: '列入经营异常名录',
  });
});

it('leaves the dates and result of a task not checked empty; a transfer; the same row from a PushedRow', () => {
  const fields = {
    no: 3,
    state: '待检查',
    name: '甲',
    uscc: 'U',
    licenceNo: 'L',
    product: 'P',
    category: 'C',
    riskClass: 'A',
    completionDate: '2024-10-08',
    result: '符合',
    deadline: '2024-10-23',
    dueDate: '2024-11-05',
    disposalKind: '移交',
    transferTo: '县公安局',
    county: '夏县',
  } as const;
  const expected = {
    county: '夏县',
    no: 3,
    name: '甲',
    uscc: 'U',
    licenceNo: 'L',
    product: 'P',
    category: 'C',
    riskClass: 'A',
    teamLeader: '',
    state: '待检查',
    completionDate: '',
    result: '',
    rectificationDeadline: '',
    rectificationConfirmedOn: '',
    publicationDue: '',
    publishedOn: '',
    resultLabel: '',
    resultCode: '',
    disposal: '移交（县公安局）',
    credit: '',
  };
  expect(detailOfRow(rowOfFields(fields), noDue)).toEqual(expected);
  const { county, ...pushed } = fields;
  expect(detailOf(county, pushed as unknown as PushedRow, noDue)).toEqual(expected);
});

it('shows the 公示期限 computed from the completion date, or “待定” with the estimate where the calendar lacks the year', () => {
  const due = dueDates();
  // stored: as stored; computed on the official calendar (2024-09-03 + 20 working days, across 中秋 and 国庆 with their 调休)
  expect(due('2024-11-05', '2024-10-08')).toBe('2024-11-05');
  expect(due(undefined, '2024-09-03')).toBe('2024-10-08');
  // 2026-12-15 + 20 working days falls in 2027, a year without data here: undetermined, with the estimate (Monday–Friday but 元旦)
  expect(due(null, '2026-12-15')).toBe('待定，约2027-01-13');
  // not completed: nothing
  expect(due(undefined, '')).toBe('');
});
