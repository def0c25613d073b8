/**
 * Synthetic registries for the draw tests, generated from a seeded HMAC PRNG (never Math.random).
 */
import { HmacPrng, sha256Hex } from '../../../src/domain/canonical';
import type { Enterprise, ProductCategory, RiskClass, Staff, StaffRole } from '../../../src/domain/types';
import { USCC_CHARSET, usccCheckChar } from '../../../src/domain/uscc';

export const COUNTIES = [
  '盐湖区', '永济市', '河津市', '临猗县', '万荣县', '闻喜县', '稷山县',
  '新绛县', '绛县', '垣曲县', '夏县', '平陆县', '芮城县', '运城开发区',
] as const;

const INDUSTRIAL_PRODUCTS = ['电线电缆', '危险化学品', '化肥', '建筑用钢筋', '水泥', '人造板', '特种劳动防护用品'];
const FOOD_PRODUCTS = ['食品用塑料包装容器工具等制品', '食品用纸包装容器等制品', '餐具洗涤剂', '复合膜袋'];
const EXPERTISE = ['工业产品', '食品相关产品', '电线电缆', '危险化学品', '塑料', '化肥', '水泥、建筑用钢筋', '纸包装'];
/** With `catalogue: true`: 获证产品 and 专业领域 from the licence catalogue (domain/catalogue.ts), one unknown value each. */
const CATALOGUE_INDUSTRIAL = ['电线电缆', '危险化学品无机产品', '危险化学品有机产品', '复肥', '磷肥', '钢筋混凝土用热轧钢筋', '水泥', '胶合板', '钢丝绳', '特种劳动防护用品'];
const CATALOGUE_FOOD = ['食品用塑料包装容器工具等制品', '食品用纸包装容器等制品', '餐具洗涤剂', '压力锅', '复合膜袋'];
const CATALOGUE_EXPERTISE = [
  '电线电缆', '危险化学品', '危险化学品无机产品、危险化学品有机产品', '复肥、磷肥', '水泥、钢筋混凝土用热轧钢筋', '胶合板、钢丝绳',
  '食品相关产品', '食品用塑料包装容器工具等制品', '食品用纸包装容器等制品、餐具洗涤剂', '压力锅', '塑料',
];
const LINES = ['产品质量安全', '产品质量安全监管', '食品安全', '综合执法', undefined];

export function prngFor(label: string): HmacPrng {
  return new HmacPrng(sha256Hex(label), 'test');
}

/** A valid 统一社会信用代码 (not necessarily a real one). */
export function randomUscc(prng: HmacPrng): string {
  let body = '91140' + String(prng.int(10));
  while (body.length < 17) body += USCC_CHARSET.charAt(prng.int(USCC_CHARSET.length));
  return body + usccCheckChar(body);
}

export interface RegistryOptions {
  enterprises: number;
  staff: number;
  /** Risk-class weights A, B, C, D. */
  classWeights?: [number, number, number, number];
  foodShare?: number;
  avoidPerPerson?: number;
  counties?: readonly string[];
  /** products and fields named as in the licence catalogue */
  catalogue?: boolean;
}

function weighted<T>(prng: HmacPrng, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = prng.next() * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

export function makeEnterprises(prng: HmacPrng, n: number, opts: Partial<RegistryOptions> = {}): Enterprise[] {
  const counties = opts.counties ?? COUNTIES;
  const seen = new Set<string>();
  const out: Enterprise[] = [];
  while (out.length < n) {
    const uscc = randomUscc(prng);
    if (seen.has(uscc)) continue;
    seen.add(uscc);
    const category: ProductCategory = prng.chance(opts.foodShare ?? 0.3) ? '食品相关产品' : '工业产品';
    const riskClass = weighted<RiskClass>(prng, ['A', 'B', 'C', 'D'], opts.classWeights ?? [4, 3, 2, 1]);
    const i = out.length;
    out.push({
      uscc,
      name: `运城测试企业${i}有限公司`,
      licenceNo: `${category === '工业产品' ? '晋XK' : '晋SC'}${String(100000 + i)}`,
      product: prng.pick(
        opts.catalogue
          ? category === '工业产品' ? CATALOGUE_INDUSTRIAL : CATALOGUE_FOOD
          : category === '工业产品' ? INDUSTRIAL_PRODUCTS : FOOD_PRODUCTS,
      ),
      category,
      validFrom: '2022-01-01',
      validTo: '2027-01-01',
      county: prng.pick(counties),
      address: `地址${i}`,
      riskClass,
    });
  }
  return out;
}

export function makeStaff(prng: HmacPrng, n: number, enterprises: readonly Enterprise[], opts: Partial<RegistryOptions> = {}): Staff[] {
  const counties = opts.counties ?? COUNTIES;
  const out: Staff[] = [];
  for (let i = 0; i < n; i++) {
    const r = prng.next();
    const roles: StaffRole[] = [];
    let county: string;
    if (r < 0.12) {
      roles.push('组长');
      if (prng.chance(0.5)) roles.push('执法人员');
      county = prng.chance(0.9) ? '市局' : prng.pick(counties); // a few county 组长 who may not lead
    } else if (r < 0.8) {
      roles.push('执法人员');
      county = prng.chance(0.2) ? '市局' : prng.pick(counties);
    } else {
      roles.push('专家');
      if (prng.chance(0.2)) roles.push('执法人员');
      county = prng.chance(0.5) ? '市局' : prng.pick(counties);
    }
    if (prng.chance(0.05)) roles.push('联络员');
    const avoid: string[] = [];
    const avoidCount = prng.int((opts.avoidPerPerson ?? 2) + 1);
    for (let j = 0; j < avoidCount && enterprises.length > 0; j++) avoid.push(prng.pick(enterprises).uscc);
    const line = prng.pick(LINES);
    const person: Staff = {
      openId: `ou_${sha256Hex(`staff-${i}-${prng.next()}`).slice(0, 24)}`,
      name: `人员${i}`,
      roles,
      unit: county === '市局' ? '运城市市场监督管理局' : `${county}市场监督管理局`,
      county,
      avoid,
    };
    if (line !== undefined) person.businessLine = line;
    if (roles.includes('专家')) person.expertise = prng.pick(opts.catalogue ? CATALOGUE_EXPERTISE : EXPERTISE);
    out.push(person);
  }
  return out;
}

export function makeRegistry(label: string, opts: RegistryOptions): { enterprises: Enterprise[]; staff: Staff[] } {
  const prng = prngFor(label);
  const enterprises = makeEnterprises(prng, opts.enterprises, opts);
  const staff = makeStaff(prng, opts.staff, enterprises, opts);
  return { enterprises, staff };
}
