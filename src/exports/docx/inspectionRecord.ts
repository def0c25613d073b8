/**
 * 附件3 《工业产品生产许可证获证企业监督检查记录》 / 附件4 《食品相关产品生产许可证获证企业监督检查记录》, filled in.
 *
 * Layout, as in the notice:
 *   附件3                                            (黑体)
 *   工业产品生产许可证获证企业监督检查记录             (centred, bold)
 *                                      2024年5月6日   (附件3: the date first, right; 附件4: after the name)
 *   企业名称（盖章）：…
 *   ┌────┬──────────────┬──────────┬─────────┐
 *   │序号│督查内容       │结论        │检查记录  │  header row repeated on every page
 *   │ 1  │(item text)    │☑符合       │(record)  │  nine rows, never split across pages
 *   │    │               │☐不符合     │          │
 *   └────┴──────────────┴──────────┴─────────┘
 *   检查组成员签字：                                     (blank: signed by hand on the printed form)
 *   企业代表签字：
 *
 * The signature lines stay blank (the form has no printed-name field); the date is the inspection date (the day the
 * record was completed on site), or the printed blank on a form taken along before the visit.
 * The same layout serves an extra checklist's own record (进一次门，查多项事): `extra` gives its name and items.
 */
import type { Paragraph, Table } from 'docx';
import { CHECKLISTS, type ChecklistKind } from '../../domain/checklists';
import {
  borderedTable,
  cell,
  checkbox,
  chineseDate,
  continuationHeader,
  CONTENT_WIDTH,
  attachmentLabel,
  formDocument,
  formTitle,
  orBlank,
  packDocument,
  para,
  row,
  runs,
} from './styles';

export interface InspectionRecordDocxInput {
  kind: ChecklistKind;
  enterpriseName: string;
  /** YYYY-MM-DD: the day the record was completed on site (the inspection date); blank when absent */
  date?: string;
  /** the answers given; an item without one shows ☐符合 ☐不符合 and an empty record */
  answers: readonly { item: number; verdict: '符合' | '不符合'; record: string }[];
  /** an extra checklist instead of the form's items: its name (title) and items; `answers` are keyed by its 序号 */
  extra?: { name: string; items: readonly { no: number; text: string }[] };
}

/** The title of an extra checklist's own record. */
export function extraRecordTitle(name: string): string {
  return /记录$/.test(name) ? name : `${name}检查记录`;
}

const COLUMNS = [620, 4380, 1300, CONTENT_WIDTH - 620 - 4380 - 1300] as const;

export async function inspectionRecordDocx(input: InspectionRecordDocxInput): Promise<Buffer> {
  const form = CHECKLISTS[input.kind];
  const checklist = input.extra
    ? { form: '进一次门，查多项事', title: extraRecordTitle(input.extra.name), items: input.extra.items.map((i) => ({ no: i.no, content: i.text })) }
    : form;
  const dateLine = para(chineseDate(input.date), 'body', { align: 'right', after: 4 });
  const nameLine = para(
    [...runs('企业名称（盖章）：', 'body'), ...runs(orBlank(input.enterpriseName), 'body', { underline: true })],
    'body',
    { after: 6 },
  );

  const header = row(
    ['序号', input.extra ? '检查内容' : '督查内容', '结论', '检查记录'].map((t, i) =>
      cell([para(runs(t, 'small', { bold: true }), 'small', { align: 'center' })], { width: COLUMNS[i] }),
    ),
    { header: true, cantSplit: true },
  );
  const itemRows = checklist.items.map((item) => {
    const answer = input.answers.find((a) => a.item === item.no);
    return row(
      [
        cell([para(String(item.no), 'small', { align: 'center' })], { width: COLUMNS[0] }),
        cell([para(item.content, 'small', { align: 'both', line: 1.15 })], { width: COLUMNS[1] }),
        cell(
          [
            para([checkbox(answer?.verdict === '符合', 'small'), ...runs('符合', 'small')], 'small'),
            para([checkbox(answer?.verdict === '不符合', 'small'), ...runs('不符合', 'small')], 'small'),
          ],
          { width: COLUMNS[2] },
        ),
        cell([para(answer?.record ?? '', 'small', { align: 'both', line: 1.15 })], { width: COLUMNS[3], vAlign: 'top' }),
      ],
      { cantSplit: true, minHeight: 900 },
    );
  });

  const children: (Paragraph | Table)[] = [
    attachmentLabel(checklist.form),
    formTitle(checklist.title),
    // 附件3 prints the date above the name, 附件4 below it
    ...(input.kind === 'industrial' || input.extra ? [dateLine, nameLine] : [nameLine, dateLine]),
    borderedTable(COLUMNS, [header, ...itemRows]),
    // blank for handwriting: room to sign below each label
    para(runs('检查组成员签字：', 'body'), 'body', { before: 18, after: 48, keepNext: true }),
    para(runs('企业代表签字：', 'body'), 'body', { after: 36 }),
  ];
  return packDocument(
    formDocument({ title: `${checklist.form} ${checklist.title}`, continuationHeader: continuationHeader(checklist.form, input.enterpriseName), children }),
  );
}
