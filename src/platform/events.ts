import * as lark from '@larksuiteoapi/node-sdk';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { EventDeduper } from '../store/processedEvents';
import { databaseUnavailableMessage } from '../store/timeouts';

const FAILED_TOAST = '处理失败，请稍后重试；如多次失败请联系联络员';

/** An inbound chat message, as much as the bot needs of `im.message.receive_v1`. */
export interface InboundMessage {
  eventId: string;
  messageId: string;
  chatId: string;
  chatType: 'p2p' | 'group';
  senderOpenId: string;
  messageType: string;
  /** the message's content JSON string, e.g. {"text":"/帮助"} */
  content: string;
  mentionKeys: string[];
}

/** A click on a card button (`card.action.trigger`). */
export interface CardAction {
  eventId: string;
  operatorOpenId: string;
  value: unknown;
  formValue: Record<string, unknown> | undefined;
  messageId: string | undefined;
  chatId: string | undefined;
  /**
   * For a click whose handler de-duplicates by itself (BotHandlers.dedupesItself) and got no claim: claims the event
   * in processed_events now, as the dispatcher claims every other click, for a handler that recognises only some of
   * its redeliveries by itself (开始检查: the start it records, operations/inspection/startInspection.ts). Call it
   * before any other effect; false: the event was or is being handled (a redelivery), do nothing and answer with
   * nothing. At most one claim per click; the dispatcher marks it handled, or releases it when the handler fails.
   */
  claim?: () => Promise<boolean>;
}

export interface CallbackResponse {
  toast?: { type: 'info' | 'success' | 'error' | 'warning'; content: string };
  card?: { type: 'raw'; data: Record<string, unknown> };
}

export interface BotHandlers {
  onMessage(msg: InboundMessage): Promise<void>;
  onCardAction(action: CardAction): Promise<CallbackResponse>;
  /**
   * Whether the click's handler de-duplicates by itself: it applies the click at most once and does nothing again
   * for a redelivery of the same event (e.g. an item answer: a compare-and-set that records the event id; it answers
   * the redelivery with the card of the stored state). Such a click
   * gets no claim in processed_events before its handler; the handler may take one itself (CardAction.claim)
   * (docs/architecture.md, "A card click, end to end").
   */
  dedupesItself?(action: CardAction): boolean;
}

// The SDK hands handlers a flattened {schema, ...header, ...event}.
const messageEvent = z.object({
  event_id: z.string().min(1),
  sender: z.object({ sender_type: z.string().optional(), sender_id: z.object({ open_id: z.string().min(1) }) }),
  message: z.object({
    message_id: z.string().min(1),
    chat_id: z.string().min(1),
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string(),
    mentions: z.array(z.object({ key: z.string() })).optional().nullable(),
  }),
});

const cardEvent = z.object({
  event_id: z.string().min(1),
  operator: z.object({ open_id: z.string().min(1) }),
  action: z.object({
    value: z.unknown().optional(),
    form_value: z.record(z.string(), z.unknown()).optional().nullable(),
  }),
  context: z.object({ open_message_id: z.string().optional(), open_chat_id: z.string().optional() }).optional(),
});

export const CALLBACK_DEADLINE_MS = 2500;

type Outcome<T> = { done: true; value: T } | { done: false };

function withDeadline<T>(work: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  return Promise.race([work.then((value) => ({ done: true as const, value })), timeout]).finally(() => clearTimeout(timer));
}

/**
 * The SDK's EventDispatcher with our handlers behind validation, de-duplication (event_id, and message_id for
 * messages) and a deadline: Feishu wants an answer within 3 s, so slow work goes on after the answer.
 * Used by the webhook (after its own signature and token checks) and by the long connection.
 */
export function createEventDispatcher(opts: {
  encryptKey: string;
  deduper: EventDeduper;
  handlers: BotHandlers;
  log: Logger;
  deadlineMs?: number;
  /**
   * A card answer that came after the deadline: the user saw only “正在处理”, so the card is updated in place
   * afterwards (the message id is the callback's context.open_message_id).
   */
  lateCard?: (eventId: string, messageId: string, card: Record<string, unknown>) => Promise<void>;
  now?: () => Date;
}): lark.EventDispatcher {
  const { deduper, handlers, log } = opts;
  const deadline = opts.deadlineMs ?? CALLBACK_DEADLINE_MS;
  const now = opts.now ?? (() => new Date());

  const onMessage = async (data: unknown): Promise<Record<string, never>> => {
    const parsed = messageEvent.safeParse(data);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'malformed im.message.receive_v1 ignored');
      return {};
    }
    const e = parsed.data;
    if (e.sender.sender_type && e.sender.sender_type !== 'user') return {};
    const keys = [`event:${e.event_id}`, `message:${e.message.message_id}`];
    if (!(await deduper.claim(keys, now()))) {
      log.info({ eventId: e.event_id }, 'duplicate event ignored');
      return {};
    }
    const msg: InboundMessage = {
      eventId: e.event_id,
      messageId: e.message.message_id,
      chatId: e.message.chat_id,
      chatType: e.message.chat_type === 'group' ? 'group' : 'p2p',
      senderOpenId: e.sender.sender_id.open_id,
      messageType: e.message.message_type,
      content: e.message.content,
      mentionKeys: (e.message.mentions ?? []).map((m) => m.key),
    };
    const work = handlers.onMessage(msg).then(
      () => deduper.complete(keys),
      async (err: unknown) => {
        // Let Feishu's redelivery try again: forget that we saw it.
        await deduper.release(keys).catch(() => undefined);
        throw err;
      },
    );
    const outcome = await withDeadline(work, deadline);
    if (!outcome.done) {
      work.catch((err: unknown) => log.error({ err, eventId: e.event_id }, 'message handling failed after the answer'));
    }
    return {};
  };

  const onCard = async (data: unknown): Promise<CallbackResponse> => {
    const parsed = cardEvent.safeParse(data);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'malformed card.action.trigger ignored');
      return { toast: { type: 'error', content: '无法识别的操作，请发送 /帮助 重新开始' } };
    }
    const e = parsed.data;
    const action: CardAction = {
      eventId: e.event_id,
      operatorOpenId: e.operator.open_id,
      value: e.action.value,
      formValue: e.action.form_value ?? undefined,
      messageId: e.context?.open_message_id,
      chatId: e.context?.open_chat_id,
    };
    // a click whose handler de-duplicates by itself is neither claimed nor marked (no keys), unless the handler
    // claims it itself (action.claim): then its claim is marked or released as any other
    const eventKey = `event:${e.event_id}`;
    const keys = handlers.dedupesItself?.(action) ? [] : [eventKey];
    if (keys.length === 0) {
      let claiming: Promise<boolean> | undefined;
      action.claim = () =>
        (claiming ??= deduper.claim([eventKey], now()).then((claimed) => {
          if (claimed) keys.push(eventKey);
          return claimed;
        }));
    }
    try {
      if (keys.length > 0 && !(await deduper.claim(keys, now()))) return {};
    } catch (err) {
      log.error({ err, eventId: e.event_id }, 'card action not handled: the event could not be claimed');
      return { toast: { type: 'error', content: databaseUnavailableMessage(err) ?? FAILED_TOAST } };
    }
    const work = handlers.onCardAction(action);
    // Marked handled once the handler is done (with the other marks of the next 20 ms, in one write), without holding
    // the answer for that write. Until the mark lands the
    // claim (done false, `until` 10 s ahead) already makes a redelivery a duplicate; a process dying between the
    // answer and the mark leaves a claim that expires, and only then could a redelivery take the event over — but
    // Feishu redelivers a callback only when it got no answer, and this one was answered (a death before the answer
    // is as before: no answer, the claim expires, the redelivery handles it). A mark that fails is logged; the
    // answer the user got stays true (docs/architecture.md, "A card click, end to end").
    void work.then(
      () => deduper.completeSoon(keys).catch((err: unknown) => log.error({ err, eventId: e.event_id }, 'card action handled but not marked as handled')),
      () => undefined,
    );
    try {
      const outcome = await withDeadline(work, deadline);
      if (outcome.done) return outcome.value;
      work
        .then(async (late) => {
          if (late.card && action.messageId && opts.lateCard) await opts.lateCard(e.event_id, action.messageId, late.card.data);
        })
        .catch((err: unknown) => log.error({ err, eventId: e.event_id }, 'card action failed after the answer'));
      return { toast: { type: 'info', content: '正在处理，卡片稍后自动更新' } };
    } catch (err) {
      await deduper.release(keys).catch(() => undefined);
      log.error({ err, eventId: e.event_id }, 'card action failed');
      return { toast: { type: 'error', content: databaseUnavailableMessage(err) ?? FAILED_TOAST } };
    }
  };

  const byType: Record<string, (data: unknown) => Promise<unknown>> = {
    'im.message.receive_v1': onMessage,
    'card.action.trigger': onCard,
  };
  const dispatcher = new lark.EventDispatcher({ encryptKey: opts.encryptKey, loggerLevel: lark.LoggerLevel.error }).register(byType);
  OWN_HANDLERS.set(dispatcher, new Map(Object.entries(byType)));
  return dispatcher;
}

/** The handlers createEventDispatcher registered, by event type, for the webhook to call them directly. */
const OWN_HANDLERS = new WeakMap<lark.EventDispatcher, ReadonlyMap<string, (data: unknown) => Promise<unknown>>>();

/**
 * What the SDK's EventDispatcher.invoke (without its check) does with a decrypted schema 2.0 event whose type has one
 * of our handlers: flattens it as the SDK's RequestHandle.parse does ({...rest, ...header, ...event}, with the same
 * Object.assign order) and calls the handler. Undefined — the SDK's invoke is used as before — when the dispatcher is
 * not ours, the event is not schema 2.0, still carries an `encrypt` field, has a top-level `__proto__` key (copied
 * differently by the SDK), or its type has no handler of ours. One copy and the SDK's generator-based wrapper fewer
 * per event; the handler sees the same fields (all but the SDK's own symbol-keyed event type, which it never reads).
 */
export function ownHandlerCall(dispatcher: lark.EventDispatcher, event: Record<string, unknown>): (() => Promise<unknown>) | undefined {
  const handlers = OWN_HANDLERS.get(dispatcher);
  if (!handlers || !('schema' in event) || 'encrypt' in event || Object.hasOwn(event, '__proto__')) return undefined;
  const { header, event: body, ...rest } = event;
  const type = (header as { event_type?: unknown } | null | undefined)?.event_type;
  const handler = typeof type === 'string' ? handlers.get(type) : undefined;
  if (!handler) return undefined;
  const flat: unknown = Object.assign(Object.assign(Object.assign({}, rest), header), body);
  return () => handler(flat);
}
