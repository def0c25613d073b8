/**
 * Row validation for the two registries (docs/interfaces.md "Registries"): 检查对象名录库 (enterprises) and
 * 执法检查人员名录库/专家库 (staff, one file). Pure: no I/O.
 *
 * - Headers: matched after removing a UTF-8 BOM and all whitespace (so " 飞书 OpenID " finds 飞书OpenID), ASCII
 *   letters compared case-insensitively; column order is free and extra columns are ignored. A missing required
 *   header or a header given twice is a file-level error.
 * - Rows: every problem of a row is reported (joined with "；"), so one pass over a file shows all that must be fixed.
 * - Keys (统一社会信用代码 / 飞书OpenID): the first row with a given valid key owns it; later rows with the same key
 *   are rejected naming that first line, even when the first row was itself rejected for another reason
 *   (which of the two is right is for a person to decide).
 * - Dates: YYYY-MM-DD; also YYYY/M/D, YYYY.M.D, YYYY-M-D and YYYY年M月D日 (how spreadsheets often show them),
 *   optionally followed by a 00:00[:00] time, normalised to YYYY-MM-DD. Real date cells of XLSX files are turned into that text by the file reader.
 * - 组长 rule: a 组长 must be a city-bureau person (所属县区 = 市局), as teams are led by 市局 staff
 *   (README; domain/teams.ts only takes 组长 whose 所属县区 is 市局). A county 组长 is rejected rather than
 *   imported and silently never drawn.
 * - 专家 rule: an expert must have a 专业领域, otherwise no enterprise can ever be matched to them.
 * - Text fields follow domain/textPolicy.ts: a maximum length each (企业名称 100 characters …) and no character
 *   that the Word forms cannot hold (controls, U+FFFE …); line breaks inside a one-line field become spaces.
 */
import { isIsoDate } from './population';
import {
  CITY_BUREAU,
  PRODUCT_CATEGORIES,
  RISK_CLASSES,
  STAFF_ROLES,
  type Enterprise,
  type ProductCategory,
  type RiskClass,
  type Staff,
  type StaffRole,
} from './types';
import { charCount, FIELDS, normalizeText, problemMessage, textProblem, type FieldName } from './textPolicy';
import { normalizeUscc, usccProblem } from './uscc';

/** The county-level units of 运城市 (13 counties, county-level cities and the district) plus 运城开发区. */
export const YUNCHENG_COUNTIES: readonly string[] = [
  '盐湖区',
  '永济市',
  '河津市',
  '临猗县',
  '万荣县',
  '闻喜县',
  '稷山县',
  '新绛县',
  '绛县',
  '垣曲县',
  '夏县',
  '平陆县',
  '芮城县',
  '运城开发区',
];

export const ENTERPRISE_HEADERS = [
  '企业名称',
  '统一社会信用代码',
  '许可证编号',
  '获证产品',
  '产品类别',
  '有效期起',
  '有效期止',
  '所属县区',
  '生产地址',
  '信用风险等级',
  '联系人',
  '联系电话',
] as const;
export type EnterpriseHeader = (typeof ENTERPRISE_HEADERS)[number];

export const STAFF_HEADERS = ['姓名', '飞书OpenID', '角色', '单位', '所属县区', '业务口', '专业领域', '回避企业'] as const;
export type StaffHeader = (typeof STAFF_HEADERS)[number];

/** Columns that may be left out of a file altogether. */
const OPTIONAL_ENTERPRISE_HEADERS: readonly EnterpriseHeader[] = ['联系人', '联系电话'];
const OPTIONAL_STAFF_HEADERS: readonly StaffHeader[] = ['业务口', '专业领域', '回避企业'];

export type RegistryKind = 'enterprises' | 'staff';

export interface RegistrySpec<H extends string> {
  kind: RegistryKind;
  /** Chinese name of the registry, for reports. */
  title: string;
  headers: readonly H[];
  required: readonly H[];
}

export const ENTERPRISE_SPEC: RegistrySpec<EnterpriseHeader> = {
  kind: 'enterprises',
  title: '检查对象名录库',
  headers: ENTERPRISE_HEADERS,
  required: ENTERPRISE_HEADERS.filter((h) => !OPTIONAL_ENTERPRISE_HEADERS.includes(h)),
};

export const STAFF_SPEC: RegistrySpec<StaffHeader> = {
  kind: 'staff',
  title: '执法检查人员名录库',
  headers: STAFF_HEADERS,
  required: STAFF_HEADERS.filter((h) => !OPTIONAL_STAFF_HEADERS.includes(h)),
};

/** A row as read from a file: cell texts by canonical header (absent or empty cells may be missing). */
export type RowRecord<H extends string = string> = Partial<Record<H, string>>;

/** Header → column index (0-based) for the headers present in the file. */
export type HeaderMap<H extends string> = Map<H, number>;

export interface RowRejection {
  line: number;
  reason: string;
}

export type RowResult<T> = { ok: T } | { error: RowRejection };

function headerKey(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/[\s\uFEFF]+/g, '').toLowerCase();
}

/**
 * Maps the header cells of a file onto the registry's headers. Returns a Chinese file-level error naming every
 * missing required header, or a header that appears twice.
 */
export function mapHeaders<H extends string>(
  cells: readonly string[],
  spec: RegistrySpec<H>,
): { ok: HeaderMap<H> } | { error: string } {
  const wanted = new Map(spec.headers.map((h) => [headerKey(h), h]));
  const map: HeaderMap<H> = new Map();
  for (let i = 0; i < cells.length; i++) {
    const header = wanted.get(headerKey(cells[i] ?? ''));
    if (header === undefined) continue;
    if (map.has(header)) return { error: `表头“${header}”出现了两次（第${map.get(header)! + 1}列和第${i + 1}列）` };
    map.set(header, i);
  }
  const missing = spec.required.filter((h) => !map.has(h));
  if (missing.length > 0) {
    return { error: `${spec.title}缺少必需的列：${missing.join('、')}（第1行应为表头：${spec.headers.join('、')}）` };
  }
  return { ok: map };
}

/** Builds the record of one data row from its cells. */
export function rowRecord<H extends string>(cells: readonly string[], headers: HeaderMap<H>): RowRecord<H> {
  const record: RowRecord<H> = {};
  for (const [header, index] of headers) {
    const value = cells[index];
    if (value !== undefined) record[header] = value;
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// Field helpers

function text(record: RowRecord, header: string): string {
  return (record[header] ?? '').replace(/^\uFEFF/, '').trim();
}

/**
 * A free-text field under its policy (domain/textPolicy.ts): normalised, with a problem pushed when it is too
 * long or holds a refused character. `lengths` are the real lengths of cells the file reader cut short.
 */
function policed<H extends string>(
  record: RowRecord<H>,
  header: H,
  field: FieldName,
  problems: string[],
  lengths?: Partial<Record<H, number>>,
): string {
  const policy = FIELDS[field];
  const cut = lengths?.[header];
  if (cut !== undefined) {
    problems.push(problemMessage(header, { kind: 'tooLong', length: cut, max: policy.max }, '填写'));
    return '';
  }
  const value = normalizeText(text(record, header), { ...policy, label: header });
  const problem = textProblem(value, policy);
  if (problem) problems.push(problemMessage(header, problem, '填写'));
  return value;
}

/** Coded cells (codes, dates, lists of codes) are checked by their own rules; only their length is bounded here. */
function boundedLength<H extends string>(record: RowRecord<H>, header: H, max: number, problems: string[], lengths?: Partial<Record<H, number>>): boolean {
  const raw = record[header] ?? '';
  const length = lengths?.[header] ?? (raw.length > max ? charCount(raw) : raw.length);
  if (length <= max) return true;
  problems.push(problemMessage(header, { kind: 'tooLong', length, max }, '填写'));
  return false;
}

/** Longest accepted cell of a coded column (the longest valid value, a county or a dated text, is far shorter). */
const CODED_MAX = 40;

const DATE_FORMS = [/^(\d{4})-(\d{1,2})-(\d{1,2})$/, /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/, /^(\d{4})年(\d{1,2})月(\d{1,2})日$/];

/** A date cell's text as YYYY-MM-DD, or null when it is not a real calendar date in an accepted form. */
export function normalizeDate(raw: string): string | null {
  // A midnight time part, as some systems export dates ("2024-03-01 00:00:00"), is dropped.
  const value = raw.trim().replace(/\s+0{1,2}:00(:00)?$/, '');
  for (const form of DATE_FORMS) {
    const m = form.exec(value);
    if (m === null) continue;
    const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
    return isIsoDate(iso) ? iso : null;
  }
  return null;
}

/** Splits a list cell (角色, 回避企业) on 、 , ， ; ； and whitespace. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[、,，;；\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

const PHONE = /^[0-9+\-()（）\s转、,，/]{5,40}$/;
const OPEN_ID = /^ou_[0-9A-Za-z]+$/;

function countyProblem(county: string, allowCity: boolean): string | null {
  if (county === '') return '所属县区为空';
  if (YUNCHENG_COUNTIES.includes(county) || (allowCity && county === CITY_BUREAU)) return null;
  const accepted = `${allowCity ? `${CITY_BUREAU}或` : ''}${YUNCHENG_COUNTIES.join('、')}之一`;
  return `所属县区“${county}”无效，应为${accepted}`;
}

// ---------------------------------------------------------------------------------------------
// Enterprises

export function validateEnterpriseRow(
  record: RowRecord<EnterpriseHeader>,
  line: number,
  lengths?: Partial<Record<EnterpriseHeader, number>>,
): RowResult<Enterprise> {
  const problems: string[] = [];
  const need = (header: EnterpriseHeader, field: FieldName): string => {
    const before = problems.length;
    const value = policed(record, header, field, problems, lengths);
    if (value === '' && problems.length === before) problems.push(`${header}为空`);
    return value;
  };
  // Coded columns (codes, categories, dates): a cell far longer than any valid value is refused as it is.
  for (const h of ['统一社会信用代码', '产品类别', '有效期起', '有效期止', '所属县区', '信用风险等级'] as const) {
    boundedLength(record, h, CODED_MAX, problems, lengths);
  }
  if (problems.length > 0) return { error: { line, reason: problems.join('；') } };

  const name = need('企业名称', 'enterpriseName');
  const uscc = normalizeUscc(text(record, '统一社会信用代码'));
  const codeProblem = usccProblem(uscc);
  if (codeProblem !== null) problems.push(codeProblem);
  const licenceNo = need('许可证编号', 'licenceNo');
  const product = need('获证产品', 'product');

  const categoryText = text(record, '产品类别');
  if (categoryText === '') problems.push('产品类别为空');
  else if (!(PRODUCT_CATEGORIES as readonly string[]).includes(categoryText)) {
    problems.push(`产品类别“${categoryText}”无效，应为 ${PRODUCT_CATEGORIES.join(' 或 ')}`);
  }

  const date = (header: '有效期起' | '有效期止'): string | null => {
    const raw = text(record, header);
    if (raw === '') {
      problems.push(`${header}为空`);
      return null;
    }
    const iso = normalizeDate(raw);
    if (iso === null) problems.push(`${header}“${raw}”不是有效日期（应为YYYY-MM-DD）`);
    return iso;
  };
  const validFrom = date('有效期起');
  const validTo = date('有效期止');
  if (validFrom !== null && validTo !== null && validTo < validFrom) problems.push('有效期止早于有效期起');

  const county = text(record, '所属县区');
  const badCounty = countyProblem(county, false);
  if (badCounty !== null) problems.push(badCounty);
  const address = need('生产地址', 'address');

  const riskText = text(record, '信用风险等级').toUpperCase().replace(/类$/, '');
  if (!(RISK_CLASSES as readonly string[]).includes(riskText)) {
    const raw = text(record, '信用风险等级');
    problems.push(raw === '' ? '信用风险等级为空，应为 A/B/C/D' : `信用风险等级应为 A/B/C/D（收到“${raw}”）`);
  }

  const contact = policed(record, '联系人', 'contact', problems, lengths);
  const beforePhone = problems.length;
  const phone = policed(record, '联系电话', 'phone', problems, lengths);
  if (phone !== '' && problems.length === beforePhone && (!PHONE.test(phone) || !/\d{5}/.test(phone.replace(/[\s\-]/g, '')))) {
    problems.push(`联系电话“${phone}”格式错误`);
  }

  if (problems.length > 0) return { error: { line, reason: problems.join('；') } };
  const enterprise: Enterprise = {
    uscc,
    name,
    licenceNo,
    product,
    category: categoryText as ProductCategory,
    validFrom: validFrom as string,
    validTo: validTo as string,
    county,
    address,
    riskClass: riskText as RiskClass,
  };
  if (contact !== '') enterprise.contact = contact;
  if (phone !== '') enterprise.phone = phone;
  return { ok: enterprise };
}

// ---------------------------------------------------------------------------------------------
// Staff

export function validateStaffRow(
  record: RowRecord<StaffHeader>,
  line: number,
  lengths?: Partial<Record<StaffHeader, number>>,
): RowResult<Staff> {
  const problems: string[] = [];
  for (const h of ['飞书OpenID', '角色', '所属县区'] as const) boundedLength(record, h, CODED_MAX, problems, lengths);
  boundedLength(record, '回避企业', FIELDS.avoidList.max, problems, lengths);
  if (problems.length > 0) return { error: { line, reason: problems.join('；') } };

  const before = problems.length;
  const name = policed(record, '姓名', 'staffName', problems, lengths);
  if (name === '' && problems.length === before) problems.push('姓名为空');

  const openId = text(record, '飞书OpenID');
  if (openId === '') problems.push('飞书OpenID为空');
  else if (!OPEN_ID.test(openId)) problems.push(`飞书OpenID“${openId}”格式错误，应为 ou_ 加字母或数字`);

  const roleTexts = splitList(text(record, '角色'));
  const roles: StaffRole[] = [];
  if (roleTexts.length === 0) problems.push(`角色为空，应为${STAFF_ROLES.join('、')}中的一个或多个`);
  for (const r of roleTexts) {
    if ((STAFF_ROLES as readonly string[]).includes(r)) roles.push(r as StaffRole);
    else problems.push(`角色“${r}”无效，应为${STAFF_ROLES.join('、')}中的一个或多个（以“、”或“,”分隔）`);
  }
  const orderedRoles = STAFF_ROLES.filter((r) => roles.includes(r));

  const beforeUnit = problems.length;
  const unit = policed(record, '单位', 'unit', problems, lengths);
  if (unit === '' && problems.length === beforeUnit) problems.push('单位为空');

  const county = text(record, '所属县区');
  const badCounty = countyProblem(county, true);
  if (badCounty !== null) problems.push(badCounty);
  if (orderedRoles.includes('组长') && county !== '' && county !== CITY_BUREAU) {
    problems.push(`组长须为市局人员（所属县区应为“${CITY_BUREAU}”，收到“${county}”）`);
  }

  const businessLine = policed(record, '业务口', 'businessLine', problems, lengths);
  const expertise = policed(record, '专业领域', 'expertise', problems, lengths);
  if (orderedRoles.includes('专家') && expertise === '') problems.push('专家须填写专业领域（产品类别或产品名称）');

  const avoid: string[] = [];
  splitList(text(record, '回避企业')).forEach((raw, i) => {
    const code = normalizeUscc(raw);
    const problem = usccProblem(code);
    if (problem !== null) problems.push(`回避企业第${i + 1}个代码“${raw}”：${problem}`);
    else if (!avoid.includes(code)) avoid.push(code);
  });

  if (problems.length > 0) return { error: { line, reason: problems.join('；') } };
  const staff: Staff = { openId, name, roles: orderedRoles, unit, county, avoid };
  if (businessLine !== '') staff.businessLine = businessLine;
  if (expertise !== '') staff.expertise = expertise;
  return { ok: staff };
}

// ---------------------------------------------------------------------------------------------
// Whole files

export interface SourceRow<H extends string> {
  line: number;
  record: RowRecord<H>;
  /** Problems the file reader found in the row's cells (e.g. a number too long to be exact). */
  cellProblems?: readonly string[];
  /** Real lengths (characters) of cells the file reader cut short (registryFile.ts: cells over 5,000 characters). */
  lengths?: Partial<Record<H, number>>;
}

export interface ValidRow<T> {
  line: number;
  value: T;
}

export interface ValidationResult<T> {
  valid: ValidRow<T>[];
  rejected: RowRejection[];
}

/**
 * Validates rows in any number of portions (so that a caller may give the event loop a turn between them) while
 * keeping the rule that the first row with a key owns it across all portions.
 */
export class RowsValidator<H extends string, T> {
  private readonly firstLine = new Map<string, number>();
  /** the first line of each value of the other unique column, if any */
  private readonly firstOther = new Map<string, number>();
  private readonly valid: ValidRow<T>[] = [];
  private readonly rejected: RowRejection[] = [];

  constructor(
    private readonly validate: (record: RowRecord<H>, line: number, lengths?: Partial<Record<H, number>>) => RowResult<T>,
    private readonly keyOf: (record: RowRecord<H>) => string | null,
    private readonly keyName: string,
    /** another column no two rows may share (compared by `of`, shown as typed), e.g. the licence number */
    private readonly other?: { of: (record: RowRecord<H>) => { key: string; shown: string } | null; name: string },
  ) {}

  add(rows: readonly SourceRow<H>[]): this {
    for (const row of rows) {
      const result = this.validate(row.record, row.line, row.lengths);
      const problems = [...(row.cellProblems ?? [])];
      if ('error' in result) problems.push(result.error.reason);
      const key = this.keyOf(row.record);
      const first = key === null ? undefined : this.firstLine.get(key);
      if (key !== null) {
        if (first === undefined) this.firstLine.set(key, row.line);
        else problems.unshift(`${this.keyName}“${key}”与第${first}行重复`);
      }
      // the other column, unless the row repeats a key already (the same firm twice: said above)
      const other = first === undefined ? this.other?.of(row.record) : null;
      if (other) {
        const holder = this.firstOther.get(other.key);
        if (holder === undefined) this.firstOther.set(other.key, row.line);
        else problems.unshift(`${this.other!.name}“${other.shown}”与第${holder}行重复`);
      }
      if (problems.length > 0) this.rejected.push({ line: row.line, reason: [...new Set(problems)].join('；') });
      else if ('ok' in result) this.valid.push({ line: row.line, value: result.ok });
    }
    return this;
  }

  result(): ValidationResult<T> {
    return { valid: this.valid, rejected: this.rejected };
  }
}

export function enterpriseValidator(): RowsValidator<EnterpriseHeader, Enterprise> {
  return new RowsValidator<EnterpriseHeader, Enterprise>(
    validateEnterpriseRow,
    (r) => {
      const code = normalizeUscc(text(r, '统一社会信用代码'));
      return usccProblem(code) === null ? code : null;
    },
    '统一社会信用代码',
    {
      of: (r) => {
        const shown = text(r, '许可证编号');
        return shown === '' ? null : { key: licenceKey(shown), shown };
      },
      name: '许可证编号',
    },
  );
}

/**
 * A licence number compared as the same whatever width and case it was typed in: “（晋）XK13-015-00177” and
 * “(晋)xk13-015-00177” are one licence. Spaces are ignored.
 */
export function licenceKey(licenceNo: string): string {
  return licenceNo
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .toUpperCase();
}

export function staffValidator(): RowsValidator<StaffHeader, Staff> {
  return new RowsValidator<StaffHeader, Staff>(
    validateStaffRow,
    (r) => {
      const id = text(r, '飞书OpenID');
      return OPEN_ID.test(id) ? id : null;
    },
    '飞书OpenID',
  );
}

export function validateEnterpriseRows(rows: readonly SourceRow<EnterpriseHeader>[]): ValidationResult<Enterprise> {
  return enterpriseValidator().add(rows).result();
}

export function validateStaffRows(rows: readonly SourceRow<StaffHeader>[]): ValidationResult<Staff> {
  return staffValidator().add(rows).result();
}
