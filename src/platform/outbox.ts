import type * as lark from '@larksuiteoapi/node-sdk';
import { Types, type Model } from 'mongoose';
import type { Logger } from '../logger';
import { binaryBytes } from '../store/binary';
import { deleteChunks, readChunks, writeChunks, type ChunkOwner } from '../store/chunks';
import { isDuplicateKeyError } from '../store/processedEvents';
import { rateBudgetModel, targetLeaseModel } from '../store/rateLimits';
import {
  FILE_CHUNK_BYTES,
  FILE_KEPT_AFTER_UPLOAD_MS,
  FILE_RETENTION_MS,
  outboxFileChunkModel,
  uuidForKey,
  type FileType,
  type OutboxFileChunk,
  type StoredFileRef,
  type OutboxEntry,
  type OutboxKind,
  type ReceiveIdType,
} from '../store/outbox';
import { invalidateTenantToken } from './larkClient';
import { SlidingWindowLimiter, type WindowRule } from './rateLimiter';
import { SharedBudget, type BudgetRules } from './sharedBudget';
import { TargetLeases } from './targetLeases';

/** Where a message goes. */
export type Recipient = { openId: string } | { chatId: string };

export type Card = Record<string, unknown>;

// Platform limits (docs/feishu.md §8), with a small margin for clock and network jitter. Per target: counted
// here, by the one process holding the target's lease (targetLeases.ts); per app: counted in the database, for
// every process together (sharedBudget.ts).
const PER_TARGET: WindowRule = { limit: 5, windowMs: 1050 };
const APP_LIMITS: BudgetRules = {
  burst: { limit: 50, windowMs: 1050 },
  sustained: { limit: 1000, windowMs: 61_000 },
};
/** The shared budget's document: every message API (create, reply, patch) and uploads count in one budget. */
const APP_BUDGET_ID = 'im';

const RETRYABLE_CODES = new Set([230020, 99991400]);
/** Feishu's limit on a message's content (cards: 30 KB; docs/feishu-cards.md §8) and its refusal code. */
export const CARD_MAX_BYTES = 30 * 1024;
const CONTENT_TOO_LONG = 230025;
/** A card replaced by `fitCard` is small; a 230025 for something this small is parked, not replaced again. */
const SMALL_CARD_BYTES = 8 * 1024;
const MAX_FILE_BYTES = 30 * 1024 * 1024;
const TOKEN_CODES = new Set([99991661, 99991663]);

export interface OutboxOptions {
  concurrency?: number;
  maxAttempts?: number;
  /** claimed entries not finished within this time are taken again (crash recovery) */
  leaseMs?: number;
  pollMs?: number;
  /** backoff base; attempt n waits base × 2^(n-1), capped, with jitter */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * What to send instead of a card over 30 KB (bot/cards.ts `oversizeCard`): applied when the card is queued, and
   * when Feishu refuses one with 230025 all the same. Without it such a card is parked as failed.
   */
  fitCard?: (card: Card, bytes: number) => Card;
}

/**
 * Why a sleeping loop woke: its poll timer, work this process announced (an enqueue, a retry coming due, stop), or
 * another loop that found work by looking.
 */
type Wake = 'timer' | 'announced' | 'chain';

interface Sleeper {
  /** the poller (or a loop backing off after a database error): it wakes by itself */
  timed: boolean;
  wake(reason: Wake): void;
}

/** Another process took the target's lease while this one waited for a slot: the entry goes back, untried. */
class TargetElsewhere extends Error {}

/** Feishu takes files of 1 byte to 30 MB (docs/feishu.md "Files"): anything else fails the entry, not retried. */
function checkFileSize(bytes: number): void {
  if (bytes === 0 || bytes > MAX_FILE_BYTES) {
    throw new ApiError(-3, `file size ${bytes} bytes is outside what Feishu accepts (1 byte to 30 MB)`);
  }
}

function recipientFields(to: Recipient): { receiveIdType: ReceiveIdType; receiveId: string; rateKey: string } {
  return 'openId' in to
    ? { receiveIdType: 'open_id', receiveId: to.openId, rateKey: `user:${to.openId}` }
    : { receiveIdType: 'chat_id', receiveId: to.chatId, rateKey: `chat:${to.chatId}` };
}

interface Failure {
  retry: 'no' | 'later' | 'token';
  delayMs?: number;
  message: string;
  /** Feishu's code, when it gave one */
  code?: number;
}

/** Reads an SDK failure: AxiosError (non-2xx) or a resolved body with code ≠ 0. */
export function classifyFailure(err: unknown): Failure {
  const e = err as {
    response?: { status?: number; data?: { code?: number; msg?: string }; headers?: Record<string, unknown> };
    code?: unknown;
    message?: string;
  };
  const status = e.response?.status;
  const body = e.response?.data ?? (typeof e.code === 'number' ? (e as { code: number; msg?: string }) : undefined);
  const code = typeof body?.code === 'number' ? body.code : undefined;
  const msg = `${status ?? ''} ${code ?? ''} ${body?.msg ?? e.message ?? ''}`.trim();
  if (code !== undefined && TOKEN_CODES.has(code)) return { retry: 'token', message: msg, code };
  const resetRaw = e.response?.headers?.['x-ogw-ratelimit-reset'];
  const reset = Number(resetRaw);
  if (status === 429 || (code !== undefined && RETRYABLE_CODES.has(code))) {
    return { retry: 'later', delayMs: Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined, message: msg, code };
  }
  if (status === undefined || status >= 500) return { retry: 'later', message: msg || 'network error', code };
  return { retry: 'no', message: msg, code };
}

/** A failure read from a 2xx body (code ≠ 0) or raised by the outbox itself (negative codes). */
class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
  ) {
    super(`${code} ${msg}`);
  }
}

function classifyApiError(err: ApiError): Failure {
  const message = `${err.code} ${err.msg}`;
  if (TOKEN_CODES.has(err.code)) return { retry: 'token', message, code: err.code };
  if (RETRYABLE_CODES.has(err.code) || err.code === -1) return { retry: 'later', message, code: err.code };
  return { retry: 'no', message, code: err.code };
}

function ensureOk<T extends { code?: number; msg?: string }>(res: T): T {
  if (res.code !== undefined && res.code !== 0) throw new ApiError(res.code, res.msg ?? '');
  return res;
}

/**
 * The outbox: enqueue writes a document (idempotent by key); the worker delivers it with the SDK under the
 * platform's rate limits, retrying throttling, 5xx and network errors with backoff, refreshing the token on
 * 99991663, and sending Feishu the same `uuid` on every attempt so a retry never shows twice.
 */
export class Outbox {
  private readonly limiter = new SlidingWindowLimiter();
  /** idle loops, oldest first: new work wakes one of them (waking all would send eight claims per message) */
  private readonly sleepers: Sleeper[] = [];
  /**
   * Whether an idle loop is polling (on a pollMs timer). One poller is enough: the work this process creates wakes a
   * loop itself (enqueue, a retry coming due), so polling only finds what it does not announce (another process's
   * entries, expired leases, targets another process let go), and the other idle loops wait to be woken.
   */
  private polling = false;
  private readonly busy = new Set<string>();
  private running = false;
  private loops: Promise<void>[] = [];
  /** targets with the longest queues, refreshed every second: a few loops serve them first (see claim) */
  private hotKeys: string[] = [];
  private hotRefreshedAt = 0;
  private readonly opts: Required<OutboxOptions>;
  private readonly fitsCards: boolean;
  private readonly fileSources = new Map<string, (ref: string) => Promise<Buffer>>();
  /** the bytes of files queued with their data, a chunk per document */
  private readonly chunks: Model<OutboxFileChunk>;
  /** the app-wide limits, shared with every process on this database */
  readonly budget: SharedBudget;
  /** which process sends to which target */
  readonly leases: TargetLeases;

  constructor(
    private readonly model: Model<OutboxEntry>,
    private readonly client: lark.Client | undefined,
    private readonly appId: string | undefined,
    private readonly log: Logger,
    opts: OutboxOptions = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.opts = {
      concurrency: opts.concurrency ?? 8,
      maxAttempts: opts.maxAttempts ?? 12,
      leaseMs: opts.leaseMs ?? 60_000,
      pollMs: opts.pollMs ?? 500,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 5 * 60_000,
      fitCard: opts.fitCard ?? ((card) => card),
    };
    this.fitsCards = opts.fitCard !== undefined;
    this.chunks = outboxFileChunkModel(model.db);
    this.budget = new SharedBudget(rateBudgetModel(model.db), APP_BUDGET_ID, APP_LIMITS, log);
    // A dead process's targets wait for its leases as its claimed entries wait for theirs: not longer than 10 s.
    this.leases = new TargetLeases(targetLeaseModel(model.db), { holdMs: Math.min(10_000, Math.max(4000, this.opts.leaseMs)) });
  }

  // ---- enqueue ----------------------------------------------------------------------------------------------

  async sendCard(key: string, to: Recipient, card: Card): Promise<void> {
    await this.enqueue({ key, kind: 'send', ...recipientFields(to), msgType: 'interactive', content: this.cardContent(key, card) });
  }

  /** The card as queued: one over Feishu's 30 KB is replaced by `fitCard` here, before it is stored or sent. */
  private cardContent(key: string, card: Card): string {
    const content = JSON.stringify(card);
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes <= CARD_MAX_BYTES || !this.fitsCards) return content;
    this.log.warn({ key, bytes }, 'outbox: card over 30 KB replaced by the oversize card');
    return JSON.stringify(this.opts.fitCard(card, bytes));
  }

  async sendText(key: string, to: Recipient, text: string): Promise<void> {
    await this.enqueue({ key, kind: 'send', ...recipientFields(to), msgType: 'text', content: JSON.stringify({ text }) });
  }

  /** Reply to a message (in a group the answer stays attached to the command). `to` is the chat, for rate limits. */
  async replyCard(key: string, messageId: string, to: Recipient, card: Card): Promise<void> {
    const { rateKey } = recipientFields(to);
    await this.enqueue({ key, kind: 'reply', targetMessageId: messageId, rateKey, msgType: 'interactive', content: this.cardContent(key, card) });
  }

  async patchCard(key: string, messageId: string, card: Card): Promise<void> {
    await this.enqueue({ key, kind: 'patch', targetMessageId: messageId, rateKey: `msg:${messageId}`, content: this.cardContent(key, card) });
  }

  /**
   * Sends a file: its bytes, or a reference to a registered source read at delivery (such as a draw's bundle).
   * Bytes are written to `outbox_files` a chunk per command before the entry is queued (storeFile): the entry
   * itself stays small, and no command carries more than one chunk.
   */
  async sendFile(
    key: string,
    to: Recipient,
    file: { name: string; type: FileType } & ({ data: Buffer } | { source: { kind: string; ref: string } }),
  ): Promise<void> {
    if (!('data' in file)) {
      await this.enqueue({ key, kind: 'file', ...recipientFields(to), msgType: 'file', file });
      return;
    }
    // Already queued (a redelivered event, a second click): nothing to store.
    if (await this.model.exists({ key })) {
      this.wakeOne();
      return;
    }
    const stored = await this.storeFile(file.data);
    // Not queued by this call (no upsert, or the unique key refused it): the chunks are deleted only when the entry
    // under the key refers to another file. The entry decides, not the write's answer: a write run again after a
    // lost reply (by a server that keeps no record of it) would answer "no upsert" for the entry this call wrote. An
    // error that leaves it unknown (a timeout, a failover) keeps them: deleting the chunks of a queued entry would
    // lose its file; unused, they go with the TTL.
    const queued = await this.enqueue({
      key,
      kind: 'file',
      ...recipientFields(to),
      msgType: 'file',
      file: { name: file.name, type: file.type, stored },
    });
    if (queued || stored.chunks === 0) return;
    try {
      const entry = await this.model.findOne({ key }, { 'file.stored.id': 1 }).lean<Pick<OutboxEntry, 'file'>>();
      if (entry && !entry.file?.stored?.id?.equals(stored.id)) await deleteChunks(this.fileChunks(stored.id));
    } catch (err) {
      this.log.warn({ err, key }, 'outbox: deleting the chunks of a file queued twice failed');
    }
  }

  /**
   * Writes a file's bytes to `outbox_files` in chunks of FILE_CHUNK_BYTES (store/chunks.ts: one insert each, a turn
   * of the event loop between). A size Feishu refuses (0 bytes, over 30 MB) is not stored: the entry is queued and
   * fails at delivery with the size named.
   */
  private async storeFile(data: Buffer): Promise<StoredFileRef> {
    const id = new Types.ObjectId();
    if (data.length === 0 || data.length > MAX_FILE_BYTES) return { id, bytes: data.length, chunks: 0 };
    // The TTL monitor deletes by the database's clock: counted from the wall clock, not the service's (tests move it).
    const written = await writeChunks(this.fileChunks(id), data, FILE_CHUNK_BYTES, new Date(Date.now() + FILE_RETENTION_MS));
    return { id, ...written };
  }

  /** Where a stored file's chunks are (store/chunks.ts). */
  private fileChunks(id: Types.ObjectId): ChunkOwner {
    return { collection: this.chunks.collection, field: 'file', id };
  }

  /** Where `sendFile(…, {source: {kind, ref}})` reads its bytes. */
  registerFileSource(kind: string, read: (ref: string) => Promise<Buffer>): void {
    this.fileSources.set(kind, read);
  }

  /** Queues an entry unless its key is queued already; true when this call queued it. */
  private async enqueue(fields: {
    key: string;
    kind: OutboxKind;
    rateKey: string;
    receiveIdType?: ReceiveIdType;
    receiveId?: string;
    targetMessageId?: string;
    msgType?: OutboxEntry['msgType'];
    content?: string;
    file?: { name: string; type: FileType } & ({ stored: StoredFileRef } | { source: { kind: string; ref: string } });
  }): Promise<boolean> {
    const now = this.now();
    let inserted = false;
    try {
      const res = await this.model.updateOne(
        { key: fields.key },
        {
          $setOnInsert: {
            ...fields,
            uuid: uuidForKey(fields.key),
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
          },
        },
        { upsert: true },
      );
      inserted = res.upsertedCount > 0;
    } catch (err) {
      // Two concurrent upserts of one key: the other one won, which is what idempotency means.
      if (!isDuplicateKeyError(err)) throw err;
    }
    this.wakeOne();
    return inserted;
  }

  /** The delivered entries whose key starts with `prefix`, with the message ids Feishu gave them (to patch them). */
  async deliveredUnder(prefix: string): Promise<{ key: string; messageId: string }[]> {
    const literal = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const docs = await this.model.find({ key: { $regex: `^${literal}` }, status: 'sent' }, { key: 1, messageId: 1 }).sort({ key: 1 }).lean();
    return docs.flatMap((d) => (d.messageId ? [{ key: d.key, messageId: d.messageId }] : []));
  }

  /** The message id Feishu gave a delivered entry (e.g. to patch that card later). */
  async deliveredMessageId(key: string): Promise<string | undefined> {
    const doc = await this.model.findOne({ key, status: 'sent' }, { messageId: 1 }).lean();
    return doc?.messageId;
  }

  /**
   * Shows `card` in place of the card delivered under `sentKey`, if it was delivered (a card that still offers what
   * no longer holds: a void task's 开始检查, a stale 确认签字 …). `patchKey` keeps the patch once-only. False when
   * nothing was delivered under that key.
   */
  async patchDelivered(sentKey: string, patchKey: string, card: Card): Promise<boolean> {
    const shown = await this.deliveredMessageId(sentKey);
    if (shown) await this.patchCard(patchKey, shown, card);
    return shown !== undefined;
  }

  // ---- worker -------------------------------------------------------------------------------------------------

  start(): void {
    if (this.running) return;
    if (!this.client) {
      this.log.warn('outbox worker not started: no Feishu app configured (sandbox)');
      return;
    }
    this.running = true;
    this.loops = Array.from({ length: this.opts.concurrency }, (_, i) => this.loop(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const sleeper of [...this.sleepers]) sleeper.wake('announced');
    await Promise.all(this.loops);
    this.loops = [];
    // Another instance may take over this one's targets a moment from now, and counts what it sent.
    await this.budget.flush().catch((err: unknown) => this.log.warn({ err }, 'outbox: settling the send budget failed'));
    await this.leases.releaseAll().catch((err: unknown) => this.log.warn({ err }, 'outbox: releasing target leases failed'));
    this.log.info({ budget: this.budget.stats, leases: this.leases.stats }, 'outbox stopped');
  }

  /** Counts by status (health, digest, tests). */
  async counts(): Promise<Record<string, number>> {
    const rows = await this.model.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  private async loop(index: number): Promise<void> {
    let woken: Wake | 'work' = 'timer';
    while (this.running) {
      let entry: OutboxEntry | null = null;
      try {
        // Longest-queue-first for two loops: a target with many messages is held to 5 per second, so it must
        // start early to finish within what the limits allow; the other loops keep first-in-first-out order.
        if (index < 2) {
          await this.refreshHotKeys();
          for (const key of this.hotKeys) {
            if (this.busy.has(key) || this.leases.isHeldElsewhere(key)) continue;
            entry = await this.claim([key]);
            if (entry) break;
          }
        }
        entry ??= await this.claim();
      } catch (err) {
        this.log.error({ err, loop: index }, 'outbox claim failed');
      }
      if (!entry) {
        woken = await this.idle();
        continue;
      }
      // Work found by looking rather than announced (a poll, or a loop this chain woke): there may be more of it (a
      // batch written by another process, leases expired together), so another idle loop looks too, until one finds
      // nothing. Announced work wakes a loop per entry itself.
      if (woken === 'timer' || woken === 'chain') this.wakeOne('chain');
      woken = 'work';
      try {
        // Another process sends to this target for now: the entry goes back and waits for it (or its lease's end).
        if (!(await this.leases.hold(entry.rateKey))) {
          await this.handBack(entry);
          continue;
        }
        await this.deliver(entry);
      } catch (err) {
        // A database error while recording the outcome: the lease expires and the entry is taken again
        // (create/reply carry the same uuid, so Feishu never shows it twice).
        this.log.error({ err, key: entry.key }, 'outbox could not record a delivery outcome');
        await this.sleep(this.opts.pollMs);
        woken = 'timer';
      } finally {
        this.busy.delete(entry.rateKey);
      }
    }
  }

  /** An idle loop: the poller when there is none (woken by its timer at the latest), else it waits to be woken. */
  private async idle(): Promise<Wake> {
    if (this.polling) return this.sleep(undefined);
    this.polling = true;
    try {
      return await this.sleep(this.opts.pollMs);
    } finally {
      this.polling = false;
    }
  }

  /** Sleeps until woken, or until `ms` have passed (no limit: until woken). */
  private sleep(ms: number | undefined): Promise<Wake> {
    // Stopped: stop() has woken the sleepers it found, and a loop that was waiting on the database when it was called
    // comes here afterwards: it must not wait for a wake that will not come (stop awaits every loop).
    if (!this.running) return Promise.resolve('announced');
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timed: ms !== undefined,
        wake: (reason) => {
          if (timer) clearTimeout(timer);
          const i = this.sleepers.indexOf(sleeper);
          if (i >= 0) this.sleepers.splice(i, 1);
          resolve(reason);
        },
      };
      const timer = ms === undefined ? undefined : setTimeout(() => sleeper.wake('timer'), ms);
      this.sleepers.push(sleeper);
    });
  }

  /** Wakes the loop idle longest, the poller last (it keeps polling while another loop can take the work). */
  private wakeOne(reason: Wake = 'announced'): void {
    (this.sleepers.find((s) => !s.timed) ?? this.sleepers[0])?.wake(reason);
  }

  private async refreshHotKeys(): Promise<void> {
    if (Date.now() - this.hotRefreshedAt < 1000) return;
    this.hotRefreshedAt = Date.now();
    this.leases.prune();
    await this.leases.refresh();
    const rows = await this.model.aggregate<{ _id: string; n: number }>([
      { $match: { status: 'pending' } },
      { $group: { _id: '$rateKey', n: { $sum: 1 } } },
      { $match: { n: { $gt: PER_TARGET.limit } } },
      { $sort: { n: -1 } },
      { $limit: 4 },
    ]);
    this.hotKeys = rows.map((r) => r._id);
  }

  private async claim(only?: string[]): Promise<OutboxEntry | null> {
    const now = this.now();
    const busy = [...this.busy, ...this.leases.heldElsewhere()];
    const entry = await this.model
      .findOneAndUpdate(
        {
          rateKey: only ? { $in: only, $nin: busy } : { $nin: busy },
          $or: [
            { status: 'pending', nextAttemptAt: { $lte: now } },
            { status: 'sending', leaseUntil: { $lt: now } },
          ],
        },
        { $set: { status: 'sending', leaseUntil: new Date(now.getTime() + this.opts.leaseMs) }, $inc: { attempts: 1 } },
        { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: 'after' },
      )
      .lean<OutboxEntry>();
    if (!entry) return null;
    if (this.busy.has(entry.rateKey)) {
      // Another loop claimed the same target in the meantime: hand it back untouched.
      await this.handBack(entry);
      return null;
    }
    this.busy.add(entry.rateKey);
    return entry;
  }

  /** Puts a claimed entry back as it was (this attempt does not count). */
  private async handBack(entry: OutboxEntry): Promise<void> {
    await this.model.updateOne({ _id: entry._id }, { $set: { status: 'pending' }, $inc: { attempts: -1 }, $unset: { leaseUntil: 1 } });
  }

  /**
   * Waits for the target's slot (this process's limiter: it holds the target's lease), then for a grant of the
   * app's shared budget; the returned function is called once the call has been answered, so both count it from
   * then (SlidingWindowLimiter.settle, SharedBudget.settle).
   */
  private async throttle(rateKey: string, leased: boolean): Promise<() => void> {
    const buckets = [{ key: rateKey, rule: PER_TARGET }];
    const now = Date.now();
    const wait = this.limiter.reserve(buckets, now);
    const keys = [rateKey];
    const booked = now + wait;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const grant = await this.budget.take();
    const until = grant - Date.now();
    if (until > 0) await new Promise((r) => setTimeout(r, until));
    // A long wait may have brought the lease near its end: renew it, or leave the target to its new holder. (A
    // call not made leaves its slots booked: stricter, never looser.)
    if (leased && !this.leases.maySend(rateKey) && !(await this.leases.hold(rateKey))) throw new TargetElsewhere(rateKey);
    return () => {
      const done = Date.now();
      this.limiter.settle(keys, booked, done);
      this.budget.settle(grant, done);
    };
  }

  /**
   * One API call under the rate limits. `leased`: the target is a receiver (or a message) whose lease this process
   * must hold; uploads have no receiver, and each process paces its own (they draw on the app's budget all the same).
   */
  private async limited<T>(rateKey: string, call: () => Promise<T>, leased = true): Promise<T> {
    const answered = await this.throttle(rateKey, leased);
    try {
      return await call();
    } finally {
      answered();
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    let messageId: string | undefined;
    try {
      messageId = await this.send(entry);
    } catch (err) {
      if (err instanceof TargetElsewhere) {
        await this.handBack(entry);
        return;
      }
      await this.failed(entry, err);
      return;
    }
    await this.model.updateOne(
      { _id: entry._id },
      { $set: { status: 'sent', sentAt: this.now(), messageId }, $unset: { leaseUntil: 1, lastError: 1 } },
    );
    this.log.debug({ key: entry.key, messageId }, 'outbox delivered');
  }

  /** One API call per kind (two for a file not yet uploaded); returns Feishu's message id. */
  private async send(entry: OutboxEntry): Promise<string | undefined> {
    const client = this.client!;
    if (entry.kind === 'patch') {
      ensureOk(
        await this.limited(entry.rateKey, () =>
          client.im.message.patch({ path: { message_id: entry.targetMessageId! }, data: { content: entry.content! } }),
        ),
      );
      return entry.targetMessageId;
    }
    if (entry.kind === 'reply') {
      const res = ensureOk(
        await this.limited(entry.rateKey, () =>
          client.im.message.reply({
            path: { message_id: entry.targetMessageId! },
            data: { msg_type: entry.msgType!, content: entry.content!, uuid: entry.uuid },
          }),
        ),
      );
      return res.data?.message_id;
    }
    const content = entry.kind === 'file' ? JSON.stringify({ file_key: await this.upload(entry) }) : entry.content!;
    const res = ensureOk(
      await this.limited(entry.rateKey, () =>
        client.im.message.create({
          params: { receive_id_type: entry.receiveIdType! },
          data: { receive_id: entry.receiveId!, msg_type: entry.msgType!, content, uuid: entry.uuid },
        }),
      ),
    );
    return res.data?.message_id;
  }

  /**
   * Uploads a file entry once: the key is kept, so a retry of the message never uploads again, and the stored chunks
   * expire an hour later.
   */
  private async upload(entry: OutboxEntry): Promise<string> {
    const file = entry.file!;
    if (file.fileKey) return file.fileKey;
    let data: Buffer;
    if (file.stored) {
      checkFileSize(file.stored.bytes);
      data = await this.readStored(file.stored);
    } else if (file.source) {
      const read = this.fileSources.get(file.source.kind);
      if (!read) throw new ApiError(-2, `no file source “${file.source.kind}”`);
      data = await read(file.source.ref);
    } else {
      // queued before files were stored in chunks
      data = binaryBytes(file.data);
    }
    checkFileSize(data.length);
    const res = await this.limited(
      'upload',
      () => this.client!.im.file.create({ data: { file_type: file.type, file_name: file.name, file: data } }),
      false,
    );
    const fileKey = res?.file_key;
    if (!fileKey) throw new ApiError(-1, 'file upload returned no file_key');
    await this.model.updateOne({ _id: entry._id }, { $set: { 'file.fileKey': fileKey } });
    if (file.stored) {
      // Not needed by this entry any more, but not deleted at once: a process that claimed the entry again while this
      // upload was slow (its lease ran out) may be about to read them; it uploads once more, and Feishu keeps one
      // message of the two sends with the same uuid. Left behind on failure, they go with the week's TTL.
      await this.chunks
        .updateMany({ file: file.stored.id }, { $set: { expiresAt: new Date(Date.now() + FILE_KEPT_AFTER_UPLOAD_MS) } })
        .catch((err: unknown) => this.log.warn({ err, key: entry.key }, 'outbox: shortening the stay of an uploaded file\'s chunks failed'));
    }
    return fileKey;
  }

  /**
   * A stored file's bytes, checked against what was stored (store/chunks.ts readChunks: count, length, SHA-256): a
   * missing or altered chunk fails the entry rather than upload a truncated file.
   */
  private async readStored(stored: StoredFileRef): Promise<Buffer> {
    const read = await readChunks(this.fileChunks(stored.id), { bytes: stored.bytes, chunks: stored.chunks, sha256: stored.sha256 ?? '' });
    if (read.ok) return read.data;
    const what = `stored file ${String(stored.id)}`;
    if (read.why === 'missing') {
      throw new ApiError(-4, `${what} is incomplete: chunk ${read.chunks} of ${stored.chunks} missing (expired or deleted); nothing uploaded`);
    }
    throw new ApiError(-4, `${what} does not match what was queued (${read.bytes} of ${stored.bytes} bytes, or another SHA-256); nothing uploaded`);
  }

  private async failed(entry: OutboxEntry, err: unknown): Promise<void> {
    const failure = err instanceof ApiError ? classifyApiError(err) : classifyFailure(err);
    if (failure.retry === 'token' && this.appId) invalidateTenantToken(this.client!, this.appId);
    if (failure.code === CONTENT_TOO_LONG && (await this.replaceOversized(entry, failure))) return;
    const exhausted = entry.attempts >= this.opts.maxAttempts;
    if (failure.retry === 'no' || exhausted) {
      // Parked with its reason. It never holds up the target's later messages: only retries do (below).
      await this.model.updateOne(
        { _id: entry._id },
        { $set: { status: 'failed', lastError: failure.message }, $unset: { leaseUntil: 1 } },
      );
      this.log.error({ key: entry.key, attempts: entry.attempts, error: failure.message }, 'outbox message given up');
      return;
    }
    const backoff = Math.min(this.opts.backoffBaseMs * 2 ** (entry.attempts - 1), this.opts.backoffMaxMs);
    const delay = failure.retry === 'token' ? 0 : (failure.delayMs ?? backoff) * (1 + Math.random() * 0.2);
    const next = new Date(this.now().getTime() + delay);
    await this.model.updateOne(
      { _id: entry._id },
      { $set: { status: 'pending', lastError: failure.message, nextAttemptAt: next }, $unset: { leaseUntil: 1 } },
    );
    // Later messages to the same target wait too, so they cannot overtake this one (order per target is kept).
    await this.model.updateMany(
      { rateKey: entry.rateKey, status: 'pending', _id: { $ne: entry._id }, nextAttemptAt: { $lt: next } },
      { $set: { nextAttemptAt: next } },
    );
    this.log.warn({ key: entry.key, attempts: entry.attempts, delayMs: Math.round(delay), error: failure.message }, 'outbox retry scheduled');
    setTimeout(() => this.wakeOne(), delay + 5).unref();
  }

  /**
   * Feishu found a card too long (230025) although it was measured when queued (or it was queued before cards
   * were measured): the oversize card goes out in its place, at once. Returns false when there is nothing to
   * replace (not a card, already small, or no `fitCard`).
   */
  private async replaceOversized(entry: OutboxEntry, failure: Failure): Promise<boolean> {
    const content = entry.content;
    if (!this.fitsCards || content === undefined || (entry.kind !== 'patch' && entry.msgType !== 'interactive')) return false;
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes <= SMALL_CARD_BYTES) return false;
    let card: Card;
    try {
      card = JSON.parse(content) as Card;
    } catch {
      return false;
    }
    const replacement = JSON.stringify(this.opts.fitCard(card, bytes));
    await this.model.updateOne(
      { _id: entry._id },
      { $set: { status: 'pending', content: replacement, nextAttemptAt: this.now(), lastError: failure.message }, $unset: { leaseUntil: 1 } },
    );
    this.log.warn({ key: entry.key, bytes, error: failure.message }, 'outbox: card refused as too long; the oversize card is sent instead');
    this.wakeOne();
    return true;
  }
}
