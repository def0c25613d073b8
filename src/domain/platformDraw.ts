/**
 * The draw made on the national “双随机、一公开” platform, exported as a table and sent to the bot
 * (docs/interfaces.md "Set-up in chat", docs/draw-spec.md §14): reading its rows and matching them to the registries.
 * Pure: the rows, the registry rows of the codes in the file and the staff registry in; the matched firms and
 * teams, and every problem by line, out.
 *
 * Headers: 统一社会信用代码, 企业名称, 检查人员 (names separated by `、`), optionally 任务编号 and 组长; column order
 * free, extra columns ignored (a platform export has many). Blank rows are skipped.
 *
 * Two levels of problem:
 * - **refusals** (the file cannot be confirmed until they are fixed): an invalid or unknown 统一社会信用代码, one firm
 *   on two rows, an empty 检查人员, a name not in the staff registry, a name two people share (ambiguous), a person
 *   whose roles are none of 组长/执法人员/专家, a 组长 column naming someone who is not a 组长 in the registry, a
 *   team without a 组长, a member who must avoid the firm (回避企业), a bad 任务编号;
 * - **warnings** (shown, the file can be confirmed): 企业名称 differs from the registry's (the registry's name is
 *   used: the code is the key, and names change — 更名 — more often than codes), a licence that ends before the
 *   campaign starts, a name listed twice in one team, a 组长 not listed among the 检查人员 (added to the team), a
 *   county member on a firm of their own county, a team without a county 执法人员 or with fewer than two
 *   enforcement officers, a 任务编号 used twice. The platform made the teams; the bot reports what its own rules
 *   would question but does not overrule the platform's draw — except 回避, which is a conflict of interest.
 *
 * Names: compared with white space removed. Two people of one name are told apart in the file as `姓名（所属县区）`
 * or `姓名（单位）` (the text in brackets equal to the person's 所属县区, or contained in their 单位).
 */
import { CITY_BUREAU, type Enterprise, type ProductCategory, type RiskClass, type StaffRole } from './types';
import { textProblem, problemMessage } from './textPolicy';
import { normalizeUscc, usccProblem } from './uscc';

export const PLATFORM_DRAW_TITLE = '监管平台抽取结果';
export const PLATFORM_HEADERS = ['统一社会信用代码', '企业名称', '检查人员', '任务编号', '组长'] as const;
export type PlatformHeader = (typeof PLATFORM_HEADERS)[number];
const REQUIRED: readonly PlatformHeader[] = ['统一社会信用代码', '企业名称', '检查人员'];
/** The column only the platform's export has: it tells the file from a registry. */
export const PLATFORM_DISTINCTIVE: PlatformHeader = '检查人员';
const TASK_NO_MAX = 64;

function headerKey(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/[\s\uFEFF]+/g, '').toLowerCase();
}

/** Header → column; or why the header is not a (complete) platform draw header. */
export function mapPlatformHeaders(cells: readonly string[]): { ok: Map<PlatformHeader, number> } | { error: string } {
  const wanted = new Map(PLATFORM_HEADERS.map((h) => [headerKey(h), h]));
  const map = new Map<PlatformHeader, number>();
  for (let i = 0; i < cells.length; i++) {
    const h = wanted.get(headerKey(cells[i] ?? ''));
    if (h === undefined) continue;
    if (map.has(h)) return { error: `表头“${h}”出现了两次（第${map.get(h)! + 1}列和第${i + 1}列）` };
    map.set(h, i);
  }
  const missing = REQUIRED.filter((h) => !map.has(h));
  if (missing.length > 0) {
    return { error: `${PLATFORM_DRAW_TITLE}缺少必需的列：${missing.join('、')}（第1行应为表头：${REQUIRED.join('、')}，可另有 任务编号、组长）` };
  }
  return { ok: map };
}

export function isPlatformDrawHeader(cells: readonly string[]): boolean {
  return 'ok' in mapPlatformHeaders(cells);
}

/** Whether a header has the platform's own column (so a missing column is reported as such). */
export function hasPlatformColumn(cells: readonly string[]): boolean {
  return cells.some((c) => headerKey(c) === headerKey(PLATFORM_DISTINCTIVE));
}

// ---- rows ------------------------------------------------------------------------------------------------------------

export interface SheetLike {
  line: number;
  cells: string[];
  inexact?: number[];
  formula?: [number, string][];
}

export interface PlatformRow {
  line: number;
  uscc: string;
  firmName: string;
  inspectors: string;
  /** the 组长 cell; null when the column is absent or the cell empty */
  leader: string | null;
  taskNo: string | null;
  /** problems of the cells as read (a number that lost digits, a formula without a value) */
  cellProblems: string[];
}

/** The data rows of a platform file (header first); throws nothing: a bad header gives `error`. */
export function readPlatformRows(sheet: readonly SheetLike[]): { ok: PlatformRow[] } | { error: string } {
  const [header, ...data] = sheet;
  if (header === undefined) return { error: `文件中没有内容：第1行应为表头（${REQUIRED.join('、')}）` };
  const mapped = mapPlatformHeaders(header.cells);
  if ('error' in mapped) return mapped;
  const col = mapped.ok;
  const headerOf = new Map([...col].map(([h, i]) => [i, h]));
  const cell = (row: SheetLike, h: PlatformHeader): string => {
    const i = col.get(h);
    return i === undefined ? '' : (row.cells[i] ?? '').trim();
  };
  const rows: PlatformRow[] = [];
  for (const row of data) {
    const values = PLATFORM_HEADERS.map((h) => cell(row, h));
    if (values.every((v) => v === '')) continue;
    const cellProblems: string[] = [];
    for (const i of row.inexact ?? []) {
      const h = headerOf.get(i);
      if (h !== undefined) cellProblems.push(`“${h}”是数字格式，超过15位的数字在 Excel 中已丢失末位（读到${row.cells[i]}），请将该列设为文本格式后重新导出`);
    }
    for (const [i, why] of row.formula ?? []) {
      const h = headerOf.get(i);
      if (h !== undefined) cellProblems.push(`“${h}”${why}`);
    }
    const leader = cell(row, '组长');
    const taskNo = cell(row, '任务编号');
    rows.push({
      line: row.line,
      uscc: cell(row, '统一社会信用代码'),
      firmName: cell(row, '企业名称'),
      inspectors: cell(row, '检查人员'),
      leader: leader === '' ? null : leader,
      taskNo: taskNo === '' ? null : taskNo,
      cellProblems,
    });
  }
  return { ok: rows };
}

// ---- matching --------------------------------------------------------------------------------------------------

export interface PlatformStaff {
  openId: string;
  name: string;
  roles: readonly StaffRole[];
  unit: string;
  county: string;
  avoid: readonly string[];
}

export type PlatformEnterprise = Pick<Enterprise, 'uscc' | 'name' | 'licenceNo' | 'product' | 'category' | 'riskClass' | 'county' | 'validTo'>;

export type MemberRole = '组长' | '执法人员' | '专家';

export interface MatchedMember {
  openId: string;
  name: string;
  role: MemberRole;
  unit: string;
  county: string;
}

export interface MatchedFirm {
  line: number;
  /** the registry's row (the licence the task is about) */
  enterprise: {
    uscc: string;
    name: string;
    licenceNo: string;
    product: string;
    category: ProductCategory;
    riskClass: RiskClass;
    county: string;
    validTo: string;
  };
  /** 企业名称 as the file has it */
  fileName: string;
  taskNo: string | null;
  /** 组长 first, then the others in the file's order */
  team: MatchedMember[];
}

export interface LineProblem {
  /** the line in the file (1 = the header); absent for the file as a whole */
  line?: number;
  reason: string;
}

export interface PlatformMatch {
  /** data rows read (blank rows not counted) */
  rows: number;
  /** rows that matched completely, in file order */
  firms: MatchedFirm[];
  problems: LineProblem[];
  warnings: LineProblem[];
}

export interface MatchOptions {
  /** the campaign's start (YYYY-MM-DD): a licence ending before it is a warning */
  campaignStart: string;
  /** the campaign's own-county rule: a county member on a firm of their own county is a warning */
  excludeOwnCounty: boolean;
}

/** Names are compared without white space. */
export function nameKey(name: string): string {
  return name.replace(/[\s\u3000]+/g, '');
}

/** Firm names: without white space, brackets of either width alike. */
function firmNameKey(name: string): string {
  return nameKey(name).replace(/（/g, '(').replace(/）/g, ')');
}

/** `王伟（盐湖区）` → name 王伟, qualifier 盐湖区. */
export function parseNameEntry(entry: string): { name: string; qualifier: string | null } {
  const m = /^(.*?)[（(]([^（）()]+)[）)]$/.exec(entry.trim());
  if (m && nameKey(m[1]!) !== '') return { name: nameKey(m[1]!), qualifier: m[2]!.trim() };
  return { name: nameKey(entry), qualifier: null };
}

/** The 检查人员 cell as entries: separated by `、` (also , ， ; ； and line breaks). */
export function splitNames(cell: string): string[] {
  return cell
    .split(/[、,，;；\n\r]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The registry row a platform row is about, when the firm holds several licences: as §2.1 of the draw does. */
export function pickLicence<T extends { validTo: string; licenceNo: string }>(rows: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const r of rows) {
    if (best === undefined || r.validTo > best.validTo || (r.validTo === best.validTo && r.licenceNo < best.licenceNo)) best = r;
  }
  return best;
}

type Resolved = { ok: PlatformStaff } | { error: string };

export class StaffIndex {
  private readonly byName = new Map<string, PlatformStaff[]>();

  constructor(staff: readonly PlatformStaff[]) {
    for (const s of staff) {
      const k = nameKey(s.name);
      const list = this.byName.get(k);
      if (list) list.push(s);
      else this.byName.set(k, [s]);
    }
  }

  resolve(entry: string): Resolved {
    const { name, qualifier } = parseNameEntry(entry);
    const all = this.byName.get(name) ?? [];
    if (all.length === 0) return { error: `“${name}”不在执法检查人员名录库中` };
    const found = qualifier === null ? all : all.filter((s) => s.county === qualifier || s.unit.includes(qualifier));
    if (found.length === 0) {
      return { error: `人员名录中没有所属县区或单位为“${qualifier}”的“${name}”（名录中的${name}：${all.map(where).join('；')}）` };
    }
    if (found.length > 1) {
      const hint =
        qualifier === null
          ? `请在文件中写成“${name}（所属县区）”或“${name}（单位）”以区分`
          : '他们的所属县区和单位也无法区分，请在人员名录中更正后重新发送';
      return { error: `姓名“${qualifier === null ? name : entry.trim()}”在人员名录中有${found.length}人（${found.map(where).join('；')}），无法确定是谁：${hint}` };
    }
    return { ok: found[0]! };
  }
}

function where(s: PlatformStaff): string {
  return `${s.unit}，${s.county}`;
}

function slotRole(s: PlatformStaff): MemberRole | null {
  if (s.roles.includes('执法人员')) return '执法人员';
  if (s.roles.includes('专家')) return '专家';
  if (s.roles.includes('组长')) return '执法人员';
  return null;
}

function member(s: PlatformStaff, role: MemberRole): MatchedMember {
  return { openId: s.openId, name: s.name, role, unit: s.unit, county: s.county };
}

/**
 * Matches every row: enterprises by 统一社会信用代码 (`registry`: the registry rows of the codes in the file, any
 * number per code), inspectors by name in `staff`.
 */
export function matchPlatformRows(
  rows: readonly PlatformRow[],
  registry: ReadonlyMap<string, readonly PlatformEnterprise[]>,
  staff: readonly PlatformStaff[],
  opts: MatchOptions,
): PlatformMatch {
  const index = new StaffIndex(staff);
  const problems: LineProblem[] = [];
  const warnings: LineProblem[] = [];
  const firms: MatchedFirm[] = [];
  const firstLineOfCode = new Map<string, number>();
  const firstLineOfTask = new Map<string, number>();
  if (rows.length === 0) problems.push({ reason: '文件只有表头，没有数据行' });

  for (const row of rows) {
    const bad = (reason: string): void => {
      problems.push({ line: row.line, reason });
    };
    const warn = (reason: string): void => {
      warnings.push({ line: row.line, reason });
    };
    const before = problems.length;
    for (const p of row.cellProblems) bad(p);

    // the enterprise
    const code = normalizeUscc(row.uscc);
    let enterprise: PlatformEnterprise | undefined;
    const codeProblem = code === '' ? '统一社会信用代码为空' : usccProblem(code);
    if (codeProblem !== null) bad(`${codeProblem}（${row.uscc || '空'}）`);
    else {
      const first = firstLineOfCode.get(code);
      if (first !== undefined) bad(`与第${first}行是同一家企业（${code}）：每家企业只能有一行`);
      else firstLineOfCode.set(code, row.line);
      enterprise = pickLicence(registry.get(code) ?? []);
      if (enterprise === undefined) {
        bad(`统一社会信用代码 ${code}${row.firmName ? `（${row.firmName}）` : ''}不在检查对象名录库中：请先导入该企业，或核对代码`);
      } else {
        if (row.firmName !== '' && firmNameKey(row.firmName) !== firmNameKey(enterprise.name)) {
          warn(`企业名称与名录库不同：文件为“${row.firmName}”，名录库为“${enterprise.name}”（按统一社会信用代码匹配，以名录库为准）`);
        }
        if (enterprise.validTo < opts.campaignStart) {
          warn(`${enterprise.name}的许可证（${enterprise.licenceNo}）有效期止 ${enterprise.validTo}，早于专项开始日 ${opts.campaignStart}`);
        }
      }
    }

    // 任务编号
    if (row.taskNo !== null) {
      const tp = textProblem(row.taskNo, { label: '任务编号', max: TASK_NO_MAX });
      if (tp !== null) bad(problemMessage('任务编号', tp, '导出'));
      const first = firstLineOfTask.get(row.taskNo);
      if (first !== undefined) warn(`任务编号“${row.taskNo}”与第${first}行相同`);
      else firstLineOfTask.set(row.taskNo, row.line);
    }

    // the team
    const entries = splitNames(row.inspectors);
    const people: PlatformStaff[] = [];
    let unresolved = 0;
    if (entries.length === 0) bad('“检查人员”为空');
    const seen = new Set<string>();
    for (const entry of entries) {
      const r = index.resolve(entry);
      if ('error' in r) {
        unresolved++;
        bad(`检查人员：${r.error}`);
        continue;
      }
      if (seen.has(r.ok.openId)) {
        warn(`检查人员中“${r.ok.name}”出现了两次（只计一次）`);
        continue;
      }
      seen.add(r.ok.openId);
      people.push(r.ok);
    }
    let leader: PlatformStaff | undefined;
    if (row.leader !== null) {
      const r = index.resolve(row.leader);
      if ('error' in r) bad(`组长：${r.error}`);
      else if (!r.ok.roles.includes('组长')) {
        bad(`组长“${r.ok.name}”在人员名录中不是组长（角色：${r.ok.roles.join('、') || '无'}）：请核对“组长”列，或在人员名录中为其登记“组长”角色`);
      } else {
        leader = r.ok;
        if (!seen.has(r.ok.openId) && entries.length > 0) warn(`组长“${r.ok.name}”不在“检查人员”中，已作为组长加入检查组`);
      }
    } else {
      leader = people.find((p) => p.roles.includes('组长'));
      // (with a name unresolved, the 组长 may be that one: the unresolved name is the problem to fix first)
      if (leader === undefined && people.length > 0 && unresolved === 0) {
        bad('检查人员中没有人员名录里的组长：请在“组长”列写明组长，或在人员名录中为组长登记“组长”角色');
      }
    }
    const team: MatchedMember[] = [];
    if (leader !== undefined) team.push(member(leader, '组长'));
    for (const p of people) {
      if (leader !== undefined && p.openId === leader.openId) continue;
      const role = slotRole(p);
      if (role === null) {
        bad(`检查人员“${p.name}”在人员名录中的角色是${p.roles.join('、') || '（无）'}，不是组长、执法人员或专家`);
        continue;
      }
      team.push(member(p, role));
    }
    if (enterprise !== undefined) {
      const everyone = new Map([...(leader ? [leader] : []), ...people].map((p) => [p.openId, p]));
      for (const m of everyone.values()) {
        if (m.avoid.includes(enterprise.uscc)) bad(`“${m.name}”须回避${enterprise.name}（人员名录“回避企业”中有 ${enterprise.uscc}）：请调整检查人员`);
      }
    }
    if (problems.length > before || enterprise === undefined || leader === undefined) continue;

    // what the bot's own rules would question (warnings only)
    const countyOfficers = team.filter((m) => m.role === '执法人员' && m.county !== CITY_BUREAU);
    if (countyOfficers.length === 0) warn('检查组没有县区执法人员（通知要求检查组由市、县两级执法监管人员组成）');
    const enforcement = team.filter((m) => m.role !== '专家').length;
    if (enforcement < 2) warn(`检查组只有${enforcement}名执法人员（执法检查应有两名以上执法人员）`);
    if (opts.excludeOwnCounty) {
      for (const m of team) {
        if (m.county !== CITY_BUREAU && m.county === enterprise.county) warn(`“${m.name}”（${m.county}）检查本县区企业，本专项规定县区人员不检查本县区企业`);
      }
    }
    firms.push({
      line: row.line,
      enterprise: {
        uscc: enterprise.uscc,
        name: enterprise.name,
        licenceNo: enterprise.licenceNo,
        product: enterprise.product,
        category: enterprise.category,
        riskClass: enterprise.riskClass,
        county: enterprise.county,
        validTo: enterprise.validTo,
      },
      fileName: row.firmName,
      taskNo: row.taskNo,
      team,
    });
  }
  return { rows: rows.length, firms, problems, warnings };
}
