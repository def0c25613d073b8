/** In-memory state of the emulated tenant: tokens, messages, resources, idempotency keys, card tokens. */
import { EventEmitter } from 'node:events';
import { newCardToken, newTenantToken } from './ids';
import type { CardJson, CardToken, InboundMessage, JsonObject, SentMessage, StoredFile, StoredImage, UpdateVia } from './types';

export const TOKEN_TTL_S = 7200;
/** The platform issues a new tenant token once less than 30 min remain (the old one stays valid). */
const TOKEN_RENEW_S = 1800;
export const UUID_WINDOW_MS = 3600_000;
export const CARD_TOKEN_TTL_MS = 30 * 60_000;
export const CARD_TOKEN_MAX_USES = 2;

export class TokenRegistry {
  private readonly tokens = new Map<string, number>(); // token → expiry (ms)
  private current?: string;

  issue(now: number): { token: string; expire: number } {
    const expiry = this.current ? this.tokens.get(this.current) : undefined;
    if (!this.current || expiry === undefined || expiry - now < TOKEN_RENEW_S * 1000) {
      this.current = newTenantToken();
      this.tokens.set(this.current, now + TOKEN_TTL_S * 1000);
    }
    const token = this.current;
    return { token, expire: Math.floor(((this.tokens.get(token) ?? now) - now) / 1000) };
  }

  isValid(token: string, now: number): boolean {
    const expiry = this.tokens.get(token);
    return expiry !== undefined && expiry > now;
  }

  /** Invalidate every token issued so far. */
  expireAll(): void {
    this.tokens.clear();
    this.current = undefined;
  }
}

/**
 * The contents the store holds (each message's content as sent, its updates and its current content). They are never
 * changed in place (an update replaces `current`), so what is derived from one — its JSON here, a card's text and
 * buttons in the simulated client — can be kept with it: tests scan every message on each wait.
 */
const storedContents = new WeakSet<object>();

/** Whether `value` is content the store holds (see storedContents). */
export function isStoredContent(value: unknown): value is object {
  return typeof value === 'object' && value !== null && storedContents.has(value);
}

/** `compute`, kept with each stored content it was asked for (anything else is computed afresh on each call). */
export function keptWithStored<T>(compute: (value: unknown) => T): (value: unknown) => T {
  const kept = new WeakMap<object, T>();
  return (value) => {
    if (!isStoredContent(value)) return compute(value);
    if (kept.has(value)) return kept.get(value) as T;
    const result = compute(value);
    kept.set(value, result);
    return result;
  };
}

const jsonOf = keptWithStored((value) => JSON.stringify(value));

export class EmulatorStore {
  /**
   * `keepCardHistory` false: a message keeps only its latest update (`updates` and `updateLog` hold one entry), for
   * long load runs (scripts/bench.ts), where every version of every card would be the emulator's own memory. The
   * sandbox console counts a card's updates as its version (console/server.ts): it runs with the history.
   */
  constructor(private readonly keepCardHistory = true) {}

  readonly messages: SentMessage[] = [];
  readonly inbound = new Map<string, InboundMessage>();
  readonly files = new Map<string, StoredFile>();
  readonly images = new Map<string, StoredImage>();
  readonly cardTokens = new Map<string, CardToken>();
  /** uuid → {message id, first use}; answers within the window reuse the message. */
  readonly uuids = new Map<string, { messageId: string; at: number }>();
  /** Emits `change` with the SentMessage on every create and update. */
  /** many tests wait on it at once (waitFor), so no listener limit */
  readonly events = new EventEmitter().setMaxListeners(0);
  private readonly byId = new Map<string, SentMessage>();

  message(id: string): SentMessage | undefined {
    return this.byId.get(id);
  }

  addMessage(msg: SentMessage): void {
    storedContents.add(msg.content);
    storedContents.add(msg.current);
    this.messages.push(msg);
    this.byId.set(msg.message_id, msg);
    if (msg.uuid) this.uuids.set(msg.uuid, { messageId: msg.message_id, at: msg.createdAt });
    this.events.emit('change', msg);
  }

  updateMessage(msg: SentMessage, content: JsonObject, via: UpdateVia, at: number): void {
    storedContents.add(content);
    if (!this.keepCardHistory) {
      msg.updates.length = 0;
      msg.updateLog.length = 0;
    }
    msg.updates.push(content);
    msg.updateLog.push({ via, at });
    msg.current = content;
    this.events.emit('change', msg);
  }

  /** A message sent earlier with this uuid, within the idempotency window. */
  byUuid(uuid: string, now: number): SentMessage | undefined {
    const hit = this.uuids.get(uuid);
    if (!hit || now - hit.at >= UUID_WINDOW_MS) return undefined;
    return this.byId.get(hit.messageId);
  }

  /** Messages addressed to a receive_id, or posted in a chat. */
  messagesTo(receiveId: string): SentMessage[] {
    return this.messages.filter((m) => m.receive_id === receiveId || m.chat_id === receiveId);
  }

  lastCardTo(receiveId: string): CardJson | undefined {
    const cards = this.messagesTo(receiveId).filter((m) => m.msg_type === 'interactive');
    return cards.length ? (cards[cards.length - 1].current as CardJson) : undefined;
  }

  /** The latest message whose current content equals `card` (by reference or JSON). */
  /**
   * The message showing this card: the same object first; else the latest with equal content, preferring one sent
   * to `viewer` (teammates often get identical cards, and a user can only click the copy in their own chat).
   */
  findByCard(card: unknown, viewer?: string): SentMessage | undefined {
    const interactive = this.messages.filter((m) => m.msg_type === 'interactive');
    const same = interactive.find((m) => m.current === card);
    if (same) return same;
    const json = jsonOf(card);
    const equal = interactive.filter((m) => jsonOf(m.current) === json);
    return equal.reverse().find((m) => viewer !== undefined && m.receive_id === viewer) ?? equal[0];
  }

  issueCardToken(messageId: string, openId: string, now: number): string {
    const token = newCardToken();
    this.cardTokens.set(token, { token, messageId, openId, issuedAt: now, uses: 0 });
    return token;
  }

  reset(): void {
    this.messages.length = 0;
    this.byId.clear();
    this.inbound.clear();
    this.files.clear();
    this.images.clear();
    this.cardTokens.clear();
    this.uuids.clear();
  }
}
