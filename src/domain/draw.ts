/**
 * The first random of 双随机: how many enterprises each stratum gets, and which ones.
 *
 * Pure: no I/O, no clock. Every step is documented in docs-ready form in the module comments below,
 * so that a third party can recompute a draw from its published bundle (see bundle.ts).
 *
 * Strata: 产品类别 (工业产品, 食品相关产品) × 信用风险等级 (A, B, C, D) = 8 strata.
 * Listing order (used for the numbering of the selection): 工业产品A, B, C, D, then 食品相关产品A, B, C, D.
 */
import { canonicalJson, hmacWithHexKey, isHex64, sha256Hex } from './canonical';
import {
  PRODUCT_CATEGORIES,
  RISK_CLASSES,
  type Enterprise,
  type ProductCategory,
  type RiskClass,
} from './types';
import { isValidUscc } from './uscc';

/** Version tag mixed into the seed and into every sub-seed; change it when the algorithm changes. */
export const ALGORITHM_VERSION = 'spotcheck-draw/1';

/** Raised for inputs the draw refuses (duplicate codes, bad ratios, empty entropy …); message is Chinese. */
export class DrawInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrawInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Strata

export interface Stratum {
  category: ProductCategory;
  riskClass: RiskClass;
}

/** Listing order of the strata. */
export const STRATA: readonly Stratum[] = PRODUCT_CATEGORIES.flatMap((category) =>
  RISK_CLASSES.map((riskClass) => ({ category, riskClass })),
);

/**
 * Tie-break order for top-ups: higher risk first (D, C, B, A); within a class 工业产品 before 食品相关产品.
 */
export const TOP_UP_ORDER: readonly Stratum[] = [...RISK_CLASSES].reverse().flatMap((riskClass) =>
  PRODUCT_CATEGORIES.map((category) => ({ category, riskClass })),
);

export type StratumKey = `${ProductCategory}${RiskClass}`;

export function stratumKey(s: Stratum): StratumKey {
  return `${s.category}${s.riskClass}`;
}

const CATEGORY_INDEX: Readonly<Record<string, number>> = { 工业产品: 0, 食品相关产品: 1 };
const CLASS_INDEX: Readonly<Record<string, number>> = { A: 0, B: 1, C: 2, D: 3 };

/** Position of a stratum in STRATA (0..7), or −1 for an unknown category or class. Allocation-free. */
export function stratumIndex(s: Stratum): number {
  const c = CATEGORY_INDEX[s.category];
  const r = CLASS_INDEX[s.riskClass];
  return c === undefined || r === undefined ? -1 : c * 4 + r;
}

/** Human label, e.g. '工业产品A类'. */
export function stratumLabel(s: Stratum): string {
  return `${s.category}${s.riskClass}类`;
}

// ---------------------------------------------------------------------------------------------
// Canonical population

/** The fields of an enterprise that matter to the draw (and nothing else). */
export interface CanonicalEnterprise {
  uscc: string;
  name: string;
  licenceNo: string;
  product: string;
  category: ProductCategory;
  riskClass: RiskClass;
  county: string;
}

/** Anything with the canonical fields (an Enterprise, or a canonical row read back from a bundle). */
export type EnterpriseLike = CanonicalEnterprise | Enterprise;

export function toCanonicalEnterprise(e: EnterpriseLike): CanonicalEnterprise {
  return {
    uscc: e.uscc,
    name: e.name,
    licenceNo: e.licenceNo,
    product: e.product,
    category: e.category,
    riskClass: e.riskClass,
    county: e.county,
  };
}

/**
 * Canonical population list: only the canonical fields, sorted by 统一社会信用代码 (ascending, character by
 * character; the codes are ASCII so every language sorts them alike). Refuses invalid codes, unknown categories or
 * classes, empty text fields and duplicate codes.
 */
const TEXT_FIELDS = ['uscc', 'name', 'licenceNo', 'product', 'county'] as const;

export function canonicalPopulation(enterprises: readonly EnterpriseLike[]): CanonicalEnterprise[] {
  const rows = enterprises.map(toCanonicalEnterprise);
  for (const r of rows) {
    for (const field of TEXT_FIELDS) {
      if (typeof r[field] !== 'string') throw new DrawInputError(`企业${r.uscc}的字段${field}不是文本`);
    }
    if (!isValidUscc(r.uscc)) throw new DrawInputError(`统一社会信用代码无效：${r.uscc}（${r.name}）`);
    if (!PRODUCT_CATEGORIES.includes(r.category)) {
      throw new DrawInputError(`企业${r.uscc}的产品类别“${String(r.category)}”无效`);
    }
    if (!RISK_CLASSES.includes(r.riskClass)) {
      throw new DrawInputError(`企业${r.uscc}的信用风险等级“${String(r.riskClass)}”无效`);
    }
    if (r.county.length === 0) throw new DrawInputError(`企业${r.uscc}缺少所属县区`);
  }
  rows.sort((a, b) => (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  const duplicates: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i] as CanonicalEnterprise).uscc === (rows[i - 1] as CanonicalEnterprise).uscc) {
      duplicates.push((rows[i] as CanonicalEnterprise).uscc);
    }
  }
  if (duplicates.length > 0) {
    const shown = [...new Set(duplicates)].slice(0, 5).join('、');
    throw new DrawInputError(`名录中统一社会信用代码重复：${shown}${duplicates.length > 5 ? '等' : ''}`);
  }
  return rows;
}

/**
 * Population hash = SHA-256 (hex) of canonicalJson(list), where list is the canonical population:
 * an array, sorted by uscc, of objects {category, county, licenceNo, name, product, riskClass, uscc}.
 */
export function populationHash(population: readonly CanonicalEnterprise[]): string {
  // Same bytes as canonicalJson(population.map(toCanonicalEnterprise)) (tested): the rows have exactly these keys,
  // and JSON.stringify with this sorted key list writes them in that order. Skips the generic validation pass.
  return sha256Hex(JSON.stringify(population, [...CANONICAL_ENTERPRISE_KEYS]));
}

/** The keys of CanonicalEnterprise in canonical (sorted) order. */
export const CANONICAL_ENTERPRISE_KEYS: readonly string[] = [
  'category', 'county', 'licenceNo', 'name', 'product', 'riskClass', 'uscc',
];

// ---------------------------------------------------------------------------------------------
// Seed

/**
 * seed = SHA-256 (hex) of the UTF-8 bytes of
 *   canonicalJson({algorithm: "spotcheck-draw/1", entropy: <entropy exactly as given>, populationHash: <hex>})
 * i.e. the text {"algorithm":"spotcheck-draw/1","entropy":"…","populationHash":"…"}.
 * The attempt number is deliberately NOT part of the seed: drawing again with the same public entropy and the
 * same population gives the same enterprises, so a redraw cannot be used to fish for another outcome.
 */
export function deriveSeed(entropy: string, popHash: string): string {
  if (typeof entropy !== 'string' || entropy.trim().length === 0) {
    throw new DrawInputError('公开随机数（种子）不能为空');
  }
  if (entropy.length > 1000) throw new DrawInputError('公开随机数（种子）过长（最多1000个字符）');
  if (!isHex64(popHash)) throw new DrawInputError('名录哈希格式错误');
  return sha256Hex(canonicalJson({ algorithm: ALGORITHM_VERSION, entropy, populationHash: popHash }));
}

/**
 * Sub-seed for one purpose: HMAC-SHA256(key = the 32 bytes of seed, message = "spotcheck-draw/1|" + label), hex.
 * Labels contain '|' and ':', which never occur in a 统一社会信用代码, so sub-seeds never collide with the
 * selection scores HMAC(seed, uscc).
 */
export function deriveSubSeed(seed: string, label: string): string {
  return hmacWithHexKey(seed)(`${ALGORITHM_VERSION}|${label}`);
}

/** Selection score of one enterprise: HMAC-SHA256(key = seed bytes, message = uscc), hex. Smaller ranks first. */
export function selectionScore(seed: string, uscc: string): string {
  return hmacWithHexKey(seed)(uscc);
}

// ---------------------------------------------------------------------------------------------
// Counts

export type RiskRatios = Record<RiskClass, number>;

export interface CountParameters {
  /** Ratio per risk class, 0..1, at most 6 decimals (e.g. {A: 0.2, B: 0.25, C: 0.5, D: 1}). */
  riskRatios: RiskRatios;
  /** Campaign-wide minimum ratio, 0..1, at most 6 decimals (the 2024 notice: 0.25). */
  campaignRatio: number;
}

export interface StratumCount {
  category: ProductCategory;
  riskClass: RiskClass;
  label: string;
  /** N_stratum: enterprises in the stratum. */
  size: number;
  /** The class ratio applied. */
  ratio: number;
  /** ceil(ratio × size), capped at size. */
  base: number;
  /** Extra enterprises given to reach the campaign-wide minimum. */
  topUp: number;
  /** base + topUp. */
  count: number;
  /** How the number came about (Chinese). */
  note: string;
}

export interface DrawCounts {
  /** N: the whole population. */
  population: number;
  campaignRatio: number;
  /** ceil(campaignRatio × N). */
  target: number;
  baseTotal: number;
  topUpTotal: number;
  total: number;
  /** All 8 strata, in listing order (also the empty ones). */
  strata: StratumCount[];
  /** Rounding and top-up explanation (Chinese). */
  notes: string[];
}

const PPM = 1_000_000;

/**
 * A ratio as an exact integer number of parts per million. Ratios are decimals with at most 6 places, so
 * ceil(ratio × N) is computed exactly in integers: ceil(ppm × N / 10^6). (Floating point would give
 * ceil(0.07 × 100) = 8.)
 */
export function ratioToPpm(ratio: number, what: string): number {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new DrawInputError(`${what}应为0到1之间的数，实际为${String(ratio)}`);
  }
  const ppm = Math.round(ratio * PPM);
  if (Math.abs(ppm - ratio * PPM) > 1e-6) throw new DrawInputError(`${what}最多保留6位小数，实际为${ratio}`);
  return ppm;
}

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Exact decimal text of numerator / 10^places-denominator (den is a power of ten). */
function decimalText(numerator: number, den: number): string {
  const int = Math.floor(numerator / den);
  const frac = numerator % den;
  if (frac === 0) return String(int);
  const digits = String(den).length - 1;
  return `${int}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** 250000 ppm → '25%'. */
export function ppmToPercentText(ppm: number): string {
  return `${decimalText(ppm, 10_000)}%`;
}

export type StrataSizes = Partial<Record<StratumKey, number>>;

export function strataSizes(population: readonly EnterpriseLike[]): Record<StratumKey, number> {
  const n = new Array<number>(STRATA.length).fill(0);
  for (const e of population) {
    const i = stratumIndex(e);
    if (i >= 0) n[i] = (n[i] as number) + 1;
  }
  return Object.fromEntries(STRATA.map((s, i) => [stratumKey(s), n[i]])) as Record<StratumKey, number>;
}

/**
 * Counts per stratum.
 * 1. base_s = min(N_s, ceil(ratio_class(s) × N_s)).
 * 2. target = ceil(campaignRatio × N). While Σ count_s < target, one more enterprise goes to the stratum with the
 *    largest shortfall campaignRatio × N_s − count_s among strata with count_s < N_s; equal shortfalls go to the
 *    first in TOP_UP_ORDER (D, C, B, A; 工业产品 before 食品相关产品). All arithmetic is exact (ratios in ppm).
 */
export function computeCounts(sizes: StrataSizes, params: CountParameters): DrawCounts {
  const classPpm = {} as Record<RiskClass, number>;
  for (const rc of RISK_CLASSES) {
    const r: unknown = params.riskRatios?.[rc];
    if (typeof r !== 'number') throw new DrawInputError(`缺少${rc}类风险等级的抽查比例`);
    classPpm[rc] = ratioToPpm(r, `${rc}类抽查比例`);
  }
  const campaignPpm = ratioToPpm(params.campaignRatio, '全市抽查比例');

  const rows = STRATA.map((s) => {
    const size = sizes[stratumKey(s)] ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) throw new DrawInputError(`${stratumLabel(s)}企业数无效`);
    const ppm = classPpm[s.riskClass];
    const base = Math.min(size, ceilDiv(ppm * size, PPM));
    return { s, size, ppm, base, topUp: 0 };
  });
  const N = rows.reduce((a, r) => a + r.size, 0);
  const target = Math.min(N, ceilDiv(campaignPpm * N, PPM));
  const baseTotal = rows.reduce((a, r) => a + r.base, 0);

  const byKey = new Map(rows.map((r) => [stratumKey(r.s), r]));
  const priority = TOP_UP_ORDER.map((s) => byKey.get(stratumKey(s)) as (typeof rows)[number]);
  let total = baseTotal;
  while (total < target) {
    let best: (typeof rows)[number] | null = null;
    let bestShortfall = 0;
    for (const r of priority) {
      if (r.base + r.topUp >= r.size) continue;
      // shortfall × 10^6, an integer: campaignPpm × N_s − 10^6 × count_s
      const shortfall = campaignPpm * r.size - PPM * (r.base + r.topUp);
      if (best === null || shortfall > bestShortfall) {
        best = r;
        bestShortfall = shortfall;
      }
    }
    if (best === null) break; // cannot happen: target ≤ N
    best.topUp += 1;
    total += 1;
  }

  const strata: StratumCount[] = rows.map((r) => {
    let note: string;
    if (r.size === 0) note = '本层无企业';
    else {
      const exact = decimalText(r.ppm * r.size, PPM);
      note =
        r.ppm * r.size === r.base * PPM
          ? `${ppmToPercentText(r.ppm)}×${r.size}=${r.base}家`
          : `${ppmToPercentText(r.ppm)}×${r.size}=${exact}，向上取整为${r.base}家`;
      if (r.topUp > 0) note += `；为达到全市抽查比例补充${r.topUp}家，共${r.base + r.topUp}家`;
    }
    return {
      category: r.s.category,
      riskClass: r.s.riskClass,
      label: stratumLabel(r.s),
      size: r.size,
      ratio: params.riskRatios[r.s.riskClass],
      base: r.base,
      topUp: r.topUp,
      count: r.base + r.topUp,
      note,
    };
  });

  const topUpTotal = total - baseTotal;
  const notes: string[] = [];
  const exactTarget = decimalText(campaignPpm * N, PPM);
  notes.push(
    campaignPpm * N === target * PPM
      ? `全市抽查比例${ppmToPercentText(campaignPpm)}：${N}家企业应抽不少于${target}家。`
      : `全市抽查比例${ppmToPercentText(campaignPpm)}：${ppmToPercentText(campaignPpm)}×${N}=${exactTarget}，向上取整，应抽不少于${target}家。`,
  );
  notes.push('各层按风险等级比例计算抽取数，小数一律向上取整，且不超过该层企业数。');
  if (topUpTotal === 0) {
    notes.push(`分层抽取合计${baseTotal}家，已达到全市比例要求，无需补充。`);
  } else {
    const given = strata.filter((s) => s.topUp > 0).map((s) => `${s.label}${s.topUp}家`).join('、');
    notes.push(
      `分层抽取合计${baseTotal}家，比全市比例要求少${topUpTotal}家，按以下规则逐家补足：每次补给“全市比例×该层企业数−该层已抽数”最大的层` +
        '（相同时依次按风险等级D、C、B、A，同一等级工业产品先于食品相关产品），每层不超过该层企业数。' +
        `补充结果：${given}。`,
    );
  }
  return { population: N, campaignRatio: params.campaignRatio, target, baseTotal, topUpTotal, total, strata, notes };
}

// ---------------------------------------------------------------------------------------------
// Selection

export interface SelectedEnterprise extends CanonicalEnterprise {
  /** 1-based number in the selection (第n号抽中企业). */
  no: number;
  /** Stratum label, e.g. '工业产品A类'. */
  stratum: string;
  /** 1-based rank inside the stratum. */
  rank: number;
  /** HMAC-SHA256(seed, uscc), hex. */
  score: string;
}

/**
 * In each stratum, rank the enterprises by score = HMAC-SHA256(key = seed bytes, message = UTF-8 uscc) as
 * lowercase hex, ascending (equal scores, practically impossible, by uscc); take the first count_s.
 * The selection lists the strata in listing order and, inside a stratum, by rank; `no` numbers that list from 1.
 */
export function selectEnterprises(
  population: readonly CanonicalEnterprise[],
  counts: DrawCounts,
  seed: string,
): SelectedEnterprise[] {
  if (!isHex64(seed)) throw new DrawInputError('种子格式错误');
  const mac = hmacWithHexKey(seed);
  type Scored = { e: CanonicalEnterprise; score: string };
  const groups: Scored[][] = STRATA.map(() => []);
  for (const e of population) groups[stratumIndex(e)]?.push({ e, score: mac(e.uscc) });
  const selection: SelectedEnterprise[] = [];
  for (const sc of counts.strata) {
    const group = groups[stratumIndex(sc)] ?? [];
    if (group.length !== sc.size) throw new DrawInputError(`${sc.label}企业数与抽取数计算时不一致`);
    group.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.e.uscc < b.e.uscc ? -1 : 1));
    for (let i = 0; i < sc.count; i++) {
      const g = group[i] as Scored;
      const e = g.e;
      selection.push({
        // spelled out: an object spread here costs more than the rest of the selection
        uscc: e.uscc,
        name: e.name,
        licenceNo: e.licenceNo,
        product: e.product,
        category: e.category,
        riskClass: e.riskClass,
        county: e.county,
        no: selection.length + 1,
        stratum: sc.label,
        rank: i + 1,
        score: g.score,
      });
    }
  }
  return selection;
}

export interface SelectionResult {
  population: CanonicalEnterprise[];
  populationHash: string;
  seed: string;
  counts: DrawCounts;
  selection: SelectedEnterprise[];
}

/** Canonical population → hash → seed → counts → selection, in one call. */
export function drawSelection(
  enterprises: readonly EnterpriseLike[],
  params: CountParameters,
  entropy: string,
): SelectionResult {
  const population = canonicalPopulation(enterprises);
  const popHash = populationHash(population);
  const seed = deriveSeed(entropy, popHash);
  const counts = computeCounts(strataSizes(population), params);
  const selection = selectEnterprises(population, counts, seed);
  return { population, populationHash: popHash, seed, counts, selection };
}

// ---------------------------------------------------------------------------------------------
// Preview

export interface CountySummary {
  county: string;
  total: number;
  byClass: Record<RiskClass, number>;
  byCategory: Record<ProductCategory, number>;
  /** Expected number drawn in the county: Σ_s count_s × N_{s,county} / N_s (one decimal). Only with counts. */
  expectedDrawn: number | null;
}

export interface PopulationSummary {
  total: number;
  populationHash: string;
  strata: { label: string; category: ProductCategory; riskClass: RiskClass; size: number; count: number | null }[];
  counties: CountySummary[];
}

/** Numbers for the draw preview: per stratum and per county, with the population hash. */
export function summarizePopulation(enterprises: readonly EnterpriseLike[], counts?: DrawCounts): PopulationSummary {
  const population = canonicalPopulation(enterprises);
  const sizes = strataSizes(population);
  const countByKey = new Map((counts?.strata ?? []).map((s) => [stratumKey(s), s.count]));
  const counties = new Map<string, { total: number; byKey: Map<StratumKey, number> }>();
  for (const e of population) {
    let c = counties.get(e.county);
    if (c === undefined) {
      c = { total: 0, byKey: new Map() };
      counties.set(e.county, c);
    }
    c.total += 1;
    const k = stratumKey(e);
    c.byKey.set(k, (c.byKey.get(k) ?? 0) + 1);
  }
  const countySummaries: CountySummary[] = [...counties.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([county, c]) => {
      const byClass = { A: 0, B: 0, C: 0, D: 0 } as Record<RiskClass, number>;
      const byCategory = { 工业产品: 0, 食品相关产品: 0 } as Record<ProductCategory, number>;
      let expected = 0;
      for (const s of STRATA) {
        const n = c.byKey.get(stratumKey(s)) ?? 0;
        byClass[s.riskClass] += n;
        byCategory[s.category] += n;
        const size = sizes[stratumKey(s)];
        if (n > 0 && size > 0) expected += ((countByKey.get(stratumKey(s)) ?? 0) * n) / size;
      }
      return {
        county,
        total: c.total,
        byClass,
        byCategory,
        expectedDrawn: counts === undefined ? null : Math.round(expected * 10) / 10,
      };
    });
  return {
    total: population.length,
    populationHash: populationHash(population),
    strata: STRATA.map((s) => ({
      label: stratumLabel(s),
      category: s.category,
      riskClass: s.riskClass,
      size: sizes[stratumKey(s)],
      count: counts === undefined ? null : (countByKey.get(stratumKey(s)) ?? 0),
    })),
    counties: countySummaries,
  };
}
