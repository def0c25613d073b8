/**
 * 附件5 《情况汇总表》: every column of every sheet, defined once. The notice (运市监质监〔2024〕2号) names the table but
 * prints no layout; the columns are the system's own, and the sheet says so (SUMMARY_LAYOUT_NOTE). The counts come
 * from operations/progress.ts (one aggregation: the same definitions as /进度) and operations/summary.ts; the sheet
 * writer (exports/summaryXlsx.ts) only lays them out.
 *
 * A column is one of:
 * - a count (`value`), summed in the 合计 row by a formula;
 * - `diff`: this column = column a − column b of the same row (a formula, with its value cached);
 * - `ratio`: numerator ÷ denominator of the same row (a formula; “—” when the denominator is 0).
 */
import { RESULT_DICTIONARY } from '../domain/results';
import type { SummaryRow } from '../operations/summary';

export type ColumnKind = 'int' | 'pct' | 'text';

export interface SummaryColumn {
  key: string;
  title: string;
  /** the group header above it (a column without one spans both header rows) */
  group?: string;
  width: number;
  kind: ColumnKind;
  /** a count or a text read from the row */
  value?: (r: SummaryRow) => number | string | undefined;
  /** this column = a − b (keys of other columns) */
  diff?: [string, string];
  /** this column = numerator ÷ denominator (keys of other columns) */
  ratio?: [string, string];
  /** what it counts, for the 说明 under the table (columns of a group share their group's 说明) */
  definition?: string;
}

const RESULT_GROUP = '检查结果（按国家“双随机、一公开”监管平台结果字典，每家一项）';

/** The 汇总表 columns, left to right. */
export const SUMMARY_COLUMNS: readonly SummaryColumn[] = [
  { key: 'index', title: '序号', width: 5, kind: 'int', value: (r) => r.index },
  { key: 'county', title: '县（市、区）', width: 12, kind: 'text', value: (r) => r.county },
  {
    key: 'registered',
    title: '获证企业数（家）',
    width: 9,
    kind: 'int',
    value: (r) => r.registered,
    definition: '获证企业数：检查对象名录库中专项开始之日许可证仍在有效期内、抽取之日已获证的企业',
  },
  {
    key: 'sampled',
    title: '抽查企业数（家）',
    width: 9,
    kind: 'int',
    value: (r) => r.sampled,
    definition: '抽查企业数：已确认抽取的检查任务（已作废的不计）',
  },
  { key: 'sampleRatio', title: '抽查比例', width: 8, kind: 'pct', ratio: ['sampled', 'registered'], definition: '抽查比例＝抽查企业数÷获证企业数' },
  {
    key: 'checked',
    title: '已完成',
    group: '检查情况',
    width: 7,
    kind: 'int',
    value: (r) => r.checked,
    definition: '已完成：检查记录已由检查组全体成员签字确认，或无法正常检查已经组长确认；未完成＝抽查企业数－已完成；完成率＝已完成÷抽查企业数',
  },
  { key: 'unfinished', title: '未完成', group: '检查情况', width: 7, kind: 'int', diff: ['sampled', 'checked'] },
  { key: 'completionRate', title: '完成率', group: '检查情况', width: 8, kind: 'pct', ratio: ['checked', 'sampled'] },
  ...RESULT_DICTIONARY.map(
    (entry, i): SummaryColumn => ({
      key: `result:${entry.code}`,
      title: `${entry.short}（${entry.code}）`,
      group: RESULT_GROUP,
      width: 8,
      kind: 'int',
      value: (r) => r.results[entry.code] ?? 0,
      ...(i === 0
        ? {
            definition:
              '检查结果：已公示的按公示结果，未公示的按当前应公示的结果（发现问题的：县局确认整改后为“经责令已改正”，否则为“待后续处理”）；各项之和等于已完成',
          }
        : {}),
    }),
  ),
  {
    key: 'ordered',
    title: '责令改正',
    group: '发现问题的处置',
    width: 7,
    kind: 'int',
    value: (r) => r.ordered,
    definition: '发现问题的处置：责令改正（意见汇总表·附件1，县局现场确认整改·附件2）、立案、移交，三项之和等于发现问题的企业数；逾期未整改＝超过附件1整改期限仍未确认',
  },
  { key: 'rectified', title: '其中：已确认整改', group: '发现问题的处置', width: 8, kind: 'int', value: (r) => r.rectified },
  { key: 'rectifying', title: '整改中', group: '发现问题的处置', width: 7, kind: 'int', value: (r) => r.rectifying },
  { key: 'rectOverdue', title: '其中：逾期未整改', group: '发现问题的处置', width: 8, kind: 'int', value: (r) => r.rectOverdue },
  { key: 'caseOpened', title: '立案', group: '发现问题的处置', width: 6, kind: 'int', value: (r) => r.caseOpened },
  { key: 'transferred', title: '移交', group: '发现问题的处置', width: 6, kind: 'int', value: (r) => r.transferred },
  {
    key: 'credit',
    title: '需列入经营异常名录或信用跟进',
    width: 11,
    kind: 'int',
    value: (r) => r.credit,
    definition: '需列入经营异常名录或信用跟进：结果为“通过登记的住所（经营场所）无法联系”“不配合检查情节严重”的企业',
  },
  {
    key: 'published',
    title: '已公示',
    group: '结果公示',
    width: 7,
    kind: 'int',
    value: (r) => r.published,
    definition: '结果公示：自完成之日起20个工作日内录入公示（谁检查、谁录入）；逾期未公示＝超过期限仍未公示；公示率＝已公示÷抽查企业数（未公示的视为未完成）',
  },
  { key: 'unpublished', title: '未公示', group: '结果公示', width: 7, kind: 'int', value: (r) => r.unpublished },
  { key: 'pubOverdue', title: '其中：逾期未公示', group: '结果公示', width: 8, kind: 'int', value: (r) => r.pubOverdue },
  { key: 'publicationRate', title: '公示率', group: '结果公示', width: 8, kind: 'pct', ratio: ['published', 'sampled'] },
  { key: 'note', title: '备注', width: 12, kind: 'text', value: (r) => r.note },
];

export const SUMMARY_LAYOUT_NOTE =
  '本表的列由“双随机、一公开”检查助手确定（通知只列出附件5表名，未印制表样）；合计行和比例列为公式，数据截至填报日期。';

/** The 说明 lines under the table, numbered, from the column definitions. */
export function summaryNotes(): string[] {
  const defs = SUMMARY_COLUMNS.filter((c) => c.definition).map((c) => c.definition!);
  return [`说明：${SUMMARY_LAYOUT_NOTE}`, ...defs.map((d, i) => `${i + 1}. ${d}。`)];
}

// ---- the other sheets ---------------------------------------------------------------------------------------------

export const ITEM_SHEET = '不符合项统计';
export const EXTRA_SHEET = '进一次门查多项事';
export const DETAIL_SHEET = '检查明细';

/** 不符合项统计: per county, for 附件3 and 附件4, the records counted and the 不符合 of each of the 9 items. */
export const ITEM_SHEET_NOTE =
  '说明：按县区统计已完成检查记录（无法正常检查的不计）中每个检查项判为“不符合”的企业数；“检查记录数”为该县区使用该检查表并已完成的检查记录数。合计行为公式。';

/** 进一次门查多项事: per extra checklist, per county, the records and the 不符合 of each item. */
export const EXTRA_SHEET_NOTE =
  '说明：与附件3/附件4 同次检查（进一次门，查多项事）的其他检查表，单独统计，不计入附件3/附件4 的检查结果；“不符合项次”为各项不符合之和。合计行为公式。';

/**
 * 检查明细 columns. `inline`: a text nearly every row has its own (a name, a code, a case): written in the cell
 * itself (an inline string), not as a shared string: a table of 60,000 strings each used once would cost a lookup
 * per cell and its own part for nothing (exports/summaryXlsx.ts detailRowsXml). The other columns repeat a few
 * values (county, product, states, dates …) and stay shared strings.
 */
export const DETAIL_COLUMNS: readonly { key: string; title: string; width: number; inline?: true }[] = [
  { key: 'index', title: '序号', width: 7 },
  { key: 'county', title: '县（市、区）', width: 12 },
  { key: 'no', title: '抽取序号', width: 8 },
  { key: 'name', title: '企业名称', width: 34, inline: true },
  { key: 'uscc', title: '统一社会信用代码', width: 21, inline: true },
  { key: 'licenceNo', title: '许可证编号', width: 20, inline: true },
  { key: 'product', title: '获证产品', width: 22 },
  { key: 'category', title: '产品类别', width: 12 },
  { key: 'riskClass', title: '信用风险等级', width: 8 },
  { key: 'teamLeader', title: '检查组组长', width: 10 },
  { key: 'state', title: '任务状态', width: 9 },
  { key: 'completionDate', title: '完成日期', width: 12 },
  { key: 'result', title: '检查结果', width: 11 },
  { key: 'resultLabel', title: '结果（字典）', width: 22 },
  { key: 'resultCode', title: '结果代码', width: 7 },
  { key: 'disposal', title: '后续处置', width: 24, inline: true },
  { key: 'credit', title: '信用跟进', width: 18 },
  { key: 'rectificationDeadline', title: '整改期限', width: 12 },
  { key: 'rectificationConfirmedOn', title: '整改确认日期', width: 12 },
  { key: 'publicationDue', title: '公示期限', width: 18 },
  { key: 'publishedOn', title: '公示日期', width: 12 },
];
