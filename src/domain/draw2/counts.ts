/**
 * §4: how many enterprises each stratum gets. Integers only (ratios in parts per million).
 */
import { PRODUCT_CATEGORIES, RISK_CLASSES, type ProductCategory, type RiskClass } from '../types';
import type { Counts, Parameters, PopulationRow, StratumCount } from './model';

export interface StratumKey {
  category: ProductCategory;
  riskClass: RiskClass;
}

/** Listing order: 工业产品A, B, C, D, 食品相关产品A, B, C, D. */
export const STRATA: readonly StratumKey[] = PRODUCT_CATEGORIES.flatMap((category) =>
  RISK_CLASSES.map((riskClass) => ({ category, riskClass })),
);

/** Tie order of the top-up: D, C, B, A; within a class 工业产品 before 食品相关产品. */
export const TOP_UP_ORDER: readonly StratumKey[] = [...RISK_CLASSES].reverse().flatMap((riskClass) =>
  PRODUCT_CATEGORIES.map((category) => ({ category, riskClass })),
);

export function stratumIndex(s: StratumKey): number {
  const c = PRODUCT_CATEGORIES.indexOf(s.category);
  const r = RISK_CLASSES.indexOf(s.riskClass);
  return c < 0 || r < 0 ? -1 : c * 4 + r;
}

export function stratumName(s: StratumKey): string {
  return `${s.category}${s.riskClass}`;
}

const PPM = 1_000_000;

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Sizes of the 8 strata in listing order. */
export function strataSizes(population: readonly Pick<PopulationRow, 'category' | 'riskClass'>[]): number[] {
  const n = new Array<number>(8).fill(0);
  // (an indexed loop: this runs once per draw, often before it is optimised, where for…of allocates per step)
  for (let x = 0; x < population.length; x++) {
    const i = stratumIndex(population[x]!);
    if (i >= 0) n[i] = (n[i] as number) + 1;
  }
  return n;
}

/**
 * base_s = min(N_s, ⌈ppm_class(s) × N_s / 10^6⌉); target = min(N, ⌈ppm_campaign × N / 10^6⌉); then, while the total is
 * below the target, one more to the stratum with count_s < N_s and the largest ppm_campaign × N_s − 10^6 × count_s,
 * ties to the first in TOP_UP_ORDER.
 */
export function computeCounts(sizes: readonly number[], p: Parameters): Counts {
  const rows = STRATA.map((s, i) => {
    const size = sizes[i] ?? 0;
    const ppm = p.ratiosPpm[s.riskClass];
    return { s, size, base: Math.min(size, ceilDiv(ppm * size, PPM)), topUp: 0 };
  });
  const N = rows.reduce((a, r) => a + r.size, 0);
  const campaign = p.ratiosPpm.campaign;
  const target = Math.min(N, ceilDiv(campaign * N, PPM));
  let total = rows.reduce((a, r) => a + r.base, 0);
  const priority = TOP_UP_ORDER.map((s) => rows[stratumIndex(s)] as (typeof rows)[number]);
  while (total < target) {
    let best: (typeof rows)[number] | null = null;
    let bestShortfall = 0;
    for (const r of priority) {
      const count = r.base + r.topUp;
      if (count >= r.size) continue;
      const shortfall = campaign * r.size - PPM * count;
      if (best === null || shortfall > bestShortfall) {
        best = r;
        bestShortfall = shortfall;
      }
    }
    if (best === null) break;
    best.topUp += 1;
    total += 1;
  }
  // Members in canonical (sorted) order: the canonical text is then JSON.stringify's (jcs.ts).
  const strata: StratumCount[] = rows.map((r) => ({
    base: r.base,
    category: r.s.category,
    count: r.base + r.topUp,
    riskClass: r.s.riskClass,
    size: r.size,
    topUp: r.topUp,
  }));
  return { population: N, strata, target };
}

/** 250000 → '25%'; 333333 → '33.3333%'. */
export function ppmPercent(ppm: number): string {
  const int = Math.floor(ppm / 10_000);
  const frac = ppm % 10_000;
  return frac === 0 ? `${int}%` : `${int}.${String(frac).padStart(4, '0').replace(/0+$/, '')}%`;
}

function exact(numerator: number): string {
  const int = Math.floor(numerator / PPM);
  const frac = numerator % PPM;
  return frac === 0 ? String(int) : `${int}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

/** How the numbers came about, in Chinese (for cards and the bundle's details; not hashed). */
export function countNotes(c: Counts, p: Parameters): string[] {
  const notes: string[] = [];
  const campaign = p.ratiosPpm.campaign;
  notes.push(
    campaign * c.population === c.target * PPM
      ? `全市抽查比例${ppmPercent(campaign)}：${c.population}家企业应抽不少于${c.target}家。`
      : `全市抽查比例${ppmPercent(campaign)}：${ppmPercent(campaign)}×${c.population}=${exact(campaign * c.population)}，向上取整，应抽不少于${c.target}家。`,
  );
  const baseTotal = c.strata.reduce((a, s) => a + s.base, 0);
  const topUps = c.strata.filter((s) => s.topUp > 0);
  notes.push('各层按风险等级比例计算抽取数，小数一律向上取整，且不超过该层企业数。');
  if (topUps.length === 0) notes.push(`分层抽取合计${baseTotal}家，已达到全市比例要求，无需补充。`);
  else {
    notes.push(
      `分层抽取合计${baseTotal}家，按全市比例逐家补足${c.target - baseTotal}家（每次补给“全市比例×该层企业数−该层已抽数”最大的层，` +
        `相同时依次按D、C、B、A，同一等级工业产品在前）：${topUps.map((s) => `${stratumName(s)}类${s.topUp}家`).join('、')}。`,
    );
  }
  return notes;
}
