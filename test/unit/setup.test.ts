import { Types } from 'mongoose';
import { registryPreviewCard } from '../../src/bot/setupCards';
import { ENTERPRISE_HEADERS, STAFF_HEADERS } from '../../src/domain/registryRows';
import { validateCard } from '../../src/sandbox/emulator';
import { acceptedKinds, recogniseHeader } from '../../src/domain/setupFiles';
import { parseCampaignArgs } from '../../src/bot/setup';
import { mayUse, maySetUp } from '../../src/policies';

describe('which set-up file a header row belongs to', () => {
  it('recognises the registries (column order free, extra columns and spacing tolerated) and the calendar', () => {
    expect(recogniseHeader([...ENTERPRISE_HEADERS].reverse())).toEqual({ kind: 'enterprises' });
    expect(recogniseHeader(['\uFEFF姓名', ' 飞书 OpenID ', '角色', '单位', '所属县区', '备注'])).toEqual({ kind: 'staff' });
    expect(recogniseHeader(['日期', '类型', '备注'])).toEqual({ kind: 'calendar' });
    expect(recogniseHeader(['\uFEFF序号', '检查表名称', ' 检查内容 ', '备注'])).toEqual({ kind: 'checklists' });
  });

  it('names the missing columns of a file that is clearly one registry', () => {
    const r = recogniseHeader(STAFF_HEADERS.filter((h) => h !== '单位'));
    expect(r).toEqual({ kind: 'incomplete', title: '执法检查人员名录库', error: expect.stringContaining('缺少必需的列：单位') });
    const e = recogniseHeader(['企业名称', '统一社会信用代码', '许可证编号']);
    expect(e).toMatchObject({ kind: 'incomplete', title: '检查对象名录库' });
    expect(recogniseHeader(['检查表名称', '序号', '内容'])).toEqual({ kind: 'incomplete', title: '附加检查表', error: expect.stringContaining('检查表文件缺少列：检查内容') });
  });

  it('recognises the platform’s draw result, and nothing else', () => {
    expect(recogniseHeader(['统一社会信用代码', '企业名称', '检查人员', '组长'])).toEqual({ kind: 'platformDraw' });
    expect(recogniseHeader(['名称', '数量'])).toEqual({ kind: 'unknown' });
    expect(recogniseHeader([])).toEqual({ kind: 'unknown' });
    // every column of two kinds at once: ambiguous, so not guessed
    expect(recogniseHeader([...STAFF_HEADERS, '日期', '类型'])).toEqual({ kind: 'unknown' });
    expect(acceptedKinds()).toEqual([
      expect.stringMatching(/^检查对象名录库：企业名称、统一社会信用代码/),
      expect.stringMatching(/^执法检查人员名录库：姓名、飞书OpenID/),
      '节假日安排：日期,类型',
      '附加检查表（进一次门，查多项事）：检查表名称、序号、检查内容',
      expect.stringMatching(/^监管平台抽取结果（国家“双随机、一公开”监管平台导出）：统一社会信用代码、企业名称、检查人员/),
    ]);
  });
});

describe('/专项 新建 arguments', () => {
  it('reads key=value pairs; a name runs to the next key and may contain spaces', () => {
    expect(parseCampaignArgs('名称=2027 年 专项 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=25% 分类比例=A=0.2,D=1')).toEqual({
      名称: '2027 年 专项',
      年度: '2027',
      开始: '2027-03-01',
      结束: '2027-11-30',
      比例: '25%',
      分类比例: 'A=0.2,D=1',
    });
    expect(parseCampaignArgs('名称＝甲 比例＝0.3')).toEqual({ 名称: '甲', 比例: '0.3' });
  });

  it('names what it does not understand', () => {
    expect(() => parseCampaignArgs('甲 名称=乙')).toThrow('不认识“甲”');
    expect(() => parseCampaignArgs('名称=乙 比例=0.3 范围=全市')).toThrow('不认识参数“范围”');
    expect(() => parseCampaignArgs('名称=乙 名称=丙')).toThrow('参数“名称”出现了两次');
  });
});

describe('who may do the set-up', () => {
  it('a 市局联络员, or an administrator from ADMIN_OPEN_IDS', () => {
    expect(maySetUp({ openId: 'ou_a', roles: ['联络员'], county: '市局' })).toBe(true);
    expect(maySetUp({ openId: 'ou_b', roles: ['联络员'], county: '永济市' })).toBe(false);
    expect(maySetUp({ openId: 'ou_c', roles: ['领导', '组长'], county: '市局' })).toBe(false);
    expect(maySetUp({ openId: 'ou_d', roles: [], admin: true })).toBe(true);
    expect(mayUse({ openId: 'ou_d', roles: [], admin: true }, 'setup')).toBe(true);
    // an administrator is not thereby a liaison for anything else
    expect(mayUse({ openId: 'ou_d', roles: [], admin: true }, ['联络员'])).toBe(false);
  });
});

describe('set-up cards stay within what the platform accepts', () => {
  it('a preview with very many long problems is shortened below 30 KB and still says how many', () => {
    const long = '所属县区“火星县”无效，应为盐湖区、永济市、河津市、临猗县、万荣县、闻喜县、稷山县、新绛县、绛县、垣曲县、夏县、平陆县、芮城县、运城开发区之一；'.repeat(4);
    const outcome = {
      kind: 'enterprises' as const,
      dryRun: true,
      total: 5000,
      diff: { inserted: 1000, updated: 0, unchanged: 0 },
      rejected: Array.from({ length: 4000 }, (_, i) => ({ line: i + 2, reason: long })),
      expired: {
        campaign: { name: '2024年专项', year: 2024, from: '2024-03-15' },
        enterprises: Array.from({ length: 300 }, (_, i) => ({ line: i + 2, uscc: '91140800MA0K000001', name: `运城市一家名字相当长的示例企业有限责任公司第${i}分公司（示例）`, licenceNo: '（晋）XK06-001-00123', validTo: '2023-12-31' })),
      },
    };
    const upload = { _id: new Types.ObjectId(), sha256: 'a'.repeat(64), kind: 'enterprises' } as never;
    const card = registryPreviewCard('名录.csv', 123456, outcome, upload);
    expect(Buffer.byteLength(JSON.stringify(card), 'utf8')).toBeLessThanOrEqual(30 * 1024);
    expect(validateCard(card).ok).toBe(true);
    const text = JSON.stringify(card);
    expect(text).toContain('有问题 **4000** 行');
    expect(text).toMatch(/另有 \d+ 行有问题，未列出/);
    expect(text).toContain('许可证在专项开始前到期（共 300 家）');
  });
});
