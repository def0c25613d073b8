import {
  ENTERPRISE_HEADERS,
  ENTERPRISE_SPEC,
  STAFF_HEADERS,
  STAFF_SPEC,
  YUNCHENG_COUNTIES,
  mapHeaders,
  normalizeDate,
  rowRecord,
  splitList,
  validateEnterpriseRow,
  validateEnterpriseRows,
  validateStaffRow,
  validateStaffRows,
  type EnterpriseHeader,
  type RowRecord,
  type StaffHeader,
} from '../../src/domain/registryRows';
import { generateSampleData } from '../../src/domain/sampleData';
import { isValidUscc, usccCheckChar } from '../../src/domain/uscc';

const CODE_A = withCheck('91140802MA0KXXXX1');
const CODE_B = withCheck('91140881MA0KYYYY2');

function withCheck(first17: string): string {
  return first17 + usccCheckChar(first17);
}

function wrongCheck(code: string): string {
  const chars = '0123456789';
  const last = code.charAt(17);
  return code.slice(0, 17) + (chars.includes(last) ? chars.charAt((chars.indexOf(last) + 1) % 10) : '0');
}

function enterprise(over: Partial<Record<EnterpriseHeader, string>> = {}): RowRecord<EnterpriseHeader> {
  return {
    企业名称: '盐湖瑞丰电缆有限公司（示例）',
    统一社会信用代码: CODE_A,
    许可证编号: '（晋）XK06-001-00123',
    获证产品: '电线电缆',
    产品类别: '工业产品',
    有效期起: '2022-03-01',
    有效期止: '2027-02-28',
    所属县区: '盐湖区',
    生产地址: '山西省运城市盐湖区工业园区1号',
    信用风险等级: 'B',
    联系人: '王建国',
    联系电话: '0359-2123456',
    ...over,
  };
}

function staff(over: Partial<Record<StaffHeader, string>> = {}): RowRecord<StaffHeader> {
  return {
    姓名: '李志强',
    飞书OpenID: 'ou_0123456789abcdef0123456789abcdef',
    角色: '执法人员',
    单位: '盐湖区市场监督管理局',
    所属县区: '盐湖区',
    业务口: '产品质量安全',
    专业领域: '',
    回避企业: '',
    ...over,
  };
}

function reasonOf(result: ReturnType<typeof validateEnterpriseRow> | ReturnType<typeof validateStaffRow>): string {
  if (!('error' in result)) throw new Error('expected a rejection');
  return result.error.reason;
}

describe('header mapping', () => {
  it('maps headers in any order, ignores extra columns, tolerates BOM and whitespace', () => {
    const cells = ['备注', ...[...ENTERPRISE_HEADERS].reverse()];
    cells[1] = ` ${cells[1]} `;
    cells[0] = '\uFEFF备注';
    const mapped = mapHeaders(cells, ENTERPRISE_SPEC);
    if (!('ok' in mapped)) throw new Error(mapped.error);
    expect(mapped.ok.get('联系电话')).toBe(1);
    expect(mapped.ok.get('企业名称')).toBe(12);
    const record = rowRecord(['x', '0359-1', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', '名称'], mapped.ok);
    expect(record['企业名称']).toBe('名称');
    expect(record['联系电话']).toBe('0359-1');
  });

  it('matches 飞书OpenID case- and space-insensitively, with a BOM on the first header', () => {
    const mapped = mapHeaders(['\uFEFF姓名', '飞书 openid', '角色', '单位', '所属县区'], STAFF_SPEC);
    expect('ok' in mapped).toBe(true);
  });

  it('names every missing required header; 联系人/联系电话 and 业务口/专业领域/回避企业 are optional', () => {
    const cells = ENTERPRISE_HEADERS.filter((h) => h !== '统一社会信用代码' && h !== '有效期止' && h !== '联系人' && h !== '联系电话');
    const mapped = mapHeaders(cells, ENTERPRISE_SPEC);
    expect(mapped).toEqual({ error: expect.stringContaining('缺少必需的列：统一社会信用代码、有效期止（') });
    expect('ok' in mapHeaders(['姓名', '飞书OpenID', '角色', '单位', '所属县区'], STAFF_SPEC)).toBe(true);
    expect(mapHeaders(['姓名', '角色', '单位'], STAFF_SPEC)).toEqual({ error: expect.stringContaining('飞书OpenID、所属县区') });
  });

  it('refuses a header given twice', () => {
    expect(mapHeaders([...STAFF_HEADERS, '姓名'], STAFF_SPEC)).toEqual({ error: expect.stringContaining('表头“姓名”出现了两次') });
  });
});

describe('validateEnterpriseRow', () => {
  it('accepts a good row and normalises code, risk class and dates', () => {
    const result = validateEnterpriseRow(
      enterprise({ 统一社会信用代码: ` ${CODE_A.toLowerCase()} `, 信用风险等级: 'c类', 有效期起: '2022/3/1', 有效期止: '2027年2月28日' }),
      2,
    );
    expect(result).toEqual({
      ok: {
        uscc: CODE_A,
        name: '盐湖瑞丰电缆有限公司（示例）',
        licenceNo: '（晋）XK06-001-00123',
        product: '电线电缆',
        category: '工业产品',
        validFrom: '2022-03-01',
        validTo: '2027-02-28',
        county: '盐湖区',
        address: '山西省运城市盐湖区工业园区1号',
        riskClass: 'C',
        contact: '王建国',
        phone: '0359-2123456',
      },
    });
  });

  it('leaves out empty optional fields', () => {
    const result = validateEnterpriseRow(enterprise({ 联系人: '', 联系电话: ' ' }), 2);
    expect('ok' in result && result.ok.contact === undefined && result.ok.phone === undefined).toBe(true);
  });

  it.each<[string, Partial<Record<EnterpriseHeader, string>>, string]>([
    ['bad check digit', { 统一社会信用代码: wrongCheck(CODE_A) }, `统一社会信用代码校验位错误（应为${CODE_A.charAt(17)}）`],
    ['short code', { 统一社会信用代码: '9114' }, '统一社会信用代码应为18位，实际为4位'],
    ['empty code', { 统一社会信用代码: '' }, '统一社会信用代码为空'],
    ['illegal character', { 统一社会信用代码: `${CODE_A.slice(0, 5)}I${CODE_A.slice(6)}` }, '统一社会信用代码第6位“I”不是合法字符'],
    ['unknown category', { 产品类别: '食品' }, '产品类别“食品”无效，应为 工业产品 或 食品相关产品'],
    ['empty category', { 产品类别: '' }, '产品类别为空'],
    ['missing name', { 企业名称: '  ' }, '企业名称为空'],
    ['missing licence', { 许可证编号: '' }, '许可证编号为空'],
    ['missing product', { 获证产品: '' }, '获证产品为空'],
    ['missing address', { 生产地址: '' }, '生产地址为空'],
    ['expiry before start', { 有效期起: '2024-05-01', 有效期止: '2024-04-30' }, '有效期止早于有效期起'],
    ['not a date', { 有效期止: '2024-02-30' }, '有效期止“2024-02-30”不是有效日期（应为YYYY-MM-DD）'],
    ['empty date', { 有效期起: '' }, '有效期起为空'],
    ['bad risk class', { 信用风险等级: 'E' }, '信用风险等级应为 A/B/C/D（收到“E”）'],
    ['empty risk class', { 信用风险等级: '' }, '信用风险等级为空，应为 A/B/C/D'],
    ['unknown county', { 所属县区: '太原市' }, '所属县区“太原市”无效，应为盐湖区、永济市'],
    ['city bureau is no enterprise county', { 所属县区: '市局' }, '所属县区“市局”无效'],
    ['empty county', { 所属县区: '' }, '所属县区为空'],
    ['bad phone', { 联系电话: '无' }, '联系电话“无”格式错误'],
  ])('rejects %s', (_what, over, reason) => {
    const result = validateEnterpriseRow(enterprise(over), 7);
    expect('error' in result && result.error.line).toBe(7);
    expect(reasonOf(result)).toContain(reason);
  });

  it('reports every problem of a row at once', () => {
    const reason = reasonOf(validateEnterpriseRow(enterprise({ 企业名称: '', 产品类别: '其他', 信用风险等级: 'X' }), 3));
    expect(reason.split('；')).toHaveLength(3);
  });
});

describe('validateStaffRow', () => {
  it('accepts roles separated by 、 , and ，, de-duplicated in the fixed order, and 回避 codes', () => {
    const result = validateStaffRow(
      staff({ 角色: '专家，执法人员,专家、联络员', 专业领域: '工业产品、电线电缆', 回避企业: `${CODE_A}, ${CODE_B.toLowerCase()}、${CODE_A}` }),
      4,
    );
    expect(result).toEqual({
      ok: {
        openId: 'ou_0123456789abcdef0123456789abcdef',
        name: '李志强',
        roles: ['执法人员', '专家', '联络员'],
        unit: '盐湖区市场监督管理局',
        county: '盐湖区',
        businessLine: '产品质量安全',
        expertise: '工业产品、电线电缆',
        avoid: [CODE_A, CODE_B],
      },
    });
  });

  it('accepts a 市局 组长 and a 市局 领导 without optional fields', () => {
    const result = validateStaffRow(staff({ 角色: '组长、领导', 所属县区: '市局', 业务口: '', 回避企业: '' }), 2);
    expect('ok' in result && result.ok.roles).toEqual(['组长', '领导']);
    expect('ok' in result && result.ok.businessLine).toBeUndefined();
  });

  it.each<[string, Partial<Record<StaffHeader, string>>, string]>([
    ['missing name', { 姓名: '' }, '姓名为空'],
    ['missing OpenID', { 飞书OpenID: '' }, '飞书OpenID为空'],
    ['bad OpenID', { 飞书OpenID: 'on_123' }, '飞书OpenID“on_123”格式错误，应为 ou_ 加字母或数字'],
    ['OpenID with other characters', { 飞书OpenID: 'ou_12-34' }, '格式错误'],
    ['unknown role', { 角色: '执法人员、科员' }, '角色“科员”无效'],
    ['no role', { 角色: ' ' }, '角色为空'],
    ['missing unit', { 单位: '' }, '单位为空'],
    ['unknown county', { 所属县区: '运城' }, '所属县区“运城”无效，应为市局或盐湖区'],
    ['county 组长', { 角色: '组长', 所属县区: '夏县' }, '组长须为市局人员（所属县区应为“市局”，收到“夏县”）'],
    ['expert without 专业领域', { 角色: '专家', 专业领域: '' }, '专家须填写专业领域'],
    ['bad 回避 code', { 回避企业: `${CODE_A}、${wrongCheck(CODE_B)}` }, `回避企业第2个代码“${wrongCheck(CODE_B)}”：统一社会信用代码校验位错误（应为${CODE_B.charAt(17)}）`],
  ])('rejects %s', (_what, over, reason) => {
    expect(reasonOf(validateStaffRow(staff(over), 5))).toContain(reason);
  });
});

describe('whole files', () => {
  it('rejects the second and later rows with the same code, naming the first line', () => {
    const rows = [
      { line: 2, record: enterprise() },
      { line: 3, record: enterprise({ 统一社会信用代码: CODE_B, 许可证编号: '（晋）XK13-015-00002' }) },
      { line: 5, record: enterprise({ 企业名称: '另一家（示例）' }) },
      { line: 6, record: enterprise({ 统一社会信用代码: CODE_A.toLowerCase(), 产品类别: 'x' }) },
    ];
    const { valid, rejected } = validateEnterpriseRows(rows);
    expect(valid.map((v) => v.line)).toEqual([2, 3]);
    expect(rejected).toEqual([
      { line: 5, reason: `统一社会信用代码“${CODE_A}”与第2行重复` },
      { line: 6, reason: expect.stringMatching(new RegExp(`^统一社会信用代码“${CODE_A}”与第2行重复；产品类别“x”无效`)) },
    ]);
  });

  it('a duplicate of a rejected row is still a duplicate', () => {
    const { valid, rejected } = validateEnterpriseRows([
      { line: 2, record: enterprise({ 产品类别: '?' }) },
      { line: 3, record: enterprise() },
    ]);
    expect(valid).toEqual([]);
    expect(rejected.map((r) => r.line)).toEqual([2, 3]);
    expect(rejected[1]?.reason).toContain('与第2行重复');
  });

  it('rejects duplicate OpenIDs and cell problems found by the reader', () => {
    const { valid, rejected } = validateStaffRows([
      { line: 2, record: staff() },
      { line: 3, record: staff({ 姓名: '另一人' }) },
      { line: 4, record: staff({ 飞书OpenID: 'ou_abc' }), cellProblems: ['“回避企业”是数字格式'] },
    ]);
    expect(valid.map((v) => v.line)).toEqual([2]);
    expect(rejected).toEqual([
      { line: 3, reason: '飞书OpenID“ou_0123456789abcdef0123456789abcdef”与第2行重复' },
      { line: 4, reason: '“回避企业”是数字格式' },
    ]);
  });
});

describe('helpers', () => {
  it('normalizeDate accepts the usual spreadsheet forms and refuses impossible dates', () => {
    expect(normalizeDate('2024-3-5')).toBe('2024-03-05');
    expect(normalizeDate('2024.03.05')).toBe('2024-03-05');
    expect(normalizeDate('2024/12/31')).toBe('2024-12-31');
    expect(normalizeDate('2024-02-29')).toBe('2024-02-29');
    expect(normalizeDate('2024-03-05 00:00:00')).toBe('2024-03-05');
    expect(normalizeDate('2024-03-05 12:00')).toBeNull();
    expect(normalizeDate('2023-02-29')).toBeNull();
    expect(normalizeDate('20240305')).toBeNull();
    expect(normalizeDate('2024-13-01')).toBeNull();
  });

  it('splitList splits on 、 , ， ; and spaces', () => {
    expect(splitList('a、b,c，d;e f')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(splitList('  ')).toEqual([]);
  });
});

describe('sample data (pure)', () => {
  const data = generateSampleData({ year: 2024 });

  it('is deterministic and changes with the seed', () => {
    expect(generateSampleData({ year: 2024 })).toEqual(data);
    expect(generateSampleData({ year: 2024, seed: 7 }).enterprises[0]).not.toEqual(data.enterprises[0]);
  });

  it('covers every county with valid, unique codes and a realistic risk mix', () => {
    expect(data.enterprises).toHaveLength(600);
    expect(new Set(data.enterprises.map((e) => e.county))).toEqual(new Set(YUNCHENG_COUNTIES));
    expect(data.enterprises.every((e) => isValidUscc(e.uscc) && e.uscc.startsWith('911408'))).toBe(true);
    expect(new Set(data.enterprises.map((e) => e.uscc)).size).toBe(600);
    expect(new Set(data.enterprises.map((e) => e.licenceNo)).size).toBe(600);
    expect(data.enterprises.every((e) => /^（晋）XK\d{2}-\d{3}-\d{5}$/.test(e.licenceNo) && e.name.endsWith('（示例）'))).toBe(true);
    const share = (rc: string) => data.enterprises.filter((e) => e.riskClass === rc).length / 600;
    expect(share('A')).toBeGreaterThan(0.45);
    expect(share('D')).toBeGreaterThan(0.01);
    expect(data.enterprises.filter((e) => e.category === '食品相关产品').length).toBeGreaterThan(100);
    expect(data.enterprises.filter((e) => e.validTo < '2024-01-01').length).toBeGreaterThan(5);
  });

  it('has staff in every county, city 组长/领导/联络员, experts for every product and 回避 entries', () => {
    const { staff: people, enterprises } = data;
    expect(new Set(people.map((s) => s.openId)).size).toBe(people.length);
    expect(people.every((s) => /^ou_[0-9a-f]{32}$/.test(s.openId))).toBe(true);
    for (const county of YUNCHENG_COUNTIES) {
      expect(people.filter((s) => s.county === county && s.roles.includes('联络员'))).toHaveLength(1);
      expect(people.filter((s) => s.county === county && s.roles.includes('执法人员')).length).toBeGreaterThanOrEqual(5);
    }
    expect(people.filter((s) => s.roles.includes('组长')).every((s) => s.county === '市局')).toBe(true);
    expect(people.filter((s) => s.roles.includes('组长')).length).toBeGreaterThanOrEqual(6);
    expect(people.some((s) => s.roles.includes('领导'))).toBe(true);
    expect(people.filter((s) => s.county === '市局' && s.roles.includes('联络员'))).toHaveLength(1);
    for (const product of new Set(enterprises.map((e) => e.product))) {
      expect(people.some((s) => s.roles.includes('专家') && (s.expertise ?? '').split('、').includes(product))).toBe(true);
    }
    const codes = new Set(enterprises.map((e) => e.uscc));
    const avoid = people.flatMap((s) => s.avoid);
    expect(avoid.length).toBeGreaterThan(5);
    expect(avoid.every((c) => codes.has(c))).toBe(true);
  });
});
