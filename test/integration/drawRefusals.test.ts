import { createCampaign } from '../../src/operations/campaigns';
import { enterpriseUpsert } from '../../src/operations/importEnterprises';
import { staffUpsert } from '../../src/operations/importStaff';
import { generateSampleData } from '../../src/domain/sampleData';
import { drawModel } from '../../src/store/draw';
import { enterpriseModel } from '../../src/store/enterprise';
import { staffModel } from '../../src/store/staff';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';

const LIAISON = 'ou_cityliaison000000000000000000001';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'drawref' });
  await staffModel(h.service.db.connection).create({ openId: LIAISON, name: '市局联络员', roles: ['联络员'], unit: '运城市市场监督管理局', county: '市局', avoid: [] });
});

afterAll(async () => {
  await h.close();
});

async function draw(text = '/抽取'): Promise<string> {
  const sent = await h.feishu.sendText(LIAISON, text);
  const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
  return cardText((await h.emulator.waitFor((m) => m.root === messageId)).content);
}

describe('/抽取 refusals, each with what to do', () => {
  it('no active campaign', async () => {
    const text = await draw();
    expect(text).toContain('没有进行中的专项');
    expect(text).toContain('/专项 新建');
  });

  it('an unknown campaign name', async () => {
    expect(await draw('/抽取 专项=不存在的专项')).toContain('没有名为“不存在的专项”');
  });

  it('an empty registry', async () => {
    await createCampaign(h.service.db.connection, { name: '2024年专项', year: 2024, from: '2024-03-15', to: '2024-10-31', ratio: 0.25 });
    expect(await draw()).toContain('名录库是空的');
  });

  it('too few staff to form teams, naming what is short', async () => {
    const data = generateSampleData({ year: 2024, enterprises: 60 });
    await enterpriseModel(h.service.db.connection).bulkWrite(data.enterprises.map(enterpriseUpsert));
    // Only two officers in the whole registry: no 组长 at all.
    const officers = data.staff.filter((s) => s.roles.includes('执法人员') && !s.roles.includes('组长')).slice(0, 2);
    await staffModel(h.service.db.connection).bulkWrite(officers.map(staffUpsert));
    const text = await draw();
    expect(text).toContain('检查人员不足');
    expect(text).toContain('组长');
    expect(await drawModel(h.service.db.connection).countDocuments()).toBe(0);
  });
});
