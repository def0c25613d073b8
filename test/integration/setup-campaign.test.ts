/** /专项 in chat: list, a preview with the population it would draw from, 确认创建 once, bad arguments named. */
import { eligiblePopulation } from '../../src/domain/population';
import { generateSampleData } from '../../src/domain/sampleData';
import { enterpriseUpsert } from '../../src/operations/importEnterprises';
import { cardText, findButtons } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator';
import { campaignModel } from '../../src/store/campaign';
import { enterpriseModel } from '../../src/store/enterprise';
import { PEOPLE, registerStaff } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
const { cityLiaison, liaison, stranger } = PEOPLE;
const ADMIN = 'ou_admin00000000000000000000000002';
const enterprises = generateSampleData({ year: 2027, enterprises: 80, seed: 11 }).enterprises;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'setup_campaign', adminOpenIds: [ADMIN] });
  await registerStaff(h.service.db.connection);
  await enterpriseModel(h.service.db.connection).bulkWrite(enterprises.map(enterpriseUpsert));
});

afterAll(async () => {
  await h.close();
});

const conn = () => h.service.db.connection;

async function say(openId: string, text: string): Promise<SentMessage> {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
}

const NAME = '2027年工业产品生产许可证获证企业“双随机、一公开”监督检查';
const GOOD = `/专项 新建 名称=${NAME} 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.25 分类比例=A=0.2,B=0.3`;

describe('/专项', () => {
  it('is for the 市局联络员 (and administrators): anyone else is told who may', async () => {
    for (const who of [stranger, liaison]) {
      const reply = cardText((await say(who.openId, '/专项')).content);
      expect(reply).toContain('没有权限');
      expect(reply).toContain('市局联络员');
    }
  });

  it('lists campaigns (none yet)', async () => {
    const reply = cardText((await say(cityLiaison.openId, '/专项')).content);
    expect(reply).toContain('还没有创建专项');
    expect(reply).toContain('/专项 新建 名称=');
  });

  it.each([
    ['/专项 删除', '不认识“删除”'],
    ['/专项 新建 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.25', '缺少参数“名称”'],
    ['/专项 新建 名称=甲 年度=27 开始=2027-03-01 结束=2027-11-30 比例=0.25', '参数“年度”应为四位年份'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-3-1 结束=2027-11-30 比例=0.25', '参数“开始”应为日期 YYYY-MM-DD'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-03-01 结束=2027-11-30', '缺少参数“比例”'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.2', '参数“比例”：全市抽查比例不得低于25%（运市监质监〔2024〕2号：按不低于25%的比例随机抽取），收到20%'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=abc', '参数“比例”：全市抽查比例应为0到1之间的小数或百分数'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-12-01 结束=2027-11-30 比例=0.3', '参数“开始”：开始日期2027-12-01晚于结束日期2027-11-30'],
    ['/专项 新建 名称=甲 年度=2027 开始=2026-12-01 结束=2027-11-30 比例=0.3', '专项起止日期应在2027年内'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.3 分类比例=E=1', '分类比例 中的“E=1”无法识别'],
    ['/专项 新建 名称=甲 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.3 范围=全市', '不认识参数“范围”'],
    [`/专项 新建 名称=${'专'.repeat(101)} 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.3`, '参数“名称”：专项名称最多100个字，当前101个字'],
  ])('%s → names the argument and the accepted form', async (text, expected) => {
    const reply = cardText((await say(cityLiaison.openId, text)).content);
    expect(reply).toContain(expected);
    expect(reply).toMatch(/参数|用法|\/专项/);
    expect(await campaignModel(conn()).countDocuments()).toBe(0);
  });

  it('previews the campaign and its population; 确认创建 creates it once', async () => {
    const preview = await say(cityLiaison.openId, GOOD);
    const text = cardText(preview.content);
    const { eligible, excluded } = eligiblePopulation(enterprises, '2027-03-01');
    expect(text).toContain('新建专项预览');
    expect(text).toContain(`**2027年“${NAME}”**`);
    expect(text).toContain('2027-03-01 至 2027-11-30');
    expect(text).toContain('全市抽查比例不低于 **25%**；分类比例 A类 20%、B类 30%、C类 50%、D类 100%');
    expect(text).toContain(`检查对象名录库 ${enterprises.length} 家；许可证在开始日 2027-03-01 有效的 **${eligible.length}** 家（其余 ${excluded.length} 家不在范围内）`);
    const yanhu = eligible.filter((e) => e.county === '盐湖区');
    expect(text).toContain(['A', 'B', 'C', 'D'].map((rc) => yanhu.filter((e) => e.riskClass === rc).length).join('/'));
    expect(findButtons(preview.content).map((b) => b.text)).toEqual(['确认创建']);
    expect(await campaignModel(conn()).countDocuments()).toBe(0);

    const click = await h.feishu.clickButton(cityLiaison.openId, preview.current, '确认创建');
    expect(click.toast).toEqual({ type: 'success', content: '专项已创建' });
    expect(cardText(click.card)).toContain('已创建专项');
    const stored = await campaignModel(conn()).find().lean();
    expect(stored).toEqual([
      expect.objectContaining({ name: NAME, year: 2027, from: '2027-03-01', to: '2027-11-30', ratio: 0.25, riskRatios: { A: 0.2, B: 0.3, C: 0.5, D: 1 }, status: 'active' }),
    ]);

    const again = await h.feishu.clickButton(cityLiaison.openId, preview.content, '确认创建');
    expect(again.toast).toEqual({ type: 'info', content: '这个专项已经创建过了，不会重复创建' });
    expect(await campaignModel(conn()).countDocuments()).toBe(1);
  });

  it('one active campaign per year still holds', async () => {
    const reply = cardText((await say(ADMIN, '/专项 新建 名称=另一个 专项 年度=2027 开始=2027-04-01 结束=2027-10-31 比例=30%')).content);
    expect(reply).toContain(`2027年已有进行中的专项“${NAME}”`);
    const list = cardText((await say(ADMIN, '/专项')).content);
    expect(list).toContain('共 1 个专项');
    expect(list).toContain(`2027年“${NAME}”**（进行中）2027-03-01 至 2027-11-30`);
  });

  it('a name holding a character the text policy refuses (U+202E) is refused at the chat edge; nothing is created', async () => {
    const reply = cardText((await say(cityLiaison.openId, '/专项 新建 名称=专项\u202E名称 年度=2027 开始=2027-03-01 结束=2027-11-30 比例=0.3')).content);
    expect(reply).toContain('消息第13个字符是无法保存的不可见字符（U+202E），请删除该字符后重新发送');
    expect(await campaignModel(conn()).countDocuments({ year: 2027, name: /名称/ })).toBe(0);
  });

  it('a name of 100 characters outside the BMP (200 UTF-16 units) is previewed and created', async () => {
    const rare = '𠮷'.repeat(100);
    const preview = await say(cityLiaison.openId, `/专项 新建 名称=${rare} 年度=2029 开始=2029-03-01 结束=2029-11-30 比例=0.25`);
    expect(cardText(preview.content)).toContain(`**2029年“${rare}”**`);
    const click = await h.feishu.clickButton(cityLiaison.openId, preview.current, '确认创建');
    expect(click.toast).toEqual({ type: 'success', content: '专项已创建' });
    expect((await campaignModel(conn()).findOne({ year: 2029 }).lean())?.name).toBe(rare);
  });

  it('a name may contain spaces; a preview clicked after another campaign took the year is refused', async () => {
    const first = await say(ADMIN, '/专项 新建 名称=2028 年 试点 专项 年度=2028 开始=2028-03-01 结束=2028-11-30 比例=0.5');
    expect(cardText(first.content)).toContain('**2028年“2028 年 试点 专项”**');
    const second = await say(cityLiaison.openId, '/专项 新建 名称=2028年专项 年度=2028 开始=2028-03-01 结束=2028-10-31 比例=0.25');
    expect((await h.feishu.clickButton(cityLiaison.openId, second.current, '确认创建')).toast?.type).toBe('success');
    const late = await h.feishu.clickButton(ADMIN, first.current, '确认创建');
    expect(late.toast?.type).toBe('error');
    expect(late.toast?.content).toContain('2028年已有进行中的专项“2028年专项”');
    expect(cardText(late.card)).toContain('没有创建专项');
    expect(await campaignModel(conn()).countDocuments({ year: 2028 })).toBe(1);
  });

  it('a campaign whose name has spaces can be named again in 专项= (here /抽取 and /进度)', async () => {
    const preview = await say(cityLiaison.openId, '/专项 新建 名称=2030 年 试点 年度=2030 开始=2030-03-01 结束=2030-11-30 比例=0.25');
    expect((await h.feishu.clickButton(cityLiaison.openId, preview.current, '确认创建')).toast?.type).toBe('success');
    for (const command of ['/抽取 专项=2030 年 试点 种子=7', '/进度 专项=2030 年 试点']) {
      const text = cardText((await say(cityLiaison.openId, command)).content);
      expect([command, text]).not.toEqual([command, expect.stringContaining('不认识的参数')]);
      expect([command, text]).not.toEqual([command, expect.stringContaining('没有名为')]);
    }
    // the draw's preview is of that campaign
    expect(cardText((await say(cityLiaison.openId, '/抽取 专项=2030 年 试点')).content)).toContain('2030 年 试点');
  });
});
