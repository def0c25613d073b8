/**
 * Cards too big for Feishu (over 30 KB: the emulator refuses them with 230025, as Feishu does) never fail silently
 * and never loop: a card is measured when rendered and when queued, and the short “内容过多” card goes out in its
 * place; an entry Feishu refuses all the same is replaced at once; an entry refused for good (230099, a card
 * Feishu cannot build) is parked with its reason, and the target's later messages still go out.
 */
import { cardBytes, CARD_MAX_BYTES, renderCard } from '../../src/bot/cards';
import type { Card } from '../../src/platform/outbox';
import { cardText } from '../../src/sandbox/client';
import { validateCard } from '../../src/sandbox/emulator';
import { outboxModel, uuidForKey } from '../../src/store/outbox';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
const USER = 'ou_size0000000000000000000000000001';
const OTHER = 'ou_size0000000000000000000000000002';

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'card_size' });
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

const model = () => outboxModel(h.service.db.connection);

function card(title: string, text: string): Card {
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: title }, template: 'blue' },
    body: { elements: [{ tag: 'markdown', content: text }] },
  };
}

async function settled(key: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = await model().findOne({ key }).lean();
    if (doc && (doc.status === 'sent' || doc.status === 'failed')) return doc;
    if (Date.now() > deadline) throw new Error(`outbox entry ${key} still ${doc?.status ?? 'missing'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('rendering', () => {
  it('a card over 30 KB renders as the short card, valid, with the title clipped and what to do', () => {
    const name = '公'.repeat(10 * 1024 * 1024);
    const big = renderCard('message', { title: name, color: 'blue', paragraphs: ['记'.repeat(20_000)] });
    expect(validateCard(big).ok).toBe(true);
    expect(cardBytes(big)).toBeLessThan(4 * 1024);
    const text = cardText(big);
    expect(text).toContain(`${'公'.repeat(40)}…`);
    expect(text).toMatch(/这张卡片的内容约 \d+ KB，超过了飞书单张卡片 30 KB 的上限/);
    expect(text).toContain('/导出 许可证编号或企业名称');
    const small = renderCard('message', { title: '正常', color: 'blue', paragraphs: ['记'.repeat(1000)] });
    expect(cardText(small)).toContain('记'.repeat(1000));
  });
});

describe('through the outbox and the emulator', () => {
  it('a 10 MB firm name: the card is replaced when queued (it fits in the database), delivered, and the next message follows', async () => {
    const huge = card('公'.repeat(10 * 1024 * 1024), '任务卡片');
    expect(cardBytes(huge)).toBeGreaterThan(CARD_MAX_BYTES);
    await h.service.outbox.sendCard('size:huge', { openId: USER }, huge);
    await h.service.outbox.sendCard('size:after', { openId: USER }, card('下一条', '普通卡片'));
    const first = await settled('size:huge');
    expect(first.status).toBe('sent');
    expect(Buffer.byteLength(first.content!)).toBeLessThan(4 * 1024);
    expect((await settled('size:after')).status).toBe('sent');
    const received = h.emulator.messages().filter((m) => m.receive_id === USER);
    expect(received.map((m) => cardText(m.content).split('\n')[0])).toEqual([`${'公'.repeat(40)}…`, '下一条']);
    expect(cardText(received[0]!.content)).toContain('超过了飞书单张卡片 30 KB 的上限');
  });

  it('an entry queued before cards were measured is refused by Feishu (230025), replaced at once, and not retried as it was', async () => {
    const content = JSON.stringify(card('旧队列中的卡片', '记'.repeat(12_000)));
    expect(Buffer.byteLength(content)).toBeGreaterThan(CARD_MAX_BYTES);
    const now = new Date();
    await model().create({
      key: 'size:legacy',
      kind: 'send',
      receiveIdType: 'open_id',
      receiveId: OTHER,
      rateKey: `user:${OTHER}`,
      msgType: 'interactive',
      content,
      uuid: uuidForKey('size:legacy'),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
    });
    const doc = await settled('size:legacy');
    expect(doc.status).toBe('sent');
    // Refused once as too long, then the short card: two attempts, no retry loop.
    expect(doc.attempts).toBe(2);
    const received = h.emulator.messages().filter((m) => m.receive_id === OTHER);
    expect(received).toHaveLength(1);
    expect(cardText(received[0]!.content)).toContain('旧队列中的卡片');
    expect(cardText(received[0]!.content)).toContain('超过了飞书单张卡片 30 KB 的上限');
  });

  it('a card Feishu cannot build (230099) is parked with its reason; the same target’s later messages are delivered', async () => {
    const broken: Card = { schema: '2.0', body: { elements: [{ tag: 'no_such_component', content: 'x' }] } };
    await h.service.outbox.sendCard('size:broken', { openId: USER }, broken);
    await h.service.outbox.sendCard('size:next1', { openId: USER }, card('之后一', '一'));
    await h.service.outbox.sendCard('size:next2', { openId: USER }, card('之后二', '二'));
    const parked = await settled('size:broken');
    expect(parked.status).toBe('failed');
    expect(parked.attempts).toBe(1);
    expect(parked.lastError).toMatch(/230099/);
    expect((await settled('size:next1')).status).toBe('sent');
    expect((await settled('size:next2')).status).toBe('sent');
    const titles = h.emulator
      .messages()
      .filter((m) => m.receive_id === USER)
      .map((m) => cardText(m.content).split('\n')[0]);
    expect(titles).toEqual(['之后一', '之后二']);
  });
});
