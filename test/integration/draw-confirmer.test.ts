/**
 * The draw's result card names who confirmed it (确认人), which is not always who asked for the preview: any 市局联络员
 * may confirm a colleague's preview. Both result cards are checked: the confirm callback's and the one the dispatch
 * sends with the bundle files.
 */
import { drawModel } from '../../src/store/draw';
import { staffModel } from '../../src/store/staff';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

let h: Harness;
let reg: SeededRegistries;
const COLLEAGUE = { openId: 'ou_citycolleague000000000000000001', name: '冯确认', roles: ['联络员' as const], unit: '运城市市场监督管理局', county: '市局', avoid: [] };

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'drawconfirmer' });
  reg = await seedRegistries(h.service.db.connection, { enterprises: 60 });
  await staffModel(h.service.db.connection).create(COLLEAGUE);
});

afterAll(async () => {
  await h.close();
});

test('a colleague confirms the preview: 确认人 is the colleague, not the requester', async () => {
  const sent = await h.feishu.sendText(reg.cityLiaison.openId, '/抽取 种子=20240315');
  expect(sent.status).toBe(200);
  const preview = await h.emulator.waitFor((m) => m.root === (sent.envelope.event.message as { message_id: string }).message_id);
  expect(cardText(preview.content)).toContain('确认抽取');

  const click = await h.feishu.clickButton(COLLEAGUE.openId, preview.current, '确认抽取');
  expect(click.clientError).toBeUndefined();
  const answered = click.card
    ?? (await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes('抽取结果'), 120_000)).current;
  const text = cardText(answered);
  expect(text).toContain('抽取结果');
  expect(text).toContain(`确认人：${COLLEAGUE.name}`);
  expect(text).not.toContain(`确认人：${reg.cityLiaison.name}`);

  const draw = (await drawModel(h.service.db.connection).findOne({ status: 'confirmed' }).lean())!;
  expect(draw.requestedBy).toBe(reg.cityLiaison.openId);
  expect(draw.confirmedBy).toBe(COLLEAGUE.openId);

  // the dispatch sends the result card again, with the bundles, to whoever confirmed
  const dispatched = await h.emulator.waitFor((m) => m.receive_id === COLLEAGUE.openId && m.root === undefined && cardText(m.content).includes('抽取结果'), 120_000);
  expect(cardText(dispatched.content)).toContain(`确认人：${COLLEAGUE.name}`);
});
