/**
 * Draw cards through the real stack: a county with 1,000 drawn firms gets a paged task list that Feishu accepts
 * (each page under 30 KB, 上一页/下一页 reach every row, 接收 works from any page), and text a user typed is echoed as
 * text (markdown links, <at …> and its HTML-entity form stay inert).
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { Types } from 'mongoose';
import { cell, countyTasksCard, COUNTY_PAGE_ROWS } from '../../src/bot/drawViews';
import { cardText, findButtons } from '../../src/sandbox/client';
import { silentLogger } from '../../src/sandbox/emulator';
import { campaignModel, type CampaignDoc } from '../../src/store/campaign';
import { drawModel, type DrawDoc } from '../../src/store/draw';
import { staffModel } from '../../src/store/staff';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { startHarness, TEST_APP, type Harness } from '../support/harness';
import { createCampaign } from '../../src/operations/campaigns';

let h: Harness;
const COUNTY = '盐湖区';
const LIAISON = { openId: 'ou_yanhuliaison00000000000000001', name: '盐湖联络员', roles: ['联络员'], unit: '盐湖区市场监督管理局', county: COUNTY, avoid: [] };
const CITY = { openId: 'ou_cityliaison0000000000000000001', name: '市局联络员', roles: ['联络员'], unit: '运城市市场监督管理局', county: '市局', avoid: [] };
const OTHER = { openId: 'ou_otherliaison000000000000000001', name: '永济联络员', roles: ['联络员'], unit: '永济市市场监督管理局', county: '永济市', avoid: [] };

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'drawcards' });
  await staffModel(h.service.db.connection).insertMany([LIAISON, CITY, OTHER]);
});

afterAll(async () => {
  await h.close();
});

const conn = () => h.service.db.connection;

describe('a county with 1,000 drawn firms', () => {
  let draw: DrawDoc;
  let campaign: CampaignDoc;

  beforeAll(async () => {
    campaign = (await createCampaign(conn(), { name: '大县专项', year: 2024, from: '2024-03-15', to: '2024-10-31', ratio: 0.25 })).campaign;
    draw = (await drawModel(conn()).create({
      campaignId: campaign._id, attempt: 1, status: 'confirmed', requestedBy: CITY.openId, requestedByName: CITY.name,
      algorithm: 'spotcheck-draw/2', populationHash: 'p', staffHash: 's', confirmedAt: new Date(), dispatchedAt: new Date(),
    })).toObject() as DrawDoc;
    const team = [
      { openId: 'ou_leader', name: '长名字组长'.repeat(4), role: '组长', unit: '运城市市场监督管理局', county: '市局' },
      { openId: 'ou_officer', name: '执法人员', role: '执法人员', unit: '永济市市场监督管理局', county: '永济市' },
    ];
    const docs = Array.from({ length: 1000 }, (_, i) => ({
      campaignId: campaign._id, drawId: draw._id, no: i + 1, checklist: 'industrial', team, state: '待接收', version: 0,
      enterprise: {
        uscc: `91140802MA${String(i).padStart(8, '0')}`,
        name: `运城市盐湖区第${i + 1}家名字相当长的电线电缆制造有限责任公司（示例）${'附'.repeat(i % 50)}`,
        licenceNo: `（晋）XK06-001-${String(i).padStart(5, '0')}`, product: '电线电缆', category: '工业产品', validFrom: '2021-01-01',
        validTo: '2026-01-01', county: COUNTY, address: '地址', riskClass: 'A',
      },
    }));
    await taskModel(conn()).insertMany(docs);
  });

  it('is paged: every page under 30 KB and accepted by Feishu; 下一页/上一页 reach every row once', async () => {
    const tasks = await taskModel(conn()).find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();
    const byNo = new Map(tasks.map((t) => [t.no, t]));
    await h.service.outbox.sendCard('test:county-list', { openId: LIAISON.openId }, countyTasksCard({ draw, campaign, county: COUNTY, tasks, page: 0 }));
    const sent = await h.emulator.waitFor((m) => m.receive_id === LIAISON.openId && cardText(m.content).includes('检查任务'), 30_000);
    let card: unknown = sent.current;
    const pages = Math.ceil(1000 / COUNTY_PAGE_ROWS);
    const seen = new Set<string>();
    for (let page = 1; page <= pages; page++) {
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(30 * 1024);
      expect(cardText(card)).toContain(`第 ${page}/${pages} 页`);
      const buttons = findButtons(card).map((b) => b.text);
      expect(buttons.includes('上一页')).toBe(page > 1);
      expect(buttons.includes('下一页')).toBe(page < pages);
      expect(buttons).toContain('接收');
      type Row = { no: string; name: string; licence: string; leader: string; state: string };
      const table = (card as { body: { elements: { tag: string; rows?: Row[] }[] } }).body.elements.find((e) => e.tag === 'table')!;
      for (const r of table.rows!) {
        expect(seen.has(r.no)).toBe(false);
        seen.add(r.no);
        // every column as the task has it, on every page
        const t = byNo.get(Number(r.no))!;
        expect(r).toEqual({ no: String(t.no), name: cell(t.enterprise.name, 40), licence: cell(t.enterprise.licenceNo, 30), leader: cell(t.team[0]!.name, 12), state: '待接收' });
      }
      if (page < pages) {
        const click = await h.feishu.clickButton(LIAISON.openId, card, '下一页');
        expect(click.clientError).toBeUndefined();
        card = click.card;
      }
    }
    expect(seen.size).toBe(1000);
    const back = await h.feishu.clickButton(LIAISON.openId, card, '上一页');
    expect(cardText(back.card)).toContain(`第 ${pages - 1}/${pages} 页`);
  });

  it('receiving from a later page receives all 1,000 and keeps that page', async () => {
    const tasks = await taskModel(conn()).find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();
    await h.service.outbox.sendCard('test:county-page5', { openId: LIAISON.openId }, countyTasksCard({ draw, campaign, county: COUNTY, tasks, page: 4 }));
    const sent = await h.emulator.waitFor((m) => m.receive_id === LIAISON.openId && cardText(m.content).includes('第 5/20 页'), 30_000);
    const other = await h.feishu.clickButton(OTHER.openId, sent.current, '下一页');
    expect(other.toast?.type).toBe('error');
    const click = await h.feishu.clickButton(LIAISON.openId, sent.current, '接收');
    // 1,000 tasks may take longer than the 3-second answer on a loaded machine: then the card is patched afterwards.
    const card = click.card ?? (await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes('已由'), 60_000)).current;
    expect(cardText(card)).toContain('第 5/20 页');
    expect(cardText(card)).toContain('已由');
    expect(findButtons(card).map((b) => b.text)).not.toContain('接收');
    expect(await taskModel(conn()).countDocuments({ drawId: draw._id, state: '待检查' })).toBe(1000);
  });

  it('without paging the same list would be refused by Feishu (230025); through the outbox it arrives only as a stand-in', async () => {
    const tasks = await taskModel(conn()).find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();
    const one = countyTasksCard({ draw, campaign, county: COUNTY, tasks, page: 0 }) as { body: { elements: { tag: string; rows?: unknown[] }[] } };
    const table = one.body.elements.find((e) => e.tag === 'table')!;
    table.rows = tasks.map((t) => ({ no: String(t.no), name: t.enterprise.name, licence: t.enterprise.licenceNo, leader: '组长', state: t.state }));
    expect(Buffer.byteLength(JSON.stringify(one))).toBeGreaterThan(30 * 1024);

    // Straight to the platform with the SDK: refused.
    // a silent logger instead of the SDK's console one: the refusal is asserted below, not printed into the test
    // output (a loggerLevel of `fatal` does not do it: the SDK reads `params.loggerLevel || info`, and fatal is 0)
    const client = new lark.Client({
      appId: TEST_APP.appId,
      appSecret: TEST_APP.appSecret,
      domain: h.emulator.url,
      cache: new lark.DefaultCache(),
      logger: silentLogger,
    });
    const answer = (await client.im.message
      .create({ params: { receive_id_type: 'open_id' }, data: { receive_id: OTHER.openId, msg_type: 'interactive', content: JSON.stringify(one) } })
      .catch((err: { response?: { data?: unknown } }) => err.response?.data)) as { code?: number } | undefined;
    expect(answer?.code).toBe(230025);

    // Through the outbox: measured when queued, the short stand-in goes out instead of a refusal.
    await h.service.outbox.sendCard('test:county-list-unpaged', { openId: OTHER.openId }, one);
    const sent = await h.emulator.waitFor((m) => m.receive_id === OTHER.openId && cardText(m.current).includes('30 KB'), 30_000);
    expect(cardText(sent.current)).toContain('内容');
  });
});

describe('user text in draw cards is text', () => {
  /** The card's markdown as sent, and the text a person sees (character references decoded, as the client does). */
  async function reply(text: string): Promise<{ md: string; seen: string }> {
    const sent = await h.feishu.sendText(CITY.openId, text);
    const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
    const m = await h.emulator.waitFor((x) => x.root === messageId);
    const md = (m.content as { body: { elements: { content?: string }[] } }).body.elements.map((e) => e.content ?? '').join('\n');
    return { md, seen: cardText(m.content) };
  }

  /** Nothing the client would read as a link, a mention or an entity that turns into one. */
  function expectInert(md: string): void {
    expect(md).not.toMatch(/\]\(https?:/);
    expect(md).not.toMatch(/<at/i);
    expect(md).not.toMatch(/&lt;at/i);
  }

  it('echoed arguments: a markdown link, <at id=all> and its entity form are escaped', async () => {
    const typed = '[点此领取](https://evil.example/x) &lt;at_id=all&gt;&lt;/at&gt; <at_id=all></at>';
    const { md, seen } = await reply(`/抽取 ${typed}`);
    expectInert(md);
    expect(seen).toContain('[点此领取](https://evil.example/x)');
    expect(seen).toContain('&lt;at_id');
    expect(seen).toContain('<at_id');
  });

  it('an unknown campaign name is echoed escaped', async () => {
    const { md, seen } = await reply('/抽取 专项=[奖](https://evil.example)<at_id=all>&lt;at');
    expectInert(md);
    expect(seen).toContain('没有名为“[奖](https://evil.example)<at_id=all>&lt;at”');
  });

  it('campaign names in cards are escaped too', async () => {
    await campaignModel(conn()).updateMany({}, { $set: { status: 'closed', slot: `closed:${String(new Types.ObjectId())}` } });
    const name = '专项[点我](https://evil.example)&lt;at id=all&gt;';
    const { campaign } = await createCampaign(conn(), { name, year: 2025, from: '2025-03-15', to: '2025-10-31', ratio: 0.25 });
    await drawModel(conn()).create({
      campaignId: campaign._id, attempt: 1, status: 'confirmed', requestedBy: CITY.openId, requestedByName: CITY.name,
      algorithm: 'spotcheck-draw/2', populationHash: 'p', staffHash: 's', confirmedAt: new Date(), dispatchedAt: new Date(),
    });
    const { md, seen } = await reply('/抽取');
    expectInert(md);
    expect(seen).toContain(name);
  });
});
