/**
 * Which registry rows take part in a campaign's draw.
 *
 * Rules, in this order (the first that applies gives the reason):
 * 1. invalid 统一社会信用代码 (GB 32100-2015 check character) → excluded;
 * 2. 产品类别 or 信用风险等级 outside the fixed lists → excluded;
 * 3. 有效期止 not a YYYY-MM-DD date → excluded;
 * 4. licence expired before the campaign starts (有效期止 < campaignStart) → excluded;
 *    a licence ending on the start day itself is still valid that day and stays in;
 * 5. the same 统一社会信用代码 twice → the draw unit is the enterprise, so one row is kept:
 *    the one valid longest (latest 有效期止), then the smallest 许可证编号; the others are excluded.
 * The result keeps the input order of the eligible rows.
 */
import { PRODUCT_CATEGORIES, RISK_CLASSES, type Enterprise } from './types';
import { usccProblem } from './uscc';

export interface ExcludedEnterprise {
  uscc: string;
  name: string;
  reason: string;
}

export interface EligibilityResult {
  eligible: Enterprise[];
  excluded: ExcludedEnterprise[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

export function eligiblePopulation(enterprises: readonly Enterprise[], campaignStart: string): EligibilityResult {
  if (!isIsoDate(campaignStart)) throw new RangeError(`专项开始日期格式错误：${campaignStart}（应为YYYY-MM-DD）`);
  const excluded: ExcludedEnterprise[] = [];
  const candidates: { row: Enterprise; index: number }[] = [];

  enterprises.forEach((row, index) => {
    const reason = exclusionReason(row, campaignStart);
    if (reason !== null) excluded.push({ uscc: row.uscc, name: row.name, reason });
    else candidates.push({ row, index });
  });

  // Duplicates: keep the best row per code.
  const best = new Map<string, { row: Enterprise; index: number }>();
  for (const c of candidates) {
    const kept = best.get(c.row.uscc);
    if (kept === undefined || better(c.row, kept.row)) best.set(c.row.uscc, c);
  }
  const eligible: Enterprise[] = [];
  for (const c of candidates) {
    const kept = best.get(c.row.uscc);
    if (kept !== undefined && kept.index === c.index) {
      eligible.push(c.row);
    } else {
      excluded.push({
        uscc: c.row.uscc,
        name: c.row.name,
        reason: `统一社会信用代码重复，同一企业只参加一次抽取（保留许可证${kept?.row.licenceNo ?? ''}）`,
      });
    }
  }
  return { eligible, excluded };
}

function exclusionReason(row: Enterprise, campaignStart: string): string | null {
  const codeProblem = usccProblem(row.uscc);
  if (codeProblem !== null) return codeProblem;
  if (!PRODUCT_CATEGORIES.includes(row.category)) return `产品类别“${String(row.category)}”无效`;
  if (!RISK_CLASSES.includes(row.riskClass)) return `信用风险等级“${String(row.riskClass)}”无效`;
  if (!isIsoDate(row.validTo)) return `有效期止“${row.validTo}”格式错误`;
  if (row.validTo < campaignStart) return `许可证已于${row.validTo}到期`;
  return null;
}

function better(a: Enterprise, b: Enterprise): boolean {
  if (a.validTo !== b.validTo) return a.validTo > b.validTo;
  return a.licenceNo < b.licenceNo;
}
