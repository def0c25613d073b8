/**
 * The platform's draw file: header recognition, row reading, and the matcher (enterprises by 统一社会信用代码,
 * inspectors by name), with every refusal and warning the preview lists by line.
 */
import { recogniseHeader } from '../../src/domain/setupFiles';
import {
  matchPlatformRows,
  parseNameEntry,
  pickLicence,
  readPlatformRows,
  splitNames,
  type PlatformEnterprise,
  type PlatformRow,
  type PlatformStaff,
} from '../../src/domain/platformDraw';
import { ENTERPRISE_HEADERS } from '../../src/domain/registryRows';
import { usccCheckChar } from '../../src/domain/uscc';

const code = (n: number) => {
  const first = `91140800MA0K${String(n).padStart(5, '0')}`;
  return first + usccCheckChar(first);
};
const A = code(1);
const B = code(2);
const C = code(3);

const NAMES: Record<string, string> = { [A]: '运城市甲电缆有限公司', [B]: '运城市乙包装有限公司', [C]: '运城市丙电缆有限公司' };
const firm = (uscc: string, o: Partial<PlatformEnterprise> = {}): PlatformEnterprise => ({
  uscc,
  name: NAMES[uscc]!,
  licenceNo: `晋XK06-001-${uscc.slice(12, 17)}`,
  product: '电线电缆',
  category: '工业产品',
  riskClass: 'B',
  county: '永济市',
  validTo: '2027-05-31',
  ...o,
});

const REGISTRY = new Map<string, PlatformEnterprise[]>([
  [A, [firm(A, { licenceNo: 'L-2', validTo: '2026-01-01' }), firm(A, { licenceNo: 'L-1', validTo: '2028-01-01' })]],
  [B, [firm(B, { name: '运城市（河东）包装有限公司', county: '盐湖区', category: '食品相关产品' })]],
  [C, [firm(C, { validTo: '2024-01-31' })]],
]);

const person = (openId: string, name: string, roles: PlatformStaff['roles'], county: string, unit: string, avoid: string[] = []): PlatformStaff => ({
  openId,
  name,
  roles,
  county,
  unit,
  avoid,
});

const STAFF: PlatformStaff[] = [
  person('ou_leader', '王建国', ['组长'], '市局', '运城市市场监督管理局'),
  person('ou_leader2', '刘强', ['组长', '执法人员'], '市局', '运城市市场监督管理局'),
  person('ou_officer', '李明', ['执法人员'], '盐湖区', '盐湖区市场监督管理局'),
  person('ou_expert', '张华', ['专家'], '市局', '运城市产品质量检验检测中心'),
  person('ou_wang1', '王伟', ['执法人员'], '永济市', '永济市市场监督管理局'),
  person('ou_wang2', '王伟', ['执法人员'], '夏县', '夏县市场监督管理局'),
  person('ou_liaison', '赵丽', ['联络员'], '永济市', '永济市市场监督管理局'),
  person('ou_avoid', '钱进', ['执法人员'], '河津市', '河津市市场监督管理局', [B]),
];

const OPTS = { campaignStart: '2024-03-15', excludeOwnCounty: true };

let line = 1;
function row(o: Partial<PlatformRow>): PlatformRow {
  line += 1;
  return { line, uscc: A, firmName: '', inspectors: '王建国、李明', leader: null, taskNo: null, cellProblems: [], ...o };
}

function match(...rows: PlatformRow[]) {
  return matchPlatformRows(rows, REGISTRY, STAFF, OPTS);
}

describe('recognising the file', () => {
  it('knows the platform header, with or without the optional columns and extra ones', () => {
    expect(recogniseHeader(['统一社会信用代码', '企业名称', '检查人员'])).toEqual({ kind: 'platformDraw' });
    expect(recogniseHeader(['任务编号', ' 企业名称 ', '统一社会信用代码', '检查事项', '检查人员', '组长'])).toEqual({ kind: 'platformDraw' });
  });

  it('an export that also has every registry column is still the platform draw (检查人员 is in no registry)', () => {
    expect(recogniseHeader([...ENTERPRISE_HEADERS, '检查人员'])).toEqual({ kind: 'platformDraw' });
    expect(recogniseHeader([...ENTERPRISE_HEADERS])).toEqual({ kind: 'enterprises' });
  });

  it('a header with 检查人员 but a required column missing names it', () => {
    const r = recogniseHeader(['企业名称', '检查人员']);
    expect(r).toMatchObject({ kind: 'incomplete', title: '监管平台抽取结果' });
    expect((r as { error: string }).error).toContain('统一社会信用代码');
  });

  it('reads rows by header, skips blank rows, reports cells that lost digits', () => {
    const read = readPlatformRows([
      { line: 1, cells: ['检查人员', '企业名称', '统一社会信用代码', '组长', '任务编号'] },
      { line: 2, cells: ['王建国、李明', '甲公司', ` ${A} `, '', 'T-1'] },
      { line: 3, cells: ['', '', '', '', ''] },
      { line: 4, cells: ['李明', '乙公司', '9.11408E+17', '王建国', ''], inexact: [2] },
    ]);
    expect('ok' in read).toBe(true);
    const rows = (read as { ok: PlatformRow[] }).ok;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ line: 2, uscc: A, firmName: '甲公司', inspectors: '王建国、李明', leader: null, taskNo: 'T-1', cellProblems: [] });
    expect(rows[1]).toMatchObject({ line: 4, leader: '王建国', taskNo: null });
    expect(rows[1]!.cellProblems[0]).toContain('统一社会信用代码');
  });

  it('splits names on 、 (and , ， ; ；), and reads 姓名（县区）', () => {
    expect(splitNames(' 王建国、李明，张华;  ')).toEqual(['王建国', '李明', '张华']);
    expect(parseNameEntry('王 伟（夏县）')).toEqual({ name: '王伟', qualifier: '夏县' });
    expect(parseNameEntry('王伟(永济市市场监督管理局)')).toEqual({ name: '王伟', qualifier: '永济市市场监督管理局' });
    expect(parseNameEntry('阿依古丽·买买提')).toEqual({ name: '阿依古丽·买买提', qualifier: null });
  });

  it('picks the licence as the draw does: the latest 有效期止, then the smaller 许可证编号', () => {
    expect(pickLicence(REGISTRY.get(A)!)!.licenceNo).toBe('L-1');
    expect(pickLicence([{ validTo: '2027-01-01', licenceNo: 'b' }, { validTo: '2027-01-01', licenceNo: 'a' }])!.licenceNo).toBe('a');
  });
});

describe('matching', () => {
  it('a clean row: the registry licence, the 组长 first (the first name that is a 组长), roles from the registry', () => {
    const r = row({ uscc: A.toLowerCase(), firmName: '运城市甲电缆有限公司', inspectors: '李明、王建国、张华', taskNo: 'SJ-2024-001' });
    const m = match(r);
    expect(m.problems).toEqual([]);
    expect(m.rows).toBe(1);
    expect(m.firms).toHaveLength(1);
    const f = m.firms[0]!;
    expect(f.enterprise).toMatchObject({ uscc: A, licenceNo: 'L-1', county: '永济市' });
    expect(f.taskNo).toBe('SJ-2024-001');
    expect(f.team.map((t) => [t.name, t.role])).toEqual([
      ['王建国', '组长'],
      ['李明', '执法人员'],
      ['张华', '专家'],
    ]);
    expect(m.warnings).toEqual([]);
  });

  it('refuses an unknown code, an invalid one, and one firm on two rows, by line', () => {
    const unknown = code(99);
    const bad = `${A.slice(0, 17)}${A.endsWith('0') ? '1' : '0'}`;
    const r1 = row({ uscc: unknown, firmName: '某公司' });
    const r2 = row({ uscc: bad });
    const r3 = row({ uscc: B, inspectors: '王建国、李明' });
    const r4 = row({ uscc: B, inspectors: '王建国、李明' });
    const m = match(r1, r2, r3, r4);
    expect(m.problems).toEqual([
      { line: r1.line, reason: `统一社会信用代码 ${unknown}（某公司）不在检查对象名录库中：请先导入该企业，或核对代码` },
      { line: r2.line, reason: expect.stringContaining('校验位错误') },
      { line: r4.line, reason: `与第${r3.line}行是同一家企业（${B}）：每家企业只能有一行` },
    ]);
    expect(m.firms.map((f) => f.line)).toEqual([r3.line]);
  });

  it('a different 企业名称 is a warning (the registry name is used); brackets of either width are the same name', () => {
    const r1 = row({ uscc: A, firmName: '运城市某某电缆厂' });
    const r2 = row({ uscc: B, firmName: '运城市(河东)包装有限公司', inspectors: '王建国、王伟（夏县）' });
    const m = match(r1, r2);
    expect(m.problems).toEqual([]);
    expect(m.warnings).toEqual([
      { line: r1.line, reason: '企业名称与名录库不同：文件为“运城市某某电缆厂”，名录库为“运城市甲电缆有限公司”（按统一社会信用代码匹配，以名录库为准）' },
    ]);
    expect(m.firms[0]!.enterprise.name).toBe('运城市甲电缆有限公司');
    expect(m.firms).toHaveLength(2);
  });

  it('refuses an unknown name and an ambiguous one (two staff of one name), and accepts 姓名（县区）', () => {
    const r1 = row({ inspectors: '王建国、李小明' });
    const r2 = row({ uscc: B, inspectors: '王建国、王伟' });
    const r3 = row({ uscc: C, inspectors: '王建国、王伟（永济市）' });
    const m = match(r1, r2, r3);
    expect(m.problems).toEqual([
      { line: r1.line, reason: '检查人员：“李小明”不在执法检查人员名录库中' },
      {
        line: r2.line,
        reason:
          '检查人员：姓名“王伟”在人员名录中有2人（永济市市场监督管理局，永济市；夏县市场监督管理局，夏县），无法确定是谁：请在文件中写成“王伟（所属县区）”或“王伟（单位）”以区分',
      },
    ]);
    expect(m.firms.map((f) => f.line)).toEqual([r3.line]);
    expect(m.firms[0]!.team.map((t) => t.openId)).toEqual(['ou_leader', 'ou_wang1']);
  });

  it('a 组长 column naming someone who is not a 组长 in the registry is refused with a clear line', () => {
    const r = row({ inspectors: '李明、王建国', leader: '李明' });
    const m = match(r);
    expect(m.problems).toEqual([
      { line: r.line, reason: '组长“李明”在人员名录中不是组长（角色：执法人员）：请核对“组长”列，或在人员名录中为其登记“组长”角色' },
    ]);
    expect(m.firms).toEqual([]);
  });

  it('the 组长 column decides among several 组长; a 组长 not among 检查人员 is added with a warning', () => {
    const r1 = row({ inspectors: '王建国、刘强、李明', leader: '刘强' });
    const r2 = row({ uscc: B, inspectors: '王伟（夏县）、张华', leader: '王建国' });
    const m = match(r1, r2);
    expect(m.problems).toEqual([]);
    expect(m.firms[0]!.team.map((t) => [t.name, t.role])).toEqual([
      ['刘强', '组长'],
      ['王建国', '执法人员'],
      ['李明', '执法人员'],
    ]);
    expect(m.firms[1]!.team.map((t) => t.openId)).toEqual(['ou_leader', 'ou_wang2', 'ou_expert']);
    expect(m.warnings).toEqual([{ line: r2.line, reason: '组长“王建国”不在“检查人员”中，已作为组长加入检查组' }]);
  });

  it('refuses a team without a 组长, an empty 检查人员, and someone who is only a liaison', () => {
    const r1 = row({ inspectors: '李明、张华' });
    const r2 = row({ uscc: B, inspectors: '' });
    const r3 = row({ uscc: C, inspectors: '王建国、赵丽、李明' });
    const m = match(r1, r2, r3);
    expect(m.problems).toEqual([
      { line: r1.line, reason: '检查人员中没有人员名录里的组长：请在“组长”列写明组长，或在人员名录中为组长登记“组长”角色' },
      { line: r2.line, reason: '“检查人员”为空' },
      { line: r3.line, reason: '检查人员“赵丽”在人员名录中的角色是联络员，不是组长、执法人员或专家' },
    ]);
  });

  it('refuses a member who must avoid the firm (回避企业)', () => {
    const r = row({ uscc: B, inspectors: '王建国、钱进' });
    expect(match(r).problems).toEqual([
      { line: r.line, reason: `“钱进”须回避运城市（河东）包装有限公司（人员名录“回避企业”中有 ${B}）：请调整检查人员` },
    ]);
  });

  it('warns (does not refuse) where the bot’s own rules would differ: own county, no county officer, one officer, an expired licence, twice-listed names and task numbers', () => {
    const r1 = row({ uscc: B, inspectors: '王建国、李明、李明', taskNo: 'T1' }); // 李明 is of 盐湖区, the firm too
    const r2 = row({ uscc: C, inspectors: '王建国、张华', taskNo: 'T1' });
    const m = match(r1, r2);
    expect(m.problems).toEqual([]);
    expect(m.firms).toHaveLength(2);
    expect(m.warnings).toEqual([
      { line: r1.line, reason: '检查人员中“李明”出现了两次（只计一次）' },
      { line: r1.line, reason: '“李明”（盐湖区）检查本县区企业，本专项规定县区人员不检查本县区企业' },
      { line: r2.line, reason: '运城市丙电缆有限公司的许可证（晋XK06-001-00003）有效期止 2024-01-31，早于专项开始日 2024-03-15' },
      { line: r2.line, reason: '任务编号“T1”与第' + r1.line + '行相同' },
      { line: r2.line, reason: '检查组没有县区执法人员（通知要求检查组由市、县两级执法监管人员组成）' },
      { line: r2.line, reason: '检查组只有1名执法人员（执法检查应有两名以上执法人员）' },
    ]);
  });

  it('a file with only its header is refused', () => {
    expect(match().problems).toEqual([{ reason: '文件只有表头，没有数据行' }]);
  });
});
