import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { runCli, type CliIo } from '../../src/cli';
import { computeCounts, strataSizes } from '../../src/domain/draw';
import { eligiblePopulation } from '../../src/domain/population';
import { ENTERPRISE_HEADERS, STAFF_HEADERS } from '../../src/domain/registryRows';
import { checkStaffing } from '../../src/domain/teams';
import { usccCheckChar } from '../../src/domain/uscc';
import { CampaignError, createCampaign, findActiveCampaign, listCampaigns, validateCampaign } from '../../src/operations/campaigns';
import { importEnterprises } from '../../src/operations/importEnterprises';
import { importStaff } from '../../src/operations/importStaff';
import { RegistryFileError } from '../../src/operations/registryFile';
import { writeSampleData } from '../../src/operations/writeSampleData';
import { campaignModel } from '../../src/store/campaign';
import { enterpriseModel, loadEnterprises } from '../../src/store/enterprise';
import { staffModel } from '../../src/store/staff';
import { openTestDb, type TestDb } from '../support/db';

jest.setTimeout(120_000);

let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await openTestDb('import');
  dir = await mkdtemp(path.join(tmpdir(), 'spotcheck-import-'));
});

afterAll(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function clear(): Promise<void> {
  await Promise.all([enterpriseModel(db.conn).deleteMany({}), staffModel(db.conn).deleteMany({}), campaignModel(db.conn).deleteMany({})]);
}

/** A valid code with the given region and serial; `digitsOnly` searches a code made of digits only. */
function code(region: string, serial: number, digitsOnly = false): string {
  for (let s = serial; ; s++) {
    const first17 = `91${region}${String(s).padStart(9, '0')}`;
    const check = usccCheckChar(first17);
    if (!digitsOnly || /\d/.test(check)) return first17 + check;
  }
}

function badCheck(c: string): string {
  const digits = '0123456789';
  const last = c.charAt(17);
  return c.slice(0, 17) + (digits.includes(last) ? digits.charAt((digits.indexOf(last) + 1) % 10) : '0');
}

const C1 = code('140802', 1);
const C2 = code('140881', 2);
const C3 = code('140882', 3);
const C4 = code('140821', 4);

type Row = Partial<Record<(typeof ENTERPRISE_HEADERS)[number], string>>;

function row(uscc: string, over: Row = {}): Row {
  return {
    企业名称: `示例企业${uscc.slice(-4)}（示例）`,
    统一社会信用代码: uscc,
    许可证编号: `（晋）XK06-001-${uscc.slice(-6)}`, // one per firm, as licences are
    获证产品: '电线电缆',
    产品类别: '工业产品',
    有效期起: '2022-01-10',
    有效期止: '2027-01-09',
    所属县区: '盐湖区',
    生产地址: '山西省运城市盐湖区工业园区1号',
    信用风险等级: 'A',
    联系人: '王建国',
    联系电话: '13900000000',
    ...over,
  };
}

function csvOf(headers: readonly string[], rows: Record<string, string | undefined>[]): string {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [headers.join(','), ...rows.map((r) => headers.map((h) => field(r[h] ?? '')).join(','))].join('\n');
}

async function writeText(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content, 'utf8');
  return file;
}

describe('import enterprises from CSV', () => {
  beforeAll(clear);

  it('imports the good rows and reports every bad one with its line number', async () => {
    // Columns in another order, an extra column, a BOM, a blank line, a quoted cell with a comma.
    const headers = ['备注', ...[...ENTERPRISE_HEADERS].reverse()];
    const lines = csvOf(headers, [
      { ...row(C1, { 生产地址: '山西省运城市盐湖区工业园区1号, 东区' }), 备注: 'x' }, // line 2
      row(badCheck(C2)), // 3
      row(C3, { 产品类别: '电子产品' }), // 4
      row(C4, { 企业名称: '' }), // 5
      row(C1, { 企业名称: '重复（示例）' }), // 6
    ]).split('\n');
    const content = `\uFEFF${[...lines, '', csvOf(headers, [row(C2, { 有效期起: '2022/5/1', 有效期止: '2027/4/30' })]).split('\n')[1]].join('\r\n')}\r\n`;
    const file = await writeText('enterprises.csv', content);

    const report = await importEnterprises(db.conn, file);
    expect(report.format).toBe('csv');
    expect(report.total).toBe(6);
    expect(report.imported).toEqual({ inserted: 2, updated: 0 });
    expect(report.rejected).toEqual([
      { line: 3, reason: `统一社会信用代码校验位错误（应为${C2.charAt(17)}）` },
      { line: 4, reason: '产品类别“电子产品”无效，应为 工业产品 或 食品相关产品' },
      { line: 5, reason: '企业名称为空' },
      { line: 6, reason: `统一社会信用代码“${C1}”与第2行重复` },
    ]);
    const docs = await enterpriseModel(db.conn).find().sort({ uscc: 1 }).lean();
    expect(docs.map((d) => d.uscc)).toEqual([C1, C2].sort());
    const second = docs.find((d) => d.uscc === C2);
    expect(second).toMatchObject({ validFrom: '2022-05-01', validTo: '2027-04-30', riskClass: 'A', county: '盐湖区' });
    expect(docs.find((d) => d.uscc === C1)?.address).toBe('山西省运城市盐湖区工业园区1号, 东区');
  });

  it('a dry run changes nothing but reports the same counts', async () => {
    const file = await writeText('dry.csv', csvOf(ENTERPRISE_HEADERS, [row(C1, { 企业名称: '改名（示例）' }), row(C3), row(C4, { 信用风险等级: 'E' })]));
    const before = await enterpriseModel(db.conn).find().sort({ uscc: 1 }).lean();
    const dry = await importEnterprises(db.conn, file, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.imported).toEqual({ inserted: 1, updated: 1 });
    expect(dry.rejected).toEqual([{ line: 4, reason: '信用风险等级应为 A/B/C/D（收到“E”）' }]);
    const after = await enterpriseModel(db.conn).find().sort({ uscc: 1 }).lean();
    expect(after).toEqual(before);

    const real = await importEnterprises(db.conn, file);
    expect({ ...real, dryRun: true }).toEqual(dry);
  });

  it('re-importing updates (upsert by code) instead of duplicating, and clears emptied optional fields', async () => {
    const file = await writeText('again.csv', csvOf(ENTERPRISE_HEADERS, [row(C1, { 企业名称: '再改名（示例）', 联系人: '', 联系电话: '' })]));
    const count = await enterpriseModel(db.conn).countDocuments();
    const report = await importEnterprises(db.conn, file);
    expect(report.imported).toEqual({ inserted: 0, updated: 1 });
    expect(await enterpriseModel(db.conn).countDocuments()).toBe(count);
    const doc = await enterpriseModel(db.conn).findOne({ uscc: C1 }).lean();
    expect(doc?.name).toBe('再改名（示例）');
    expect(doc?.contact).toBeUndefined();
    expect(doc?.phone).toBeUndefined();
  });

  it('refuses a file without a required header, as a file-level error naming it', async () => {
    const headers = ENTERPRISE_HEADERS.filter((h) => h !== '信用风险等级');
    const file = await writeText('noheader.csv', csvOf(headers, [row(C1)]));
    await expect(importEnterprises(db.conn, file)).rejects.toThrow(new RegistryFileError(
      `检查对象名录库缺少必需的列：信用风险等级（第1行应为表头：${ENTERPRISE_HEADERS.join('、')}）`,
    ));
  });

  it('refuses a CSV that is not UTF-8 and an unknown extension', async () => {
    const gbk = path.join(dir, 'gbk.csv');
    await writeFile(gbk, Buffer.from([0xc6, 0xf3, 0xd2, 0xb5, 0x2c, 0x0a])); // 企业, in GBK
    await expect(importEnterprises(db.conn, gbk)).rejects.toThrow(/不是 UTF-8 编码/);
    await expect(importEnterprises(db.conn, path.join(dir, 'x.txt'))).rejects.toThrow(/只支持 \.xlsx 和 \.csv/);
  });

  it('refuses a second firm with a licence number already in the file, however its brackets and case are typed', async () => {
    await clear();
    const shared = '（晋）XK13-015-00177';
    const file = await writeText(
      'shared-licence.csv',
      csvOf(ENTERPRISE_HEADERS, [row(C1, { 许可证编号: shared }), row(C2, { 许可证编号: '(晋)xk13-015-00177' }), row(C3)]),
    );
    const report = await importEnterprises(db.conn, file);
    expect(report.imported).toEqual({ inserted: 2, updated: 0 });
    expect(report.rejected).toEqual([{ line: 3, reason: '许可证编号“(晋)xk13-015-00177”与第2行重复' }]);
    expect((await enterpriseModel(db.conn).find({}, { uscc: 1 }).lean()).map((d) => d.uscc).sort()).toEqual([C1, C3].sort());
    await clear();
  });
});

describe('import enterprises from XLSX', () => {
  beforeAll(clear);

  it('reads text codes faithfully, real date cells as calendar dates, and flags codes stored as numbers', async () => {
    const digits = code('140882', 700, true);
    const numeric = code('140823', 800, true);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('名录');
    const headers = [...ENTERPRISE_HEADERS];
    sheet.addRow(headers);
    const cells = (r: Row): (string | number | Date)[] => headers.map((h) => r[h] ?? '');
    // Row 2: a digits-only code as a text cell, real date cells, a phone as a number cell.
    const r2 = cells(row(digits, { 所属县区: '河津市' }));
    r2[headers.indexOf('有效期起')] = new Date(Date.UTC(2021, 0, 1));
    r2[headers.indexOf('有效期止')] = new Date(Date.UTC(2025, 11, 31));
    r2[headers.indexOf('联系电话')] = 13512345678;
    sheet.addRow(r2);
    sheet.getCell(2, headers.indexOf('有效期起') + 1).numFmt = 'yyyy-mm-dd';
    sheet.getCell(2, headers.indexOf('有效期止') + 1).numFmt = 'yyyy"年"m"月"d"日"';
    // Row 3 left empty; row 4: the code typed as a number (Excel keeps 15 significant digits).
    const r4 = cells(row(numeric));
    r4[headers.indexOf('统一社会信用代码')] = Number(numeric);
    sheet.getRow(4).values = r4;
    // Row 5: a date cell with the expiry before the start.
    const r5 = cells(row(C3));
    r5[headers.indexOf('有效期起')] = new Date(Date.UTC(2024, 5, 1));
    r5[headers.indexOf('有效期止')] = new Date(Date.UTC(2024, 4, 31));
    sheet.getRow(5).values = r5;
    const file = path.join(dir, 'enterprises.xlsx');
    await workbook.xlsx.writeFile(file);

    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York'; // west of UTC: a local-time reading would shift dates back a day
    let report;
    try {
      report = await importEnterprises(db.conn, file);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(report.format).toBe('xlsx');
    expect(report.total).toBe(3);
    expect(report.imported).toEqual({ inserted: 1, updated: 0 });
    expect(report.rejected).toEqual([
      { line: 4, reason: expect.stringMatching(/^“统一社会信用代码”是数字格式，超过15位的数字在 Excel 中已丢失末位/) },
      { line: 5, reason: '有效期止早于有效期起' },
    ]);
    const doc = await enterpriseModel(db.conn).findOne({ uscc: digits }).lean();
    expect(doc).toMatchObject({ uscc: digits, validFrom: '2021-01-01', validTo: '2025-12-31', phone: '13512345678', county: '河津市' });
  });

  it('refuses a damaged XLSX file', async () => {
    const file = await writeText('broken.xlsx', 'not a zip');
    await expect(importEnterprises(db.conn, file)).rejects.toThrow(/^不是有效的 Excel（.xlsx）文件：/);
  });
});

describe('licences expired before the active campaign', () => {
  beforeAll(clear);

  it('are imported but reported as outside the draw population', async () => {
    await createCampaign(db.conn, { name: '2024年专项', year: 2024, from: '2024-03-01', to: '2024-11-30', ratio: 0.25 });
    const file = await writeText(
      'expired.csv',
      csvOf(ENTERPRISE_HEADERS, [
        row(C1, { 有效期起: '2019-02-28', 有效期止: '2024-02-27' }),
        row(C2, { 有效期起: '2019-03-02', 有效期止: '2024-03-01' }), // valid on the first day
        row(C3),
      ]),
    );
    const report = await importEnterprises(db.conn, file, { now: new Date('2024-05-01T02:00:00Z') });
    expect(report.imported.inserted).toBe(3);
    expect(report.expiredBefore).toEqual({
      campaign: { name: '2024年专项', year: 2024, from: '2024-03-01' },
      enterprises: [{ line: 2, uscc: C1, name: row(C1)['企业名称'], licenceNo: row(C1)['许可证编号'], validTo: '2024-02-27' }],
    });
  });
});

describe('import staff', () => {
  beforeAll(clear);

  it('imports roles and 回避 lists, rejects bad rows, upserts by OpenID', async () => {
    await importEnterprises(db.conn, await writeText('e.csv', csvOf(ENTERPRISE_HEADERS, [row(C1), row(C2)])));
    const id = (n: number) => `ou_${String(n).padStart(32, '0')}`;
    const people: Record<string, string>[] = [
      { 姓名: '赵组长', 飞书OpenID: id(1), 角色: '组长、执法人员', 单位: '运城市市场监督管理局', 所属县区: '市局', 业务口: '产品质量安全' },
      { 姓名: '钱执法', 飞书OpenID: id(2), 角色: '执法人员', 单位: '盐湖区市场监督管理局', 所属县区: '盐湖区', 回避企业: `${C1}，${C3}` },
      { 姓名: '孙专家', 飞书OpenID: id(3), 角色: '专家', 单位: '检验中心（示例）', 所属县区: '市局', 专业领域: '工业产品、电线电缆' },
      { 姓名: '李组长', 飞书OpenID: id(4), 角色: '组长', 单位: '夏县市场监督管理局', 所属县区: '夏县' },
      { 姓名: '周某', 飞书OpenID: 'user_5', 角色: '执法人员', 单位: '夏县市场监督管理局', 所属县区: '夏县' },
      { 姓名: '吴某', 飞书OpenID: id(2), 角色: '联络员', 单位: '夏县市场监督管理局', 所属县区: '夏县' },
      { 姓名: '郑联络', 飞书OpenID: id(7), 角色: '联络员,领导', 单位: '夏县市场监督管理局', 所属县区: '夏县', 回避企业: badCheck(C2) },
    ];
    const file = await writeText('staff.csv', `\uFEFF${csvOf(STAFF_HEADERS, people)}`);
    const report = await importStaff(db.conn, file);
    expect(report.imported).toEqual({ inserted: 3, updated: 0 });
    expect(report.roles).toEqual({ 组长: 1, 执法人员: 2, 专家: 1 });
    expect(report.rejected.map((r) => r.line)).toEqual([5, 6, 7, 8]);
    expect(report.rejected[0]?.reason).toContain('组长须为市局人员');
    expect(report.rejected[1]?.reason).toContain('飞书OpenID“user_5”格式错误');
    expect(report.rejected[2]?.reason).toBe(`飞书OpenID“${id(2)}”与第3行重复`);
    expect(report.rejected[3]?.reason).toContain('回避企业第1个代码');
    expect(report.unknownAvoid).toEqual([{ line: 3, uscc: C3 }]);

    const docs = await staffModel(db.conn).find().sort({ openId: 1 }).lean();
    expect(docs.map((d) => ({ openId: d.openId, roles: d.roles, county: d.county, avoid: d.avoid }))).toEqual([
      { openId: id(1), roles: ['组长', '执法人员'], county: '市局', avoid: [] },
      { openId: id(2), roles: ['执法人员'], county: '盐湖区', avoid: [C1, C3] },
      { openId: id(3), roles: ['专家'], county: '市局', avoid: [] },
    ]);
    expect(docs[2]?.expertise).toBe('工业产品、电线电缆');

    const again = await importStaff(db.conn, await writeText('staff2.csv', csvOf(STAFF_HEADERS, [{ ...people[1]!, 回避企业: '' }])));
    expect(again.imported).toEqual({ inserted: 0, updated: 1 });
    expect(await staffModel(db.conn).countDocuments()).toBe(3);
    expect((await staffModel(db.conn).findOne({ openId: id(2) }).lean())?.avoid).toEqual([]);

    const dry = await importStaff(db.conn, await writeText('staff3.csv', csvOf(STAFF_HEADERS, [{ ...people[0]!, 姓名: '新名字' }, { ...people[0]!, 飞书OpenID: id(9) }])), { dryRun: true });
    expect(dry.imported).toEqual({ inserted: 1, updated: 1 });
    expect(await staffModel(db.conn).countDocuments()).toBe(3);
    expect((await staffModel(db.conn).findOne({ openId: id(1) }).lean())?.name).toBe('赵组长');
  });
});

describe('campaigns', () => {
  beforeAll(clear);

  it('creates, lists, and refuses a second active campaign for the same year', async () => {
    const { campaign } = await createCampaign(db.conn, {
      name: '2025年工业产品生产许可证获证企业“双随机、一公开”监督检查',
      year: 2025,
      from: '2025-03-01',
      to: '2025-11-30',
      ratio: 0.25,
    });
    expect(campaign).toMatchObject({ year: 2025, ratio: 0.25, riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, excludeOwnCounty: true, status: 'active' });

    await expect(createCampaign(db.conn, { name: '另一个', year: 2025, from: '2025-04-01', to: '2025-10-31', ratio: 0.3 })).rejects.toThrow(
      new CampaignError('2025年已有进行中的专项“2025年工业产品生产许可证获证企业“双随机、一公开”监督检查”（2025-03-01至2025-11-30），同一年度只能有一个进行中的专项'),
    );

    const input2026 = { name: '2026年专项', year: 2026, from: '2026-03-01', to: '2026-11-30', riskRatios: { D: 0.8 }, excludeOwnCounty: false };
    // 运市监质监〔2024〕2号: 按不低于25%的比例随机抽取 — a lower campaign ratio is refused and creates nothing.
    await expect(createCampaign(db.conn, { ...input2026, ratio: 0.1 })).rejects.toThrow(
      new CampaignError('全市抽查比例不得低于25%（运市监质监〔2024〕2号：按不低于25%的比例随机抽取），收到10%'),
    );
    expect(await campaignModel(db.conn).countDocuments({ year: 2026 })).toBe(0);
    const low = await createCampaign(db.conn, { ...input2026, ratio: 0.25 });
    expect(low.campaign.riskRatios).toEqual({ A: 0.2, B: 0.25, C: 0.5, D: 0.8 });

    const list = await listCampaigns(db.conn);
    expect(list.map((c) => c.year)).toEqual([2026, 2025]);
    expect((await findActiveCampaign(db.conn, '2025-06-01'))?.year).toBe(2025);
    expect((await findActiveCampaign(db.conn, '2025-12-15'))?.year).toBe(2026); // the next to start
    expect((await findActiveCampaign(db.conn, '2025-01-15'))?.year).toBe(2025);
    expect((await findActiveCampaign(db.conn, '2027-01-15'))?.year).toBe(2026); // the latest
    expect((await findActiveCampaign(db.conn))?.year).toBe(2026);
  });

  it('the unique index, not a check-then-insert, decides a race', async () => {
    const input = (name: string) => ({ name, year: 2030, from: '2030-03-01', to: '2030-11-30', ratio: 0.25 });
    const results = await Promise.allSettled([createCampaign(db.conn, input('甲')), createCampaign(db.conn, input('乙')), createCampaign(db.conn, input('丙'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await campaignModel(db.conn).countDocuments({ year: 2030 })).toBe(1);
  });

  it.each([
    [{ from: '2025-05-01', to: '2025-04-01' }, '开始日期2025-05-01晚于结束日期2025-04-01'],
    [{ from: '2024-12-01', to: '2025-04-01' }, '专项起止日期应在2025年内'],
    [{ from: '2025-02-30' }, '开始日期“2025-02-30”不是有效日期'],
    [{ ratio: 0 }, '全市抽查比例应为大于0且不超过1的数'],
    [{ ratio: 0.2499 }, '全市抽查比例不得低于25%'],
    [{ ratio: 1.5 }, '全市抽查比例应为大于0且不超过1的数'],
    [{ riskRatios: { A: 0 } }, 'A类抽查比例应为大于0且不超过1的数'],
    [{ name: ' ' }, '专项名称不能为空'],
    // the text policy (domain/textPolicy.ts), also behind the chat's 确认创建 button
    [{ name: '专项\uFFFE\u202E名称\u0007' }, '专项名称第3个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新提交'],
    [{ name: '专项\u202E名称' }, '专项名称第3个字符是无法保存的不可见字符（U+202E）'],
    [{ name: '专项名称\u0007' }, '专项名称第5个字符是无法保存的不可见字符（U+0007）'],
    [{ name: '专'.repeat(101) }, '专项名称最多100个字，当前101个字，请精简后重新提交'],
  ])('refuses %j', async (over, reason) => {
    const input = { name: '专项', year: 2025, from: '2025-03-01', to: '2025-11-30', ratio: 0.25, ...over };
    await expect(createCampaign(db.conn, input)).rejects.toThrow(reason);
  });

  it('counts the name in characters, not UTF-16 units, and keeps it on one line', async () => {
    const rare = '𠮷'.repeat(100); // 100 characters outside the BMP: 200 UTF-16 units
    const { campaign } = await createCampaign(db.conn, { name: rare, year: 2040, from: '2040-03-01', to: '2040-11-30', ratio: 0.25 });
    expect(campaign.name).toBe(rare);
    expect(validateCampaign({ name: ' 2041年\n专项\t试点 ', year: 2041, from: '2041-03-01', to: '2041-11-30', ratio: 0.25 }).settings.name).toBe('2041年 专项 试点');
    await expect(createCampaign(db.conn, { name: `${rare}𠮷`, year: 2041, from: '2041-03-01', to: '2041-11-30', ratio: 0.25 })).rejects.toThrow(
      '专项名称最多100个字，当前101个字',
    );
    expect(await campaignModel(db.conn).countDocuments({ year: 2041 })).toBe(0);
  });
});

describe('sample data', () => {
  beforeAll(clear);

  it('re-imports with zero rejected rows in both formats and gives a feasible population', async () => {
    const out = path.join(dir, 'sample');
    const { files, data } = await writeSampleData(out, { year: 2024 });
    expect(files.map((f) => path.basename(f))).toEqual(['enterprises.xlsx', 'enterprises.csv', 'staff.xlsx', 'staff.csv']);

    const ex = await importEnterprises(db.conn, files[0]!);
    expect(ex.rejected).toEqual([]);
    expect(ex.imported).toEqual({ inserted: data.enterprises.length, updated: 0 });
    const ec = await importEnterprises(db.conn, files[1]!);
    expect(ec.rejected).toEqual([]);
    expect(ec.imported).toEqual({ inserted: 0, updated: data.enterprises.length });
    const sx = await importStaff(db.conn, files[2]!);
    expect(sx.rejected).toEqual([]);
    expect(sx.unknownAvoid).toEqual([]);
    const sc = await importStaff(db.conn, files[3]!);
    expect(sc.rejected).toEqual([]);
    expect(sc.imported.updated).toBe(data.staff.length);

    // What was stored is exactly what was generated (XLSX and CSV agree).
    const stored = await loadEnterprises(db.conn);
    expect(stored).toEqual([...data.enterprises].sort((a, b) => (a.uscc < b.uscc ? -1 : 1)));

    const { eligible, excluded } = eligiblePopulation(stored, '2024-03-01');
    expect(excluded.length).toBeGreaterThan(0);
    expect(eligible.length).toBeGreaterThan(500);
    const counts = computeCounts(strataSizes(eligible), { riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, campaignRatio: 0.25 });
    expect(counts.total).toBeGreaterThanOrEqual(Math.ceil(eligible.length * 0.25));
    const people = await staffModel(db.conn).find().lean();
    const staffing = checkStaffing(eligible, people, { excludeOwnCounty: true }, counts);
    expect(staffing.problems).toEqual([]);
    expect(staffing.ok).toBe(true);
  });
});

describe('CLI', () => {
  beforeAll(clear);

  function cliUri(): string {
    const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(db.mongo.uri);
    if (!m) throw new Error(`unexpected test URI ${db.mongo.uri}`);
    return `${m[1]}/${db.dbName}${m[3] ?? ''}`;
  }

  async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: { MONGODB_URI: cliUri(), SPOTCHECK_DATA_DIR: path.join(dir, 'data') } };
    const code = await runCli(argv, io);
    return { code, out, err };
  }

  it('sample-data, import with --dry-run, import, re-import', async () => {
    const out = path.join(dir, 'cli-sample');
    const gen = await cli('sample-data', out, '--year', '2024');
    expect(gen.code).toBe(0);
    expect(gen.out[0]).toMatch(/^已生成示例数据（2024年，种子2024）：企业600家，人员\d+人$/);

    const dry = await cli('import', 'enterprises', path.join(out, 'enterprises.xlsx'), '--dry-run');
    expect(dry).toMatchObject({ code: 0, err: [] });
    expect(dry.out[0]).toBe('【试运行】只检查，不写入数据库。');
    expect(dry.out[1]).toMatch(/共600行：可导入600行（将新增600，将更新0），拒绝0行$/);
    expect(await enterpriseModel(db.conn).countDocuments()).toBe(0);

    const real = await cli('import', 'enterprises', path.join(out, 'enterprises.csv'));
    expect(real.code).toBe(0);
    expect(real.out[0]).toMatch(/共600行：已导入600行（新增600，更新0），拒绝0行$/);
    expect(await enterpriseModel(db.conn).countDocuments()).toBe(600);

    const staff = await cli('import', 'staff', path.join(out, 'staff.xlsx'));
    expect(staff.code).toBe(0);
    expect(staff.out[1]).toMatch(/^其中：组长\d+人，执法人员\d+人，专家\d+人，联络员15人，领导\d+人$/);
  });

  it('prints rejected rows as 第N行：原因 and still exits 0', async () => {
    const file = await writeText('cli-bad.csv', csvOf(ENTERPRISE_HEADERS, [row(C4), row(badCheck(C2)), row(C3, { 企业名称: '' })]));
    const r = await cli('import', 'enterprises', file);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      expect.stringMatching(/共3行：已导入1行（新增1，更新0），拒绝2行$/),
      '被拒绝的行：',
      `  第3行：统一社会信用代码校验位错误（应为${C2.charAt(17)}）`,
      '  第4行：企业名称为空',
    ]);
  });

  it('file-level errors exit 1 with one Chinese line', async () => {
    const noHeader = await writeText('cli-noheader.csv', csvOf(STAFF_HEADERS.filter((h) => h !== '角色'), []));
    const missing = await cli('import', 'staff', noHeader);
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([expect.stringContaining('缺少必需的列：角色')]);
    const ext = await cli('import', 'enterprises', path.join(dir, 'a.xls'));
    expect(ext.code).toBe(1);
    expect(ext.err).toHaveLength(1);
    const none = await cli('import', 'enterprises', path.join(dir, 'none.csv'));
    expect(none).toMatchObject({ code: 1, err: [`找不到文件：${path.join(dir, 'none.csv')}`] });
    const usage = await cli('import', 'staff');
    expect(usage.code).toBe(1);
    expect(usage.err[0]).toMatch(/^用法：import staff/);
  });

  it('campaign create / list, the second create of a year fails, bad arguments fail', async () => {
    const args = ['campaign', 'create', '--name', '2024年专项', '--year', '2024', '--from', '2024-03-01', '--to', '2024-11-30'];
    const created = await cli(...args, '--ratio', '0.25', '--risk-ratios', 'A=0.1,B=0.2,C=0.5,D=1');
    expect(created).toMatchObject({ code: 0, err: [] });
    expect(created.out[0]).toBe(
      '已创建专项：2024年“2024年专项”（进行中），2024-03-01 至 2024-11-30，全市抽查比例不低于25%，分类比例 A类10%、B类20%、C类50%、D类100%，县区人员不检查本县区企业',
    );
    const again = await cli(...args, '--ratio', '30%');
    expect(again.code).toBe(1);
    expect(again.err).toEqual([expect.stringContaining('2024年已有进行中的专项“2024年专项”')]);

    const low = await cli('campaign', 'create', '--name', '试点', '--year', '2031', '--from', '2031-01-01', '--to', '2031-12-31', '--ratio', '0.05');
    expect(low).toMatchObject({ code: 1, out: [], err: ['全市抽查比例不得低于25%（运市监质监〔2024〕2号：按不低于25%的比例随机抽取），收到5%'] });
    const pilot = await cli('campaign', 'create', '--name', '试点', '--year', '2031', '--from', '2031-01-01', '--to', '2031-12-31', '--ratio', '25%');
    expect(pilot).toMatchObject({ code: 0, err: [] });

    expect((await cli('campaign', 'create', '--name', 'x', '--year', '2032', '--from', '2032-03-01', '--to', '2032-11-30')).err).toEqual([
      expect.stringMatching(/^缺少参数 --ratio/),
    ]);
    const badRatio = await cli('campaign', 'create', '--name', 'x', '--year', '2032', '--from', '2032-03-01', '--to', '2032-11-30', '--ratio', 'abc');
    expect(badRatio.code).toBe(1);
    expect(badRatio.err[0]).toContain('全市抽查比例应为0到1之间的小数或百分数');
    const badRisk = await cli('campaign', 'create', '--name', 'x', '--year', '2032', '--from', '2032-03-01', '--to', '2032-11-30', '--ratio', '0.3', '--risk-ratios', 'E=1');
    expect(badRisk.code).toBe(1);
    expect(badRisk.err[0]).toContain('--risk-ratios 中的“E=1”无法识别');

    // The text policy holds on the command line as in chat: one Chinese line, nothing created.
    const control = await cli('campaign', 'create', '--name', '专项\uFFFE\u202E名称\u0007', '--year', '2033', '--from', '2033-03-01', '--to', '2033-11-30', '--ratio', '0.3');
    expect(control).toMatchObject({ code: 1, out: [], err: ['专项名称第3个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新提交'] });

    const list = await cli('campaign', 'list');
    expect(list.code).toBe(0);
    expect(list.out[0]).toBe('共2个专项：');
    expect(list.out[1]).toMatch(/^ {2}2031年“试点”/);
    expect(list.out[2]).toMatch(/^ {2}2024年“2024年专项”/);
  });

  it('reports licences expired before the active campaign', async () => {
    const file = await writeText('cli-expired.csv', csvOf(ENTERPRISE_HEADERS, [row(code('140830', 900), { 有效期起: '2019-01-01', 有效期止: '2023-12-31' })]));
    const r = await cli('import', 'enterprises', file);
    expect(r.code).toBe(0);
    // The active campaign of the current year, else the latest active one (2031 here).
    expect(r.out.join('\n')).toMatch(/许可证在专项“.+”开始日\d{4}-\d{2}-\d{2}之前已到期，不会进入该专项的抽取范围/);
  });

  it('names a row whose licence number a firm imported before holds under another code, and imports it', async () => {
    const [first, second] = [code('140830', 901), code('140830', 902)];
    const a = await cli('import', 'enterprises', await writeText('cli-holder.csv', csvOf(ENTERPRISE_HEADERS, [row(first, { 许可证编号: '（晋）XK13-015-00901' })])));
    expect(a.code).toBe(0);
    const b = await cli('import', 'enterprises', await writeText('cli-twin.csv', csvOf(ENTERPRISE_HEADERS, [row(second, { 许可证编号: '(晋)XK13-015-00901' })])));
    expect(b.code).toBe(0);
    const out = b.out.join('\n');
    expect(out).toContain('已导入1行');
    expect(out).toContain('以下企业的许可证编号已由名录库中另一家企业（统一社会信用代码不同）持有');
    expect(out).toContain(`第2行：${row(second)['企业名称']}（许可证 (晋)XK13-015-00901）与名录库中的${row(first)['企业名称']}（${first}，许可证 （晋）XK13-015-00901）相同`);
  });
});
