/**
 * An example 附件5 (three counties, invented figures): the picture of `scripts/render-forms.ts`, and what the service
 * builds once at start-up (`warmUpSummaryXlsx`, called by src/main.ts before it listens).
 *
 * Why the warm-up: the first workbook a process builds runs exceljs's code and ours cold (parsed and compiled on
 * first use), and the first /汇总 after a start then held the event loop about 60 ms in one block on the 2-core
 * machine, against about 25–35 ms for the ones after it (npm run bench, summary_20k_longest_block_ms; docs/
 * architecture.md). Built once at start, before any callback can wait for it, the first leader's /汇总 runs as the
 * later ones do.
 */
import { Types } from 'mongoose';
import { emptyCounts } from '../operations/progress';
import { buildSummaryRows, summaryFileName, summaryTitle, type Summary, type SummaryDetail } from '../operations/summary';
import type { CampaignDoc } from '../store/campaign';
import type { DrawDoc } from '../store/draw';

/** The example's heading: the 2024 campaign of the city, compiled on 2024-11-15 by the city bureau (also tests' data). */
export function exampleHeading(): Pick<Summary, 'campaign' | 'draw' | 'today' | 'scope' | 'title' | 'fileName' | 'unit' | 'preparedBy'> {
  return {
    campaign: { _id: new Types.ObjectId(), name: '2024年工业产品生产许可证获证企业“双随机、一公开”监督检查', year: 2024 } as CampaignDoc,
    draw: { attempt: 1 } as DrawDoc,
    today: '2024-11-15',
    scope: { kind: 'city' },
    title: summaryTitle(2024),
    fileName: summaryFileName(2024, '2024-11-15'),
    unit: '运城市市场监督管理局',
    preparedBy: '许小颖',
  };
}

export function exampleSummary(): Summary {
  const c = (county: string, over: Partial<ReturnType<typeof emptyCounts>>) => ({ ...emptyCounts(county), ...over });
  const rows = [
    c('盐湖区', { total: 12, checked: 10, noProblem: 6, problem: 3, ordered: 2, caseOpened: 1, rectified: 1, rectifying: 1, published: 8, unpublished: 2, closed: 1, credit: 1, results: { '1': 6, E: 1, A: 2, '6': 1 } }),
    c('永济市', { total: 8, checked: 8, noProblem: 7, problem: 1, ordered: 1, rectified: 1, published: 8, results: { '1': 7, E: 1 } }),
    c('夏县', { total: 5, checked: 3, noProblem: 2, closed: 1, published: 1, unpublished: 2, pubOverdue: 1, results: { '1': 2, '9': 1 } }),
  ].map((r) => ({ ...r, results: { ...emptyCounts(r.county).results, ...r.results } }));
  const { rows: sRows, total } = buildSummaryRows(rows, new Map([['盐湖区', 48], ['永济市', 30], ['夏县', 19]]), { withTotal: true });
  return {
    ...exampleHeading(),
    rows: sRows,
    ...(total ? { total } : {}),
    details: [],
    items: rows.map((r, i) => ({ county: r.county, industrial: { records: 6 - i, ng: [0, 1, 0, 0, 2, 0, 0, 0, 0] }, food: { records: 2, ng: [0, 0, 0, 1, 0, 0, 0, 0, 0] } })),
    extras: [{ name: '工业产品质量安全“零事故”创建指导', items: [{ no: 1, text: '方案' }, { no: 2, text: '自查' }], rows: rows.map((r) => ({ county: r.county, records: 3, withFindings: 1, ngTotal: 1, ng: [0, 1] })) }],
  };
}

/** Two 检查明细 rows of the example (one published without findings, one under rectification). */
function exampleDetails(): SummaryDetail[] {
  const common = { product: '电线电缆', category: '工业产品', teamLeader: '王建国', rectificationConfirmedOn: '' };
  return [
    {
      ...common,
      county: '盐湖区',
      no: 1,
      name: '运城市示例电缆有限公司（示例）',
      uscc: '91140800MA0EXAMPL1',
      licenceNo: '（晋）XK06-001-00001',
      riskClass: 'B',
      state: '已公示',
      completionDate: '2024-04-10',
      result: '未发现问题',
      rectificationDeadline: '',
      publicationDue: '2024-05-09',
      publishedOn: '2024-04-20',
      resultLabel: '未发现问题',
      resultCode: '1',
    },
    {
      ...common,
      county: '永济市',
      no: 2,
      name: '永济市示例线缆厂（示例）',
      uscc: '91140881MA0EXAMPL2',
      licenceNo: '（晋）XK06-001-00002',
      riskClass: 'C',
      state: '待整改',
      completionDate: '2024-04-12',
      result: '发现问题，责令整改',
      rectificationDeadline: '2024-05-12',
      publicationDue: '2024-05-13',
      publishedOn: '',
      resultLabel: '发现问题，责令整改',
      resultCode: 'E',
    },
  ];
}

/** Builds the example workbook once (with two detail rows) and drops it: see the header. */
export async function warmUpSummaryXlsx(): Promise<void> {
  const { buildSummaryXlsx } = await import('./summaryXlsx');
  await buildSummaryXlsx({ ...exampleSummary(), details: exampleDetails() });
}
