/**
 * 附件2 《市级“双随机、一公开”监督检查整改结果确认单》, filled in from the county's on-site confirmation
 * (task.rectificationCheck).
 *
 * Layout, as in the notice:
 *   附件2                                         第 1 页 共 1 页   (page header, on every page)
 *   市级“双随机、一公开”监督检查整改结果确认单
 *   企业名称：…（公章）
 *   生产许可证编号：…
 *   ┌────┬──────────────┬──────────────┬────────────┐
 *   │序号│需整改问题      │完成整改情况    │县局监管确认 │  header row repeated on every page
 *   │    │               │               │（签字）     │
 *   │ 1  │…              │…              │(signed)     │
 *   └────┴──────────────┴──────────────┴────────────┘
 *   对整改完成情况的确认意见：…
 *                                   永济市市场监督管理局（盖章）
 *                                              2024年6月3日
 *
 * 县局监管确认（签字） stays blank: the county officer signs each line of the printed sheet by hand. The date is the
 * day of the on-site confirmation.
 */
import {
  attachmentLabel,
  borderedTable,
  cell,
  chineseDate,
  CONTENT_WIDTH,
  formDocument,
  formTitle,
  orBlank,
  packDocument,
  pageOfPages,
  para,
  row,
  runs,
} from './styles';

export const RECTIFICATION_CONFIRMATION_TITLE = '市级“双随机、一公开”监督检查整改结果确认单';

export interface RectificationConfirmationDocxInput {
  enterpriseName: string;
  licenceNo: string;
  items: readonly { no: number; issue: string; done: string }[];
  /** 对整改完成情况的确认意见 */
  opinion: string;
  /** who confirmed on site (县局监管确认) */
  confirmedByName?: string;
  /** YYYY-MM-DD */
  confirmedOn?: string;
  /** the county bureau that seals the form, e.g. 永济市市场监督管理局 */
  bureau: string;
}

const COLUMNS = [800, 3300, 3100, CONTENT_WIDTH - 800 - 3300 - 3100] as const;

export async function rectificationConfirmationDocx(input: RectificationConfirmationDocxInput): Promise<Buffer> {
  const head = row(
    ['序号', '需整改问题', '完成整改情况', '县局监管确认（签字）'].map((t, i) =>
      cell([para(runs(t, 'cell', { bold: true }), 'cell', { align: 'center' })], { width: COLUMNS[i] }),
    ),
    { header: true, cantSplit: true, minHeight: 600 },
  );
  const lines = input.items.length > 0 ? input.items : [{ no: 1, issue: '', done: '' }];
  const itemRows = lines.map((item, i) =>
    row(
      [
        cell([para(String(i + 1), 'cell', { align: 'center' })], { width: COLUMNS[0] }),
        cell([para(item.issue, 'cell', { align: 'both', line: 1.2 })], { width: COLUMNS[1] }),
        cell([para(item.done, 'cell', { align: 'both', line: 1.2 })], { width: COLUMNS[2] }),
        cell([para('', 'cell', { align: 'center' })], { width: COLUMNS[3] }),
      ],
      { cantSplit: true, minHeight: 700 },
    ),
  );

  return packDocument(
    formDocument({
      title: `附件2 ${RECTIFICATION_CONFIRMATION_TITLE}`,
      header: [para([pageOfPages()], 'cell', { align: 'right' })],
      children: [
        attachmentLabel('附件2'),
        formTitle(RECTIFICATION_CONFIRMATION_TITLE),
        para([...runs('企业名称：', 'body'), ...runs(orBlank(input.enterpriseName), 'body', { underline: true }), ...runs('（公章）', 'body')], 'body', {
          after: 4,
        }),
        para([...runs('生产许可证编号：', 'body'), ...runs(orBlank(input.licenceNo), 'body', { underline: true })], 'body', { after: 8 }),
        borderedTable(COLUMNS, [head, ...itemRows]),
        para([...runs('对整改完成情况的确认意见：', 'body', { bold: true }), ...runs(input.opinion.trim(), 'body')], 'body', {
          before: 12,
          line: 1.5,
          indentChars: 2,
          align: 'both',
        }),
        para(`${input.bureau}（盖章）`, 'body', { align: 'right', before: 30 }),
        para(chineseDate(input.confirmedOn), 'body', { align: 'right', before: 6 }),
      ],
    }),
  );
}
