/**
 * 无法正常检查情况记录: the record of a firm the team could not inspect (operations/closure), for the file and for the
 * county's follow-up (经营异常名录 / 信用 when the result calls for it). The notice has no form for it; the layout
 * follows 附件1 (a bordered sheet), with blank boxes for the team's handwritten signatures.
 *
 *   无法正常检查情况记录
 *   ┌────────┬──────────────┬──────────┬──────────────┐
 *   │企业名称 │…              │许可证编号 │…              │
 *   │统一社会信用代码│…       │所属县区   │…              │
 *   │生产地址 │…                                          │
 *   │检查结果 │通过登记的住所（经营场所）无法联系（代码 6）      │
 *   │情况说明 │…                                          │
 *   │证据     │照片 3 张、文件 1 份：…                       │
 *   │后续处理 │列入经营异常名录                              │
 *   │登记 / 确认│李明 2024年5月6日登记；组长王建国 2024年5月6日确认 │
 *   ├────────┴──────────────┴──────────┴──────────────┤
 *   │检查组签字：                          2024年5月6日  │
 *   └───────────────────────────────────────────────┘
 */
import {
  borderedTable,
  cell,
  chineseDate,
  CONTENT_WIDTH,
  formDocument,
  formTitle,
  orBlank,
  packDocument,
  para,
  row,
  runs,
} from './styles';

export const CLOSURE_RECORD_TITLE = '无法正常检查情况记录';

export interface ClosureRecordDocxInput {
  enterprise: { name: string; licenceNo: string; uscc: string; county: string; address: string; product: string };
  /** the dictionary label and code */
  result: string;
  code: string;
  note: string;
  evidence: readonly { kind: 'image' | 'file'; name?: string; byName: string; at: string }[];
  credit?: string;
  proposedByName?: string;
  proposedOn?: string;
  confirmedByName?: string;
  /** YYYY-MM-DD: the 组长's confirmation (the completion date) */
  confirmedOn?: string;
}

const LABEL = 1700;
const COLUMNS = [LABEL, (CONTENT_WIDTH - 2 * LABEL) / 2, LABEL, (CONTENT_WIDTH - 2 * LABEL) / 2] as const;
const WIDE = CONTENT_WIDTH - LABEL;

function label(text: string) {
  return cell([para(runs(text, 'cell', { bold: true }), 'cell', { align: 'center' })], { width: LABEL });
}

function value(text: string, width: number, span?: number) {
  return cell([para(orBlank(text, ''), 'cell', { align: 'left', line: 1.3 })], { width, span });
}

export async function closureRecordDocx(input: ClosureRecordDocxInput): Promise<Buffer> {
  const e = input.enterprise;
  const photos = input.evidence.filter((x) => x.kind === 'image').length;
  const files = input.evidence.filter((x) => x.kind === 'file');
  const evidence = [
    `照片 ${photos} 张、文件 ${files.length} 份（原件保存在飞书会话中）`,
    ...files.map((f) => `文件：${f.name ?? ''}（${f.byName}，${f.at}）`),
  ].join('\n');
  const people = [
    input.proposedByName ? `${input.proposedByName} ${chineseDate(input.proposedOn)}登记` : '',
    input.confirmedByName ? `组长 ${input.confirmedByName} ${chineseDate(input.confirmedOn)}确认` : '',
  ]
    .filter((s) => s !== '')
    .join('；');
  const wideRow = (name: string, text: string, minHeight = 600) => row([label(name), value(text, WIDE, 3)], { minHeight, cantSplit: true });
  const table = borderedTable(COLUMNS, [
    row([label('企业名称'), value(e.name, COLUMNS[1]), label('许可证编号'), value(e.licenceNo, COLUMNS[3])], { minHeight: 600 }),
    row([label('统一社会信用代码'), value(e.uscc, COLUMNS[1]), label('所属县区'), value(e.county, COLUMNS[3])], { minHeight: 600 }),
    wideRow('获证产品', e.product),
    wideRow('生产地址', e.address),
    wideRow('检查结果', `${input.result}（结果代码 ${input.code}）`),
    wideRow('情况说明', input.note, 2400),
    wideRow('证据', evidence, 900),
    ...(input.credit ? [wideRow('后续处理', `${input.credit}（请县局按规定办理）`)] : []),
    wideRow('登记与确认', people),
    row(
      [
        cell(
          [
            para(runs('检查组签字：', 'cell', { bold: true }), 'cell'),
            para('', 'cell', { before: 36 }),
            para(chineseDate(input.confirmedOn), 'cell', { align: 'right' }),
          ],
          { width: CONTENT_WIDTH, span: 4, vAlign: 'top' },
        ),
      ],
      { minHeight: 1600, cantSplit: true },
    ),
  ]);
  return packDocument(
    formDocument({
      title: CLOSURE_RECORD_TITLE,
      children: [formTitle(CLOSURE_RECORD_TITLE), table, para('注：企业无法按检查表正常检查时填写；检查结果按国家“双随机、一公开”监管平台结果字典录入公示。', 'cell', { before: 6 })],
    }),
  );
}
