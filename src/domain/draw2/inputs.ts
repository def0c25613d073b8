/**
 * The inputs of a draw as docs/draw-spec.md §2 defines them: the population and its exclusions (from the enterprise
 * registry), the staff rows, the parameters, person refs, and their hashes.
 */
import { catalogueIndex, listEntries, type CatalogueIndex } from '../catalogue';
import { isIsoDate } from '../population';
import { PRODUCT_CATEGORIES, RISK_CLASSES, STAFF_ROLES, type Enterprise, type RiskClass, type StaffRole } from '../types';
import { isValidUscc } from '../uscc';
import { CanonicalWriter } from './canonicalBytes';
import { arrayItemsFeeder, cmpText, isBlank, isWellFormedText, keyedHasher, keyedValueHash, sha256Text } from './jcs';
import {
  ALGORITHM,
  CITY,
  DrawError,
  POPULATION_KEYS,
  type ExclusionReason,
  type ExclusionRow,
  type ExpertMode,
  type Parameters,
  type PopulationRow,
  type StaffRow,
} from './model';
import { SLICE, type Steps } from './steps';

// ---- population ---------------------------------------------------------------------------------------------------

export interface RegistrySplit {
  population: PopulationRow[];
  exclusions: ExclusionRow[];
  /**
   * populationHashSteps(population, blind) when a blind was given (null for unkeyed) and the rows were hashed as they
   * were built (the usual case: codes in increasing order, every row valid); else absent
   */
  populationHash?: string;
}

/** §2.2: a registry value as text — the text itself; a missing value (absent, null, or anything not text) is "". */
export function registryText(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function exclusionRow(e: Enterprise, reason: ExclusionReason): ExclusionRow {
  return {
    uscc: registryText(e.uscc),
    licenceNo: registryText(e.licenceNo),
    category: registryText(e.category),
    riskClass: registryText(e.riskClass),
    validTo: registryText(e.validTo),
    reason,
  };
}

/** A population row, its members in canonical (sorted) order (then JSON.stringify writes its canonical text). */
export function populationRow(e: Pick<Enterprise, keyof PopulationRow>): PopulationRow {
  return {
    category: e.category,
    county: e.county,
    licenceNo: e.licenceNo,
    name: e.name,
    product: e.product,
    riskClass: e.riskClass,
    uscc: e.uscc,
    validTo: e.validTo,
  };
}

/** Exclusions in canonical order: by uscc, then licenceNo, then reason (code units). */
export function sortExclusions(rows: ExclusionRow[]): ExclusionRow[] {
  return rows.sort((a, b) => cmpText(a.uscc, b.uscc) || cmpText(a.licenceNo, b.licenceNo) || cmpText(a.reason, b.reason));
}

/**
 * §2.1–2.2: the rules of eligibility, in this order: invalid code, category, class, date; expired (有效期止 before the
 * campaign start); then one row per code (the latest 有效期止, then the smallest 许可证编号; the others 'duplicate').
 * The population is sorted by uscc.
 */
export function* splitRegistry(
  enterprises: readonly Enterprise[],
  campaignStart: string,
  /**
   * the blind to hash the population with (populationHashSteps; null: unkeyed): each row is then written into the hash
   * as it is built, while its registry row and strings are at hand, instead of in a second pass over 100,000 rows
   */
  hashBlind?: string | null,
): Steps<RegistrySplit> {
  if (!isIsoDate(campaignStart)) throw new DrawError(`专项开始日期格式错误：${campaignStart}`);
  const h = hashBlind === undefined ? null : keyedHasher(hashBlind);
  const w = h === null ? null : new CanonicalWriter((b) => h.update(b));
  w?.byte(0x5b);
  const exclusions: ExclusionRow[] = [];
  /** the eligible rows, by index */
  const eligible: number[] = [];
  /** whether their codes strictly increase (registries come in code order): then each code has one row */
  let increasing = true;
  let prev: string | null = null;
  const dates = new Map<string, boolean>();
  // The population rows, built in the same pass while the codes increase and the rows are valid (each registry row
  // read once); otherwise built after it as before.
  let population: PopulationRow[] = [];
  let built = true;
  for (let i = 0; i < enterprises.length; i++) {
    if (i % SLICE === 0) yield;
    const e = enterprises[i] as Enterprise;
    let reason: ExclusionReason | null;
    if (!isValidUscc(e.uscc)) reason = 'invalid-code';
    else if (e.category !== '工业产品' && e.category !== '食品相关产品') reason = 'invalid-category';
    else if (e.riskClass !== 'A' && e.riskClass !== 'B' && e.riskClass !== 'C' && e.riskClass !== 'D') reason = 'invalid-class';
    else {
      let valid = dates.get(e.validTo);
      if (valid === undefined) {
        valid = typeof e.validTo === 'string' && isIsoDate(e.validTo);
        dates.set(e.validTo, valid);
      }
      reason = !valid ? 'invalid-date' : e.validTo < campaignStart ? 'expired' : null;
    }
    if (reason !== null) exclusions.push(exclusionRow(e, reason));
    else {
      if (prev !== null && !(prev < e.uscc)) increasing = false;
      prev = e.uscc;
      eligible.push(i);
      if (built) {
        const row = increasing ? populationRow(e) : null;
        if (row !== null && populationRowProblem(row, population.length) === null) {
          if (w !== null) {
            if (population.length > 0) w.byte(0x2c);
            writePopulationRow(w, row);
          }
          population.push(row);
        } else built = false;
      }
    }
  }
  yield;
  if (increasing && built) {
    if (h === null || w === null) return { population, exclusions: sortExclusions(exclusions) };
    w.byte(0x5d);
    w.flush();
    return { population, exclusions: sortExclusions(exclusions), populationHash: h.digest('hex') };
  }
  population = [];
  if (increasing) {
    for (const i of eligible) {
      if (population.length % SLICE === 0) yield;
      const row = populationRow(enterprises[i] as Enterprise);
      checkPopulationRow(row, population.length);
      population.push(row);
    }
    return { population, exclusions: sortExclusions(exclusions) };
  }
  // One row per code: sort by code, then keep the best of each run: the latest 有效期止, then the smallest 许可证编号,
  // then the earlier row.
  const candidates = eligible.map((at) => ({ e: enterprises[at] as Enterprise, at }));
  let sorted = true;
  for (let i = 1; i < candidates.length && sorted; i++) sorted = candidates[i - 1]!.e.uscc <= candidates[i]!.e.uscc;
  if (!sorted) candidates.sort((a, b) => cmpText(a.e.uscc, b.e.uscc) || a.at - b.at);
  yield;
  for (let i = 0; i < candidates.length; ) {
    if (population.length % SLICE === 0) yield;
    let j = i + 1;
    let best = candidates[i]!;
    while (j < candidates.length && candidates[j]!.e.uscc === best.e.uscc) {
      const c = candidates[j]!;
      if (c.e.validTo > best.e.validTo || (c.e.validTo === best.e.validTo && c.e.licenceNo < best.e.licenceNo)) best = c;
      j++;
    }
    for (let x = i; x < j; x++) if (candidates[x] !== best) exclusions.push(exclusionRow(candidates[x]!.e, 'duplicate'));
    const row = populationRow(best.e);
    checkPopulationRow(row, population.length);
    population.push(row);
    i = j;
  }
  return { population, exclusions: sortExclusions(exclusions) };
}

const TEXT_FIELDS = ['uscc', 'name', 'licenceNo', 'product', 'county', 'validTo'] as const;
/** uscc and validTo are checked ASCII by then (a valid code, an ISO date) */
const FREE_TEXT = ['name', 'licenceNo', 'product', 'county'] as const;

function checkPopulationRow(r: PopulationRow, i: number): void {
  const problem = populationRowProblem(r, i);
  if (problem !== null) throw new DrawError(problem);
}

function populationRowProblem(r: PopulationRow, i: number): string | null {
  for (let j = 0; j < FREE_TEXT.length; j++) {
    const f = FREE_TEXT[j]!;
    const v = r[f];
    if (typeof v !== 'string' || !isWellFormedText(v)) return `第${i + 1}家企业（${String(r.uscc)}）的${f}不是有效文本`;
  }
  if (r.county === '') return `企业${r.uscc}缺少所属县区`;
  return null;
}

/** Problems of a population as a verifier sees it (§2.1): invalid rows, order, duplicates, expired licences. */
export function populationProblems(rows: readonly PopulationRow[], campaignStart: string): string[] {
  const problems: string[] = [];
  rows.forEach((r, i) => {
    const n = i + 1;
    if (r === null || typeof r !== 'object') {
      problems.push(`第${n}行不是对象`);
      return;
    }
    for (const f of TEXT_FIELDS) if (typeof r[f] !== 'string') problems.push(`第${n}行缺少${f}`);
    if (typeof r.uscc === 'string' && !isValidUscc(r.uscc)) problems.push(`第${n}行统一社会信用代码无效：${r.uscc}`);
    if (!(PRODUCT_CATEGORIES as readonly string[]).includes(r.category)) problems.push(`第${n}行产品类别无效`);
    if (!(RISK_CLASSES as readonly string[]).includes(r.riskClass)) problems.push(`第${n}行信用风险等级无效`);
    if (typeof r.validTo === 'string' && (!isIsoDate(r.validTo) || r.validTo < campaignStart)) {
      problems.push(`第${n}行（${r.uscc}）许可证有效期止${r.validTo}早于专项开始日${campaignStart}，不应参加抽取`);
    }
    if (i > 0 && !(cmpText((rows[i - 1] as PopulationRow).uscc, r.uscc) < 0)) problems.push(`第${n}行未按统一社会信用代码严格递增排列`);
  });
  return problems;
}

/** `{"category":`, `,"county":`, … : what precedes each value of a population row in its canonical text. */
const ROW_PARTS = POPULATION_KEYS.map((k, j) => Buffer.from(`${j === 0 ? '{' : ','}${JSON.stringify(k)}:`, 'utf8'));

/**
 * §2.1: the hash of the JCS text of the population (an array of rows, in order): HMAC-SHA256 keyed with the blind
 * (§3.1); `blind` null: plain SHA-256 (bundles made before the blind, §12.1).
 *
 * The text is what JSON.stringify writes for the rows when each row has exactly the members of POPULATION_KEYS in that
 * order (populationRow builds them so; otherwise the key list is given to JSON.stringify): for rows whose values are all
 * text, written here straight as UTF-8 into the hash (canonicalBytes.ts: the same bytes, lone surrogates escaped as
 * JSON.stringify escapes them); any other row as JSON.stringify's text of it.
 */
export function* populationHashSteps(rows: readonly PopulationRow[], blindHex: string | null): Steps<string> {
  const h = keyedHasher(blindHex);
  const keys = [...POPULATION_KEYS];
  const fast = rows.every((r) => {
    if (r === null || typeof r !== 'object') return Object.keys(r).length < 0; // (throws for null, as before)
    let j = 0;
    for (const k in r) if (!Object.prototype.hasOwnProperty.call(r, k) || k !== keys[j++]) return false;
    return j === keys.length;
  });
  if (!fast) {
    // Not the rows populationRow builds (a bundle under verification): JSON.stringify with the key list, as before.
    const items = arrayItemsFeeder(h);
    for (let i = 0; i < rows.length; i += SLICE) {
      yield;
      items(JSON.stringify(rows.slice(i, i + SLICE), keys), i === 0);
    }
    h.update(rows.length === 0 ? '[]' : ']');
    return h.digest('hex');
  }
  const w = new CanonicalWriter((b) => h.update(b));
  w.byte(0x5b);
  for (let i = 0; i < rows.length; i++) {
    if (i % SLICE === 0) yield;
    if (i > 0) w.byte(0x2c);
    writePopulationRow(w, rows[i] as PopulationRow);
  }
  w.byte(0x5d);
  w.flush();
  return h.digest('hex');
}

/**
 * A row with exactly the members of POPULATION_KEYS in that order, as its canonical text (populationHashSteps): its
 * values written straight when all are text, else JSON.stringify's text of it.
 */
function writePopulationRow(w: CanonicalWriter, r: PopulationRow): void {
  const parts = ROW_PARTS;
  const v0 = r.category;
  const v1 = r.county;
  const v2 = r.licenceNo;
  const v3 = r.name;
  const v4 = r.product;
  const v5 = r.riskClass;
  const v6 = r.uscc;
  const v7 = r.validTo;
  if (
    typeof v0 !== 'string' ||
    typeof v1 !== 'string' ||
    typeof v2 !== 'string' ||
    typeof v3 !== 'string' ||
    typeof v4 !== 'string' ||
    typeof v5 !== 'string' ||
    typeof v6 !== 'string' ||
    typeof v7 !== 'string'
  ) {
    w.jsonText(JSON.stringify(r));
    return;
  }
  w.bytes(parts[0]!);
  w.string(v0, '$', true);
  w.bytes(parts[1]!);
  w.string(v1, '$', true);
  w.bytes(parts[2]!);
  w.string(v2, '$', true);
  w.bytes(parts[3]!);
  w.string(v3, '$', true);
  w.bytes(parts[4]!);
  w.string(v4, '$', true);
  w.bytes(parts[5]!);
  w.string(v5, '$', true);
  w.bytes(parts[6]!);
  w.string(v6, '$', true);
  w.bytes(parts[7]!);
  w.string(v7, '$', true);
  w.byte(0x7d);
}

/** §2.2: HMAC-SHA256 keyed with the blind of JCS(exclusions) (plain SHA-256 without a blind, §12.1). */
export function exclusionsHash(rows: readonly ExclusionRow[], blindHex: string | null): string {
  return keyedValueHash(blindHex, rows);
}

// ---- staff ------------------------------------------------------------------------------------------------------

export interface StaffInput {
  openId: string;
  name: string;
  roles: readonly StaffRole[];
  unit: string;
  county: string;
  businessLine?: string | null;
  expertise?: string | null;
  avoid: readonly string[];
}

const DRAW_ROLES: readonly StaffRole[] = ['组长', '执法人员', '专家'];

function optionalText(v: string | null | undefined): string | null {
  return typeof v === 'string' && !isBlank(v) ? v : null;
}

/**
 * §2.3: people holding 组长, 执法人员 or 专家; roles in the fixed order 组长, 执法人员, 专家, 联络员, 领导; empty 业务口 and
 * 专业领域 become null; 回避 codes de-duplicated and sorted; rows sorted by openId. Duplicate openIds are refused.
 */
export function staffRows(staff: readonly StaffInput[]): StaffRow[] {
  const out: StaffRow[] = [];
  for (const s of staff) {
    if (typeof s.openId !== 'string' || s.openId === '') throw new DrawError(`人员“${s.name}”缺少飞书OpenID`);
    for (const role of s.roles) if (!STAFF_ROLES.includes(role)) throw new DrawError(`人员“${s.name}”的角色“${String(role)}”无效`);
    if (!s.roles.some((r) => DRAW_ROLES.includes(r))) continue;
    if (typeof s.county !== 'string' || s.county === '') throw new DrawError(`人员“${s.name}”缺少所属县区`);
    out.push({
      openId: s.openId,
      name: registryText(s.name),
      roles: STAFF_ROLES.filter((r) => s.roles.includes(r)),
      unit: registryText(s.unit),
      county: s.county,
      businessLine: optionalText(s.businessLine),
      expertise: optionalText(s.expertise),
      avoid: [...new Set(s.avoid)].sort(cmpText),
    });
  }
  out.sort((a, b) => cmpText(a.openId, b.openId));
  for (let i = 1; i < out.length; i++) {
    if ((out[i] as StaffRow).openId === (out[i - 1] as StaffRow).openId) {
      throw new DrawError(`人员名录中飞书OpenID重复：${(out[i] as StaffRow).openId}`);
    }
  }
  return out;
}

/** §2.3: HMAC-SHA256 keyed with the blind of JCS(staff) (plain SHA-256 without a blind, §12.1). */
export function staffHash(rows: readonly StaffRow[], blindHex: string | null): string {
  return keyedValueHash(blindHex, rows);
}

/** §2.5: a person's ref, the first 16 hex digits of SHA-256("spotcheck-draw/2|person|" + openId). */
export function personRef(openId: string): string {
  return sha256Text(`${ALGORITHM}|person|${openId}`).slice(0, 16);
}

// ---- parameters -------------------------------------------------------------------------------------------------

const PPM = 1_000_000;

/** A ratio (0..1, at most 6 decimals) as exact parts per million. */
export function toPpm(ratio: number, what: string): number {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0 || ratio > 1) {
    throw new DrawError(`${what}应为大于0且不超过1的数，实际为${String(ratio)}`);
  }
  const ppm = Math.round(ratio * PPM);
  if (Math.abs(ppm - ratio * PPM) > 1e-6) throw new DrawError(`${what}最多保留6位小数，实际为${ratio}`);
  return ppm;
}

export interface CampaignDrawSettings {
  from: string;
  ratio: number;
  riskRatios: Record<RiskClass, number>;
  excludeOwnCounty: boolean;
}

export interface TeamSettings {
  officers?: number;
  countyOfficers?: number;
  preferredBusinessLine?: string | null;
  workloadSlack?: number;
  expertMode?: ExpertMode;
}

export const DEFAULT_TEAM = Object.freeze({
  officers: 1,
  countyOfficers: 1,
  preferredBusinessLine: '产品质量安全',
  workloadSlack: 1,
  expertMode: 'whenMatching' as ExpertMode,
});

export function buildParameters(c: CampaignDrawSettings, team: TeamSettings = {}, index: CatalogueIndex = catalogueIndex()): Parameters {
  const officers = team.officers ?? DEFAULT_TEAM.officers;
  const countyOfficers = team.countyOfficers ?? DEFAULT_TEAM.countyOfficers;
  const p: Parameters = {
    campaignStart: c.from,
    ratiosPpm: {
      campaign: toPpm(c.ratio, '全市抽查比例'),
      A: toPpm(c.riskRatios.A, 'A类抽查比例'),
      B: toPpm(c.riskRatios.B, 'B类抽查比例'),
      C: toPpm(c.riskRatios.C, 'C类抽查比例'),
      D: toPpm(c.riskRatios.D, 'D类抽查比例'),
    },
    team: {
      officers,
      countyOfficers,
      excludeOwnCounty: c.excludeOwnCounty,
      preferredBusinessLine: team.preferredBusinessLine === undefined ? DEFAULT_TEAM.preferredBusinessLine : team.preferredBusinessLine,
      workloadSlack: team.workloadSlack ?? DEFAULT_TEAM.workloadSlack,
      expertMode: team.expertMode ?? DEFAULT_TEAM.expertMode,
    },
    catalogue: { version: index.catalogue.version, hash: index.hash },
  };
  const problem = parameterProblem(p);
  if (problem !== null) throw new DrawError(problem);
  return p;
}

const isInt = (v: unknown, lo: number, hi: number): boolean => Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;

/** Why parameters are not valid (§2.4), or null. */
export function parameterProblem(p: Parameters): string | null {
  if (p === null || typeof p !== 'object') return '抽取参数缺失';
  if (typeof p.campaignStart !== 'string' || !isIsoDate(p.campaignStart)) return '专项开始日期无效';
  const r = p.ratiosPpm;
  if (r === null || typeof r !== 'object') return '抽查比例缺失';
  for (const k of ['campaign', 'A', 'B', 'C', 'D'] as const) if (!isInt(r[k], 1, PPM)) return `抽查比例${k}应为1到1000000之间的整数（百万分之一）`;
  const t = p.team;
  if (t === null || typeof t !== 'object') return '组队规则缺失';
  if (!isInt(t.officers, 1, 10)) return '每组执法人员数应为1到10之间的整数';
  if (!isInt(t.countyOfficers, 1, t.officers)) return '每组县区执法人员数应为1到每组执法人员数之间的整数';
  if (typeof t.excludeOwnCounty !== 'boolean') return '本县区回避规则应为是或否';
  if (t.preferredBusinessLine !== null && (typeof t.preferredBusinessLine !== 'string' || t.preferredBusinessLine === '')) return '优先业务口无效';
  if (!isInt(t.workloadSlack, 0, 100)) return '工作量上限余量应为0到100之间的整数';
  if (!['none', 'whenMatching', 'required'].includes(t.expertMode)) return '专家规则无效';
  if (p.catalogue === null || typeof p.catalogue !== 'object' || typeof p.catalogue.version !== 'string' || typeof p.catalogue.hash !== 'string') {
    return '产品目录版本缺失';
  }
  return null;
}

/** §6.2: the tier of a person for the leader and officer slots (0 = preferred business line). */
export function tierOf(s: StaffRow, p: Parameters): number {
  const line = p.team.preferredBusinessLine;
  return line !== null && listEntries(s.businessLine).includes(line) ? 0 : 1;
}

export function isCityStaff(s: { county: string }): boolean {
  return s.county === CITY;
}
