/** Imports report 获证产品 and 专业领域 values the licence catalogue does not know (they never match), and pass the rest. */
import { formatEnterpriseReport, importEnterpriseRows } from '../../src/operations/importEnterprises';
import { formatStaffReport, importStaffRows } from '../../src/operations/importStaff';
import { usccCheckChar } from '../../src/domain/uscc';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb('impcat');
});
afterAll(async () => {
  await db.close();
});

const code = (n: number): string => {
  const first = `91140802MA${String(n).padStart(7, '0')}`;
  return first + usccCheckChar(first);
};

it('names unknown 获证产品 with their lines; catalogue names and the official names with 、 pass', async () => {
  const row = (n: number, product: string) => ({ line: n + 1, record: {
    企业名称: `企业${n}`, 统一社会信用代码: code(n), 许可证编号: `XK${n}`, 获证产品: product, 产品类别: '工业产品', 有效期起: '2022-01-01',
    有效期止: '2027-01-01', 所属县区: '盐湖区', 生产地址: '地址', 信用风险等级: 'A', 联系人: '', 联系电话: '',
  } });
  const report = await importEnterpriseRows(db.conn, [row(1, '电线电缆'), row(2, '防爆电气'), row(3, '食品用纸包装、容器等制品'), row(4, '危险化学品、人造板材')], { dryRun: true });
  expect(report.unknownProducts).toEqual([
    { line: 3, value: '防爆电气' },
    { line: 5, value: '人造板材' },
  ]);
  expect(formatEnterpriseReport(report).join('\n')).toContain('第3行：防爆电气');
});

it('names unknown 专业领域 of experts only', async () => {
  const row = (n: number, roles: string, expertise: string) => ({ line: n + 1, record: {
    姓名: `人员${n}`, 飞书OpenID: `ou_catalogue${n}`, 角色: roles, 单位: '单位', 所属县区: '市局', 业务口: '', 专业领域: expertise, 回避企业: '',
  } });
  const report = await importStaffRows(db.conn, [row(1, '专家', '电线电缆、塑料'), row(2, '专家', '食品相关产品'), row(3, '执法人员', '随便写')], { dryRun: true });
  expect(report.unknownExpertise).toEqual([{ line: 2, value: '塑料' }]);
  expect(formatStaffReport(report).join('\n')).toContain('不在工业产品生产许可证产品目录中');
});
