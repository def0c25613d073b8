/**
 * 附件1 《市级“双随机、一公开”监督检查意见汇总表》, filled in from the 意见汇总表 data (domain/inspection.ts
 * `opinionSheet`).
 *
 * Layout, as in the notice:
 *   附件1
 *   市级“双随机、一公开”监督检查意见汇总表
 *   ┌────────┬──────────────┬──────────┬──────────────┐
 *   │企业名称 │…              │获证产品   │…              │
 *   │许可证号 │…              │有效期起止 │… 至 …         │
 *   ├────────┴──────────────┴──────────┴──────────────┤
 *   │整改意见：                                          │
 *   │    根据运城市市场监督管理局工作安排,…待整改项:       │
 *   │    1．(检查记录)（附件3第2项）                     │
 *   │    请于 15 日内完成上述问题整改，整改结果报…。       │
 *   ├──────────────────────────┬───────────────────────┤
 *   │检查组签字：                │企业代表签字：             │
 *   │                           │（企业公章）             │
 *   │             2024年5月6日  │             2024年5月6日│
 *   └──────────────────────────┴───────────────────────┘
 *   注:此表一式三份,企业与市、县市场监管局各一份。
 *
 * The signature boxes stay blank: the team and the firm's representative sign the printed sheet by hand (and the
 * firm seals it). Both dates are the inspection date (the sheet is issued and signed on site).
 */
import type { Paragraph } from 'docx';
import type { OpinionSheet } from '../../domain/inspection';
import {
  attachmentLabel,
  borderedTable,
  cell,
  chineseDate,
  continuationHeader,
  CONTENT_WIDTH,
  formDocument,
  formTitle,
  orBlank,
  packDocument,
  para,
  row,
  runs,
} from './styles';

/**
 * The 意见汇总表 data; `days` and `date` are absent while the team is still signing (the 组长 sets the period as
 * they sign), and the form then shows the printed blanks.
 */
export type OpinionSheetDocxInput = Omit<OpinionSheet, 'days' | 'deadline' | 'closing' | 'date'> & {
  days?: number;
  date?: string;
  /** the checklist form the item numbers refer to (附件3 or 附件4) */
  checklistForm?: string;
  /** YYYY-MM-DD: the inspection date, printed under both signature boxes (default: `date`) */
  inspectionDate?: string;
};

const LABEL = 1500;
const COLUMNS = [LABEL, (CONTENT_WIDTH - 2 * LABEL) / 2, LABEL, (CONTENT_WIDTH - 2 * LABEL) / 2] as const;
const HALF = COLUMNS[0] + COLUMNS[1];

function labelCell(text: string, width: number) {
  return cell([para(runs(text, 'cell', { bold: true }), 'cell', { align: 'center' })], { width });
}

function valueCell(text: string, width: number) {
  return cell([para(orBlank(text, ''), 'cell', { align: 'left' })], { width });
}

function itemLine(item: OpinionSheet['items'][number], index: number, form: string | undefined): string {
  const problem = item.record.trim() !== '' ? item.record.trim() : item.content;
  const ref = form ? `（${form}第${item.no}项）` : `（第${item.no}项）`;
  return `${index + 1}．${problem}${ref}`;
}

export async function opinionSheetDocx(input: OpinionSheetDocxInput): Promise<Buffer> {
  const days = input.days !== undefined && Number.isFinite(input.days) ? ` ${input.days} ` : '　　';
  const opinion: Paragraph[] = [
    para(runs('整改意见：', 'cell', { bold: true }), 'cell', { after: 4 }),
    para(input.intro, 'cell', { indentChars: 2, align: 'both', line: 1.3 }),
    ...(input.items.length > 0
      ? input.items.map((item, i) => para(itemLine(item, i, input.checklistForm), 'cell', { indentChars: 2, align: 'both', line: 1.3 }))
      : [para('（无）', 'cell', { indentChars: 2 })]),
    para(`请于${days}日内完成上述问题整改，整改结果报当地市场监督管理部门。`, 'cell', { indentChars: 2, before: 6, line: 1.3 }),
  ];

  const date = chineseDate(input.inspectionDate ?? input.date);
  const signatures = row(
    [
      cell(
        [
          para(runs('检查组签字：', 'cell', { bold: true }), 'cell', { line: 1.3 }),
          para('', 'cell', { before: 36 }),
          para(date, 'cell', { align: 'right' }),
        ],
        { width: HALF, span: 2, vAlign: 'top' },
      ),
      cell(
        [
          para(runs('企业代表签字：', 'cell', { bold: true }), 'cell', { line: 1.3 }),
          para('（企业公章）', 'cell', { align: 'center', before: 24 }),
          para(date, 'cell', { align: 'right' }),
        ],
        { width: CONTENT_WIDTH - HALF, span: 2, vAlign: 'top' },
      ),
    ],
    { cantSplit: true, minHeight: 2000 },
  );

  const table = borderedTable(COLUMNS, [
    row([labelCell('企业名称', COLUMNS[0]), valueCell(input.enterpriseName, COLUMNS[1]), labelCell('获证产品', COLUMNS[2]), valueCell(input.product, COLUMNS[3])], {
      minHeight: 600,
    }),
    row([labelCell('许可证号', COLUMNS[0]), valueCell(input.licenceNo, COLUMNS[1]), labelCell('有效期起止', COLUMNS[2]), valueCell(input.validity, COLUMNS[3])], {
      minHeight: 600,
    }),
    row([cell(opinion, { width: CONTENT_WIDTH, span: 4, vAlign: 'top' })], { minHeight: 5200 }),
    signatures,
  ]);

  return packDocument(
    formDocument({
      title: `附件1 ${input.title}`,
      continuationHeader: continuationHeader('附件1', input.enterpriseName),
      children: [attachmentLabel('附件1'), formTitle(input.title), table, para(input.note, 'cell', { before: 6 })],
    }),
  );
}
