/**
 * The webhook calls our own event handlers directly (platform/events.ts ownHandlerCall) instead of through the SDK's
 * EventDispatcher.invoke: the handlers must get what they got through the SDK, and whatever is not ours (another
 * event type, an event the SDK would decrypt or copy differently) must still go through the SDK.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import pino from 'pino';
import { createEventDispatcher, ownHandlerCall, type CardAction, type InboundMessage } from '../../src/platform/events';
import { silentLogger } from '../../src/sandbox/emulator';
import type { EventDeduper } from '../../src/store/processedEvents';

const seen: { cards: CardAction[]; messages: InboundMessage[] } = { cards: [], messages: [] };
const deduper = {
  claim: async () => true,
  complete: async () => undefined,
  completeSoon: async () => undefined,
  release: async () => undefined,
} as unknown as EventDeduper;
const dispatcher = createEventDispatcher({
  encryptKey: 'k',
  deduper,
  log: pino({ level: 'silent' }),
  handlers: {
    onMessage: async (m) => void seen.messages.push(m),
    onCardAction: async (a) => {
      seen.cards.push(a);
      return { toast: { type: 'info', content: `收到 ${String((a.value as { a?: unknown }).a)}` } };
    },
  },
});

const header = { event_id: 'ev_1', token: 'tok', create_time: '1', event_type: 'card.action.trigger', tenant_key: 't', app_id: 'cli_1' };
const card = {
  schema: '2.0',
  header,
  event: {
    operator: { open_id: 'ou_1', user_id: 'u' },
    token: 'c-token',
    action: { value: { a: 'insp.answer', task: 'f'.repeat(24), item: 2, v: 3, verdict: '符合' }, tag: 'button', form_value: { record: '记录' } },
    context: { open_message_id: 'om_1', open_chat_id: 'oc_1' },
  },
};
const message = {
  schema: '2.0',
  header: { ...header, event_type: 'im.message.receive_v1' },
  event: {
    sender: { sender_type: 'user', sender_id: { open_id: 'ou_2' } },
    message: { message_id: 'om_2', chat_id: 'oc_2', chat_type: 'p2p', message_type: 'text', content: '{"text":"/帮助"}', mentions: [{ key: '@_user_1' }] },
  },
};

/** What a handler got and answered, through the SDK or directly. */
async function through(route: 'sdk' | 'own', event: Record<string, unknown>) {
  seen.cards = [];
  seen.messages = [];
  const own = ownHandlerCall(dispatcher, event);
  if (route === 'own' && !own) throw new Error('not called directly');
  const result = route === 'own' ? await own!() : await dispatcher.invoke(Object.assign(Object.create({ headers: {} }) as object, event), { needCheck: false });
  const strip = (a: CardAction) => ({ ...a, claim: typeof a.claim });
  return { result, cards: seen.cards.map(strip), messages: seen.messages };
}

it.each([
  ['a card callback', card],
  ['a chat message', message],
])('hands %s to its handler as the SDK does, and answers the same', async (_label, event) => {
  const viaSdk = await through('sdk', event);
  const direct = await through('own', event);
  expect(viaSdk.cards.length + viaSdk.messages.length).toBe(1);
  expect(direct).toEqual(viaSdk);
});

it('leaves to the SDK what it handles otherwise', () => {
  expect(ownHandlerCall(dispatcher, { ...card, header: { ...header, event_type: 'contact.user.created_v3' } })).toBeUndefined();
  expect(ownHandlerCall(dispatcher, { ...card, encrypt: 'x' })).toBeUndefined();
  expect(ownHandlerCall(dispatcher, JSON.parse('{"schema":"2.0","__proto__":{"x":1},"header":{"event_type":"card.action.trigger"}}') as Record<string, unknown>)).toBeUndefined();
  const { schema: _s, ...v1 } = card;
  expect(ownHandlerCall(dispatcher, v1)).toBeUndefined();
  // the SDK's console logger replaced: its "event-dispatch is ready" line is not the test's output
  expect(ownHandlerCall(new lark.EventDispatcher({ logger: silentLogger }).register({ 'card.action.trigger': async () => ({}) }), card)).toBeUndefined();
});
