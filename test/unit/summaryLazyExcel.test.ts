/**
 * exceljs is loaded when the first 附件5 workbook is built, not when exports/summaryXlsx.ts (imported by the bot at
 * start-up) is: a start that writes no summary does not pay for loading it.
 */
import { Types } from 'mongoose';

let mockExcelLoads = 0;
jest.mock('exceljs', () => {
  mockExcelLoads += 1;
  return jest.requireActual('exceljs');
});

import { buildSummaryXlsx } from '../../src/exports/summaryXlsx';
import { buildSummaryRows, summaryFileName, summaryTitle } from '../../src/operations/summary';
import { emptyCounts } from '../../src/operations/progress';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';

it('loads exceljs on the first workbook only', async () => {
  expect(mockExcelLoads).toBe(0);
  const { rows, total } = buildSummaryRows([{ ...emptyCounts('夏县'), total: 1 }], new Map([['夏县', 4]]), { withTotal: true });
  const summary = {
    campaign: { _id: new Types.ObjectId(), name: '2024年专项', year: 2024 } as CampaignDoc,
    draw: { attempt: 1 } as DrawDoc,
    today: '2024-11-15',
    scope: { kind: 'city' as const },
    title: summaryTitle(2024),
    fileName: summaryFileName(2024, '2024-11-15'),
    unit: '运城市市场监督管理局',
    preparedBy: '',
    rows,
    total,
    details: [],
  };
  const first = await buildSummaryXlsx(summary);
  const second = await buildSummaryXlsx(summary);
  expect(mockExcelLoads).toBe(1);
  // a zip package (PK), the same bytes both times
  expect(first.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(second.equals(first)).toBe(true);
});
