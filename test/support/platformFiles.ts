/** The national platform's draw result as a file (docs/draw-spec.md §14), made from seeded registries. */
import type { Staff } from '../../src/domain/types';
import type { OutCell } from '../../src/operations/registryFile';
import type { SeededRegistries } from './registries';
import { csvBytes, xlsxBytes } from './setupFiles';

/** Headers as an export might have them: extra columns (序号, 检查事项) the bot ignores. */
export const PLATFORM_EXPORT_HEADERS = ['序号', '任务编号', '统一社会信用代码', '企业名称', '检查事项', '检查人员', '组长'];

export interface PlannedRow {
  taskNo: string;
  uscc: string;
  name: string;
  inspectors: string[];
  leader?: string;
}

export const leaders = (reg: SeededRegistries): Staff[] => reg.data.staff.filter((s) => s.roles.includes('组长'));
export const countyOfficers = (reg: SeededRegistries): Staff[] => reg.data.staff.filter((s) => s.roles.includes('执法人员') && s.county !== '市局');
export const experts = (reg: SeededRegistries): Staff[] => reg.data.staff.filter((s) => s.roles.includes('专家'));

/**
 * A draw as the platform would make it: `n` firms (licences valid at the campaign's start) from `offset` on, each with a
 * city 组长, a county officer of another county, and (every third firm) an expert — none of whom must avoid the
 * firm; the 组长 column filled on every other row (else the first 组长 among the names leads).
 */
export function platformPlan(reg: SeededRegistries, n: number, offset = 0): PlannedRow[] {
  const rows: PlannedRow[] = [];
  const firms = reg.data.enterprises.filter((e) => e.validTo >= reg.campaign.from);
  const year = reg.campaign.year;
  for (let i = 0; i < n; i++) {
    const e = firms[offset + i]!;
    const free = (s: Staff) => !s.avoid.includes(e.uscc);
    const pick = (pool: Staff[]) => pool[i % pool.length]!;
    const leader = pick(leaders(reg).filter(free));
    const officer = pick(countyOfficers(reg).filter((s) => free(s) && s.county !== e.county));
    const names = [officer.name, leader.name, ...(i % 3 === 0 ? [pick(experts(reg).filter(free)).name] : [])];
    rows.push({
      taskNo: `SJ${year}-${String(offset + i + 1).padStart(4, '0')}`,
      uscc: e.uscc,
      name: e.name,
      inspectors: names,
      ...(i % 2 === 0 ? { leader: leader.name } : {}),
    });
  }
  return rows;
}

export function platformCells(rows: readonly PlannedRow[]): OutCell[][] {
  return rows.map((r, i) => [String(i + 1), r.taskNo, r.uscc, r.name, '工业产品生产许可证获证企业监督检查', r.inspectors.join('、'), r.leader ?? '']);
}

export const platformXlsx = (rows: readonly PlannedRow[]): Promise<Buffer> => xlsxBytes('抽查结果', PLATFORM_EXPORT_HEADERS, platformCells(rows));
export const platformCsv = (rows: readonly PlannedRow[]): Promise<Buffer> => csvBytes(PLATFORM_EXPORT_HEADERS, platformCells(rows));
