/**
 * Synthetic registries for 运城市, for trying things out (sample-data, demo, tests). Pure and deterministic:
 * the same options give the same data (seeded mulberry32 PRNG; OpenIDs are SHA-256 of the seed and a serial).
 *
 * Everything is invented. Company names end in “（示例）” so that nobody mistakes them for real firms; person
 * names, phones and addresses are random combinations.
 *
 * - Enterprises (default 600) in the 13 county-level units and 运城开发区, weighted towards the industrial
 *   counties; ~70% 工业产品, ~30% 食品相关产品; 信用风险等级 A 55% / B 30% / C 11% / D 4%.
 * - 统一社会信用代码: 91 (企业) + 行政区划代码 1408xx (运城开发区, which has no county code of its own: 140800)
 *   + a 9-character organisation code with its GB 11714 check character + the GB 32100 check character.
 * - 获证产品: product units of the 工业产品生产许可证 catalogue (domain/catalogue.ts).
 * - 许可证编号: （晋）XK + 2-digit industry + 3-digit product + 5-digit serial, the form of 工业产品生产许可证
 *   numbers issued by the province; 食品相关产品 use the same form with industry 16. The industry/product codes here
 *   are illustrative, not the official catalogue.
 * - Licences run five years; ~4% expired during the previous year (out of the draw), ~3% expire during `year`
 *   (in the draw for a campaign that starts before).
 * - Staff: 市局 领导 (3), 组长 (12, 产品质量安全监督管理科; most also 执法人员), city 执法人员 (8, some 综合执法),
 *   one 联络员 for the city and one per county, 5–10 执法人员 per county (most 业务口 产品质量安全), 22 专家 whose
 *   专业领域 name product units of the licence catalogue (every product has an expert; two experts name a whole
 *   class), and some 回避企业 entries that point at
 *   enterprises of this data set. With the default draw (25%, A 20% / B 25% / C 50% / D 100% → about 170 teams of
 *   组长 + 执法人员) that is ~15 teams per 组长 and ~3 per 执法人员, also when county staff may not inspect their
 *   own county.
 */
import { createHash } from 'node:crypto';
import { CITY_BUREAU, STAFF_ROLES, type Enterprise, type ProductCategory, type RiskClass, type Staff, type StaffRole } from './types';
import { usccCheckChar, USCC_CHARSET } from './uscc';
import { mulberry32 } from './prng';

export interface SampleDataOptions {
  /** PRNG seed (default 2024). */
  seed?: number;
  /** The campaign year the data is made for: licence dates are placed around it. */
  year: number;
  /** Number of enterprises (default 600). */
  enterprises?: number;
}

export interface SampleData {
  enterprises: Enterprise[];
  staff: Staff[];
}

interface CountyInfo {
  name: string;
  short: string;
  code: string;
  weight: number;
}

const COUNTIES: readonly CountyInfo[] = [
  { name: '盐湖区', short: '盐湖', code: '140802', weight: 16 },
  { name: '永济市', short: '永济', code: '140881', weight: 9 },
  { name: '河津市', short: '河津', code: '140882', weight: 10 },
  { name: '临猗县', short: '临猗', code: '140821', weight: 6 },
  { name: '万荣县', short: '万荣', code: '140822', weight: 4 },
  { name: '闻喜县', short: '闻喜', code: '140823', weight: 6 },
  { name: '稷山县', short: '稷山', code: '140824', weight: 5 },
  { name: '新绛县', short: '新绛', code: '140825', weight: 6 },
  { name: '绛县', short: '绛县', code: '140826', weight: 4 },
  { name: '垣曲县', short: '垣曲', code: '140827', weight: 3 },
  { name: '夏县', short: '夏县', code: '140828', weight: 4 },
  { name: '平陆县', short: '平陆', code: '140829', weight: 3 },
  { name: '芮城县', short: '芮城', code: '140830', weight: 5 },
  { name: '运城开发区', short: '运城', code: '140800', weight: 9 },
];

interface ProductInfo {
  product: string;
  category: ProductCategory;
  /** XK industry and product code (illustrative) */
  code: string;
  /** word in the company name */
  trade: string;
  weight: number;
}

/**
 * 获证产品 as product units of the licence catalogue (domain/catalogue.ts), so that experts are matched by unit
 * (docs/draw-spec.md §5).
 */
export const SAMPLE_PRODUCTS: readonly ProductInfo[] = [
  { product: '电线电缆', category: '工业产品', code: '06-001', trade: '电缆', weight: 9 },
  { product: '危险化学品无机产品', category: '工业产品', code: '13-014', trade: '化工', weight: 5 },
  { product: '危险化学品有机产品', category: '工业产品', code: '13-015', trade: '化学', weight: 3 },
  { product: '复肥', category: '工业产品', code: '13-002', trade: '肥业', weight: 5 },
  { product: '磷肥', category: '工业产品', code: '13-003', trade: '磷业', weight: 2 },
  { product: '水泥', category: '工业产品', code: '08-001', trade: '水泥', weight: 6 },
  { product: '钢筋混凝土用热轧钢筋', category: '工业产品', code: '05-001', trade: '钢铁', weight: 4 },
  { product: '冷轧带肋钢筋', category: '工业产品', code: '05-002', trade: '线材', weight: 1 },
  { product: '胶合板', category: '工业产品', code: '22-001', trade: '木业', weight: 3 },
  { product: '细木工板', category: '工业产品', code: '22-002', trade: '板材', weight: 1 },
  { product: '危险化学品包装物及容器', category: '工业产品', code: '14-001', trade: '包装容器', weight: 3 },
  { product: '钢丝绳', category: '工业产品', code: '05-010', trade: '钢绳', weight: 2 },
  { product: '安全帽', category: '工业产品', code: '21-001', trade: '安全防护用品', weight: 2 },
  { product: '瓶装液化石油气调压器', category: '工业产品', code: '18-001', trade: '燃气器具', weight: 1 },
  { product: '食品用塑料包装容器工具等制品', category: '食品相关产品', code: '16-204', trade: '塑料制品', weight: 10 },
  { product: '食品用纸包装容器等制品', category: '食品相关产品', code: '16-205', trade: '纸制品', weight: 6 },
  { product: '餐具洗涤剂', category: '食品相关产品', code: '16-301', trade: '日化', weight: 3 },
  { product: '压力锅', category: '食品相关产品', code: '16-401', trade: '炊具', weight: 2 },
  { product: '工业和商用电热食品加工设备', category: '食品相关产品', code: '16-402', trade: '食品机械', weight: 2 },
];

const RISK_MIX: readonly [RiskClass, number][] = [
  ['A', 55],
  ['B', 30],
  ['C', 11],
  ['D', 4],
];

const BRAND_CHARS = '瑞丰晟泰鑫华宏源盛通达恒嘉禾润安正远博信凯祥和兴隆昌茂岳德宁';
const ROADS = ['工业园区', '经济开发区', '创业大道', '兴业路', '河东大街', '中条山路', '黄河大道', '涑水街', '南环路', '北环路', '东外环路', '西工业路'];
const SURNAMES = '王李张刘杨赵陈郭薛卫畅柴贾董任吉梁裴段侯史樊宁孙';
const GIVEN = '建国志强海军丽娟晓明红霞文杰俊峰永刚玉兰晋平泽宇思远欣怡浩然雅琴国栋立新卫东秀英';

const prng = mulberry32;

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  char(chars: string): string {
    return chars.charAt(this.int(0, chars.length - 1));
  }
  weighted<T>(items: readonly T[], weight: (t: T) => number): T {
    const total = items.reduce((s, t) => s + weight(t), 0);
    let x = this.next() * total;
    for (const t of items) {
      x -= weight(t);
      if (x < 0) return t;
    }
    return items[items.length - 1] as T;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates (UTC day numbers; no time zone involved)

function dayNumber(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

function isoOf(day: number): string {
  const d = new Date(day * 86_400_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** The last day of a term of `years` starting on `from` (e.g. 2020-03-05 + 5 → 2025-03-04). */
function termEnd(from: string, years: number): string {
  const [y, m, d] = from.split('-').map(Number) as [number, number, number];
  const same = new Date(Date.UTC(y + years, m - 1, m === 2 && d === 29 ? 28 : d));
  return isoOf(Math.round(same.getTime() / 86_400_000) - 1);
}

function termStart(to: string, years: number): string {
  const [y, m, d] = to.split('-').map(Number) as [number, number, number];
  const same = new Date(Date.UTC(y - years, m - 1, m === 2 && d === 29 ? 28 : d));
  return isoOf(Math.round(same.getTime() / 86_400_000) + 1);
}

function randomDay(rng: Rng, from: string, to: string): string {
  return isoOf(rng.int(dayNumber(from), dayNumber(to)));
}

// ---------------------------------------------------------------------------------------------
// Codes

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 organisation code check character for 8 characters of 0-9 A-Z. */
function orgCheck(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body.charAt(i);
    const v = /\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55;
    sum += v * (ORG_WEIGHTS[i] as number);
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

function makeUscc(rng: Rng, regionCode: string): string {
  const letters = USCC_CHARSET.slice(10);
  let body = '';
  for (let i = 0; i < 8; i++) body += i < 2 && rng.chance(0.15) ? rng.char(letters) : String(rng.int(0, 9));
  const first17 = `91${regionCode}${body}${orgCheck(body)}`;
  return first17 + usccCheckChar(first17);
}

/** 'ou_' + 32 hex characters derived from the seed and a serial number. */
export function sampleOpenId(seed: number, serial: number): string {
  return `ou_${createHash('sha256').update(`spotcheck-sample/${seed}/${serial}`).digest('hex').slice(0, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// Generation

function randomName(rng: Rng): string {
  const given = rng.chance(0.7) ? GIVEN.slice(rng.int(0, GIVEN.length / 2 - 1) * 2).slice(0, 2) : rng.char(GIVEN);
  return rng.char(SURNAMES) + given;
}

/** A name not in `used` (staff names are unique so that cards and reports are unambiguous). */
function uniqueName(rng: Rng, used: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    const name = attempt < 50 ? randomName(rng) : rng.char(SURNAMES) + rng.char(GIVEN) + rng.char(GIVEN);
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}

function phone(rng: Rng): string {
  return rng.chance(0.6) ? `1${rng.pick(['35', '39', '52', '58', '87', '98'])}${rng.digits(8)}` : `0359-${rng.int(2, 8)}${rng.digits(6)}`;
}

function generateEnterprises(rng: Rng, count: number, year: number): Enterprise[] {
  const usedNames = new Set<string>();
  const usedCodes = new Set<string>();
  const serials = new Map<string, number>(SAMPLE_PRODUCTS.map((p, i) => [p.code, 100 + i * 37]));
  const out: Enterprise[] = [];
  for (let i = 0; i < count; i++) {
    const county = rng.weighted(COUNTIES, (c) => c.weight);
    const p = rng.weighted(SAMPLE_PRODUCTS, (x) => x.weight);
    let name: string;
    do {
      name = `${county.short}${rng.char(BRAND_CHARS)}${rng.char(BRAND_CHARS)}${p.trade}有限公司（示例）`;
    } while (usedNames.has(name));
    usedNames.add(name);
    let uscc: string;
    do uscc = makeUscc(rng, county.code);
    while (usedCodes.has(uscc));
    usedCodes.add(uscc);
    const serial = (serials.get(p.code) ?? 100) + rng.int(1, 9);
    serials.set(p.code, serial);

    const fate = rng.int(1, 100);
    let validFrom: string;
    let validTo: string;
    if (fate <= 4) {
      validTo = randomDay(rng, `${year - 1}-03-01`, `${year - 1}-12-31`);
      validFrom = termStart(validTo, 5);
    } else if (fate <= 7) {
      validTo = randomDay(rng, `${year}-04-01`, `${year}-11-30`);
      validFrom = termStart(validTo, 5);
    } else {
      validFrom = randomDay(rng, `${year - 4}-01-15`, `${year}-01-31`);
      validTo = termEnd(validFrom, 5);
    }
    out.push({
      uscc,
      name,
      licenceNo: `（晋）XK${p.code}-${String(serial).padStart(5, '0')}`,
      product: p.product,
      category: p.category,
      validFrom,
      validTo,
      county: county.name,
      address: `山西省运城市${county.name}${rng.pick(ROADS)}${rng.int(1, 399)}号`,
      riskClass: rng.weighted(RISK_MIX, (r) => r[1])[0],
      contact: randomName(rng),
      phone: phone(rng),
    });
  }
  return out;
}

const CITY_UNIT = '运城市市场监督管理局';
const QUALITY_SECTION = `${CITY_UNIT}产品质量安全监督管理科`;
const QUALITY = '产品质量安全';
const ENFORCEMENT = '综合执法';
const EXPERT_UNITS = ['运城市综合检验检测中心（示例）', '山西省产品质量监督检验研究院（示例）', '运城学院（示例）'];

function countyUnit(county: string): string {
  return county === '运城开发区' ? `${CITY_UNIT}运城开发区分局` : `${county}市场监督管理局`;
}

function generateStaff(rng: Rng, seed: number, enterprises: readonly Enterprise[]): Staff[] {
  const used = new Set<string>();
  const staff: Staff[] = [];
  const add = (roles: StaffRole[], unit: string, county: string, extra: Partial<Staff> = {}): Staff => {
    const ordered = STAFF_ROLES.filter((r) => roles.includes(r));
    const s: Staff = { openId: sampleOpenId(seed, staff.length + 1), name: uniqueName(rng, used), roles: ordered, unit, county, avoid: [], ...extra };
    staff.push(s);
    return s;
  };

  // 市局
  add(['领导'], CITY_UNIT, CITY_BUREAU, { businessLine: '局领导' });
  add(['领导'], CITY_UNIT, CITY_BUREAU, { businessLine: QUALITY });
  add(['领导', '组长'], QUALITY_SECTION, CITY_BUREAU, { businessLine: QUALITY });
  for (let i = 0; i < 12; i++) add(i < 8 ? ['组长', '执法人员'] : ['组长'], QUALITY_SECTION, CITY_BUREAU, { businessLine: QUALITY });
  add(['联络员'], QUALITY_SECTION, CITY_BUREAU, { businessLine: QUALITY });
  for (let i = 0; i < 8; i++) {
    const quality = i < 5;
    add(['执法人员'], quality ? QUALITY_SECTION : `${CITY_UNIT}综合行政执法支队`, CITY_BUREAU, {
      businessLine: quality ? QUALITY : ENFORCEMENT,
    });
  }

  // Counties
  for (const county of COUNTIES) {
    const unit = countyUnit(county.name);
    add(['联络员'], unit, county.name, { businessLine: QUALITY });
    const officers = 5 + Math.min(5, Math.round(county.weight / 3));
    for (let i = 0; i < officers; i++) add(['执法人员'], unit, county.name, { businessLine: rng.chance(0.8) ? QUALITY : ENFORCEMENT });
  }

  // 专家: every product unit is named by at least one expert (a second unit of the same category besides); two more
  // name whole classes of the catalogue (危险化学品, 食品相关产品).
  const products = [...SAMPLE_PRODUCTS];
  for (let i = 0; i < 20; i++) {
    const first = products[i % products.length] as ProductInfo;
    const second = rng.pick(SAMPLE_PRODUCTS.filter((p) => p.category === first.category && p !== first));
    add(['专家'], rng.pick(EXPERT_UNITS), CITY_BUREAU, { expertise: `${first.product}、${second.product}` });
  }
  add(['专家'], rng.pick(EXPERT_UNITS), CITY_BUREAU, { expertise: '危险化学品' });
  add(['专家'], rng.pick(EXPERT_UNITS), CITY_BUREAU, { expertise: '食品相关产品' });

  // 回避: some county officers avoid an enterprise of their own county (e.g. a former employer), some 组长 one anywhere.
  const byCounty = new Map<string, Enterprise[]>();
  for (const e of enterprises) byCounty.set(e.county, [...(byCounty.get(e.county) ?? []), e]);
  const officers = staff.filter((s) => s.roles.includes('执法人员') && s.county !== CITY_BUREAU);
  for (let i = 0; i < 14 && officers.length > 0; i++) {
    const s = officers[rng.int(0, officers.length - 1)] as Staff;
    const pool = byCounty.get(s.county) ?? [];
    const n = rng.int(1, 2);
    for (let k = 0; k < n && pool.length > 0; k++) {
      const code = rng.pick(pool).uscc;
      if (!s.avoid.includes(code)) s.avoid.push(code);
    }
  }
  const leaders = staff.filter((s) => s.roles.includes('组长'));
  for (let i = 0; i < 4 && enterprises.length > 0; i++) {
    const s = rng.pick(leaders);
    const code = rng.pick(enterprises).uscc;
    if (!s.avoid.includes(code)) s.avoid.push(code);
  }
  return staff;
}

export function generateSampleData(opts: SampleDataOptions): SampleData {
  const seed = opts.seed ?? 2024;
  const count = opts.enterprises ?? 600;
  if (!Number.isSafeInteger(opts.year) || opts.year < 2000 || opts.year > 2100) throw new RangeError(`年度无效：${opts.year}`);
  if (!Number.isSafeInteger(count) || count < 0 || count > 100_000) throw new RangeError(`企业数量无效：${count}`);
  const rng = new Rng(seed);
  const enterprises = generateEnterprises(rng, count, opts.year);
  const staff = generateStaff(rng, seed, enterprises);
  return { enterprises, staff };
}

