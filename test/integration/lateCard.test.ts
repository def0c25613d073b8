/** A card action that outlives the callback deadline: the user is told to wait, then the card is updated in place. */
import { createLogger } from '../../src/logger';
import { createEventDispatcher, type BotHandlers } from '../../src/platform/events';
import { EventDeduper, processedEventModel } from '../../src/store/processedEvents';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb('late_card');
});
afterAll(async () => {
  await db.close();
});

function cardEvent(eventId: string) {
  return {
    schema: '2.0',
    header: { event_id: eventId, event_type: 'card.action.trigger', token: 'vt', create_time: '1', app_id: 'cli_x', tenant_key: 't' },
    event: {
      operator: { open_id: 'ou_user1' },
      action: { value: { a: 'slow' }, tag: 'button' },
      context: { open_message_id: 'om_card1', open_chat_id: 'oc_1' },
    },
  };
}

it('answers “正在处理” at the deadline and patches the card when the work is done', async () => {
  const card = { schema: '2.0', body: { elements: [{ tag: 'markdown', content: '完成' }] } };
  const handlers: BotHandlers = {
    onMessage: async () => undefined,
    onCardAction: () => new Promise((resolve) => setTimeout(() => resolve({ card: { type: 'raw', data: card } }), 300)),
  };
  const late: [string, string, unknown][] = [];
  const dispatcher = createEventDispatcher({
    encryptKey: 'k',
    deduper: new EventDeduper(processedEventModel(db.conn)),
    handlers,
    log: createLogger('silent'),
    deadlineMs: 50,
    lateCard: async (eventId, messageId, c) => {
      late.push([eventId, messageId, c]);
    },
  });
  const answer = (await dispatcher.invoke(cardEvent('ev_late_1'), { needCheck: false })) as { toast?: { content: string }; card?: unknown };
  expect(answer.card).toBeUndefined();
  expect(answer.toast?.content).toContain('正在处理');
  // The card is patched once the work is done: wait for that, with a generous bound.
  for (let i = 0; i < 1000 && late.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(late).toEqual([['ev_late_1', 'om_card1', card]]);
});

it('answers with the card itself when the work is quick', async () => {
  const card = { schema: '2.0', body: { elements: [] } };
  const late: unknown[] = [];
  const dispatcher = createEventDispatcher({
    encryptKey: 'k',
    deduper: new EventDeduper(processedEventModel(db.conn)),
    handlers: { onMessage: async () => undefined, onCardAction: async () => ({ card: { type: 'raw', data: card } }) },
    log: createLogger('silent'),
    deadlineMs: 30_000, // quick work answers with its card, however busy the machine
    lateCard: async (...args) => {
      late.push(args);
    },
  });
  const answer = (await dispatcher.invoke(cardEvent('ev_quick_1'), { needCheck: false })) as { card?: { data: unknown } };
  expect(answer.card?.data).toEqual(card);
  expect(late).toHaveLength(0);
});
