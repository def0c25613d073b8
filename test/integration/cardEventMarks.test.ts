/**
 * Card callbacks are marked handled after their answer, several marks in one write (EventDeduper.completeSoon):
 * every handled click ends `done`, a redelivery before or after the mark is answered as a duplicate, and a
 * handler that fails leaves nothing claimed.
 */
import { createLogger } from '../../src/logger';
import { createEventDispatcher, type BotHandlers } from '../../src/platform/events';
import { EventDeduper, processedEventModel } from '../../src/store/processedEvents';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb('card_event_marks');
});
afterAll(async () => {
  await db.close();
});

function cardEvent(eventId: string, a = 'ok') {
  return {
    schema: '2.0',
    header: { event_id: eventId, event_type: 'card.action.trigger', token: 'vt', create_time: '1', app_id: 'cli_x', tenant_key: 't' },
    event: {
      operator: { open_id: 'ou_user1' },
      action: { value: { a }, tag: 'button' },
      context: { open_message_id: 'om_card1', open_chat_id: 'oc_1' },
    },
  };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 20 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('marks every handled click done, answers redeliveries as duplicates, and releases a failed one', async () => {
  const handled: string[] = [];
  const handlers: BotHandlers = {
    onMessage: async () => undefined,
    onCardAction: async (action) => {
      if ((action.value as { a: string }).a === 'fail') throw new Error('boom');
      handled.push(action.eventId);
      return { toast: { type: 'success', content: '已保存' } };
    },
  };
  const processed = processedEventModel(db.conn);
  const dispatcher = createEventDispatcher({ encryptKey: 'k', deduper: new EventDeduper(processed), handlers, log: createLogger('silent') });
  const ids = Array.from({ length: 12 }, (_, i) => `ev_mark_${i}`);
  const answers = (await Promise.all(ids.map((id) => dispatcher.invoke(cardEvent(id), { needCheck: false })))) as { toast?: { type: string } }[];
  expect(answers.every((a) => a.toast?.type === 'success')).toBe(true);

  // a redelivery right after the answer (mark possibly not yet written) is a duplicate: not handled again
  expect(await dispatcher.invoke(cardEvent(ids[0]!), { needCheck: false })).toEqual({});
  const keys = ids.map((id) => `event:${id}`);
  await until(async () => (await processed.countDocuments({ _id: { $in: keys }, done: true })) === ids.length);
  const marks = await processed.find({ _id: { $in: keys } }).lean();
  expect(marks).toHaveLength(ids.length);
  expect(marks.every((m) => m.done === true && m.until === undefined)).toBe(true);
  // and after the mark as well
  expect(await dispatcher.invoke(cardEvent(ids[5]!), { needCheck: false })).toEqual({});
  expect(handled.sort()).toEqual([...ids].sort());

  // a handler that fails: the user is told, the claim is released so that a redelivery can try again
  const failed = (await dispatcher.invoke(cardEvent('ev_mark_fail', 'fail'), { needCheck: false })) as { toast?: { type: string } };
  expect(failed.toast?.type).toBe('error');
  await until(async () => (await processed.exists({ _id: 'event:ev_mark_fail' })) === null);
});

it('drain writes the marks still waiting for their batch at once (the service stops only after them)', async () => {
  const processed = processedEventModel(db.conn);
  const deduper = new EventDeduper(processed);
  const keys = Array.from({ length: 5 }, (_, i) => `event:ev_drain_${i}`);
  for (const key of keys) expect(await deduper.claim([key], new Date())).toBe(true);
  const marked = deduper.completeSoon(keys);
  // in the same turn as the marks: nothing written yet, the batch waits for its timer
  await deduper.drain();
  expect(await processed.countDocuments({ _id: { $in: keys }, done: true })).toBe(keys.length);
  await marked;
  await deduper.drain(); // nothing left: resolves at once
});

it('a click whose handler de-duplicates itself is not claimed, unless the handler claims it (action.claim): then marked, or released on failure', async () => {
  const processed = processedEventModel(db.conn);
  const effects: string[] = [];
  const handlers: BotHandlers = {
    onMessage: async () => undefined,
    dedupesItself: () => true,
    onCardAction: async (action) => {
      const a = (action.value as { a: string }).a;
      if (a === 'own') return { toast: { type: 'success', content: '自己去重' } };
      // claims, like 开始检查's outcomes other than the start: twice to show it is one claim per click
      if (!(await action.claim!()) || !(await action.claim!())) return {};
      effects.push(action.eventId);
      if (a === 'claimFail') throw new Error('boom');
      return { toast: { type: 'success', content: '已处理' } };
    },
  };
  const dispatcher = createEventDispatcher({ encryptKey: 'k', deduper: new EventDeduper(processed), handlers, log: createLogger('silent') });
  const invoke = (id: string, a: string) => dispatcher.invoke(cardEvent(id, a), { needCheck: false }) as Promise<{ toast?: { type: string } }>;

  expect((await invoke('ev_self_own', 'own')).toast?.type).toBe('success');
  expect(await processed.exists({ _id: 'event:ev_self_own' })).toBeNull();

  expect((await invoke('ev_self_claim', 'claim')).toast?.type).toBe('success');
  // the redelivery finds the claim: nothing done again
  expect(await invoke('ev_self_claim', 'claim')).toEqual({});
  expect(effects).toEqual(['ev_self_claim']);
  await until(async () => (await processed.findById('event:ev_self_claim').lean())?.done === true);

  expect((await invoke('ev_self_fail', 'claimFail')).toast?.type).toBe('error');
  await until(async () => (await processed.exists({ _id: 'event:ev_self_fail' })) === null);
  // released: the redelivery handles it again
  expect((await invoke('ev_self_fail', 'claimFail')).toast?.type).toBe('error');
  expect(effects).toEqual(['ev_self_claim', 'ev_self_fail', 'ev_self_fail']);
});

it('a handler’s own claim that fails (the database) does nothing, answers with the error toast and leaves no mark', async () => {
  const processed = processedEventModel(db.conn);
  class FailingDeduper extends EventDeduper {
    override async claim(): Promise<boolean> {
      throw new Error('database unavailable');
    }
  }
  const effects: string[] = [];
  const handlers: BotHandlers = {
    onMessage: async () => undefined,
    dedupesItself: () => true,
    onCardAction: async (action) => {
      if (!(await action.claim!())) return {};
      effects.push(action.eventId);
      return { toast: { type: 'success', content: '已处理' } };
    },
  };
  const dispatcher = createEventDispatcher({ encryptKey: 'k', deduper: new FailingDeduper(processed), handlers, log: createLogger('silent') });
  const answer = (await dispatcher.invoke(cardEvent('ev_claim_down', 'claim'), { needCheck: false })) as { toast?: { type: string; content: string } };
  expect(answer.toast?.type).toBe('error');
  expect(effects).toEqual([]);
  expect(await processed.exists({ _id: 'event:ev_claim_down' })).toBeNull();
});
