/**
 * The app-wide send budget shared by every service process on one database (docs/architecture.md "Several
 * instances"): Feishu counts 50 message calls per second and 1000 per minute per app, whichever process makes them.
 *
 * The budget is one small document (store/rateLimits.ts): the latest grants (a sliding-window log, as the platform
 * counts) and grants per second (for the minute). A process books grants for the calls it is about to make by
 * compare-and-set on the document's version; concurrent requests of one process share one booking (one database
 * write per batch, not per message). Grants are booked at most `aheadMs` ahead, so a process that dies holds at
 * most that much of the budget. A call sent later than its grant (a busy event loop, a slow network) is settled:
 * its grant moves to the time its answer came back, written with the process's next booking (or within
 * `settleFlushMs`), so grants booked after that count from when the platform may have seen the call.
 *
 * Times are this process's clock. Processes on several hosts must keep their clocks in step (NTP): the limits used
 * are tighter than the platform's by a margin (50 ms a second) that absorbs skew and network jitter well below it.
 */
import type { Model } from 'mongoose';
import type { Logger } from '../logger';
import type { RateBudget } from '../store/rateLimits';
import { isDuplicateKeyError } from '../store/processedEvents';

export interface BudgetRules {
  /** at most `limit` grants in any window of `windowMs` (the per-second limit, with its margin) */
  burst: { limit: number; windowMs: number };
  /** at most `limit` grants in any window of `windowMs` (the per-minute limit, with its margin; counted by second) */
  sustained: { limit: number; windowMs: number };
}

export interface BudgetState {
  s: number[];
  m: [number, number][];
}

export interface GrantResult {
  state: BudgetState;
  /** the grants, ascending, each ≤ now + aheadMs */
  grants: number[];
  /** when fewer than wanted were granted: the earliest time the next grant can have */
  nextAt?: number;
}

/**
 * Books up to `want` grants at or after `now` and at most `aheadMs` ahead. Grants never go back in time (each is at
 * or after every grant in the log), so the log stays sorted and "at most `limit` in any window" reduces to "the
 * `limit`-th latest grant is at least a window before". The per-minute count is by epoch second: a second that
 * overlaps the window counts whole (conservative by under a second).
 */
export function grantSlots(prev: BudgetState, now: number, want: number, aheadMs: number, rules: BudgetRules): GrantResult {
  const { burst, sustained } = rules;
  const s = [...prev.s].sort((a, b) => a - b);
  const m = new Map<number, number>();
  // Seconds that can no longer touch a window ending at or after now are dropped.
  const oldestSecond = Math.floor((now - sustained.windowMs) / 1000);
  for (const [sec, n] of prev.m) if (sec >= oldestSecond && n > 0) m.set(sec, (m.get(sec) ?? 0) + n);
  const grants: number[] = [];
  let nextAt: number | undefined;
  while (grants.length < want) {
    let at = Math.max(now, s.length > 0 ? s[s.length - 1] : now);
    if (s.length >= burst.limit) at = Math.max(at, s[s.length - burst.limit] + burst.windowMs);
    // The minute: move past the oldest counted seconds until one more fits.
    for (;;) {
      const first = Math.floor((at - sustained.windowMs) / 1000);
      let count = 0;
      let oldest: number | undefined;
      for (const [sec, n] of m) {
        if (sec < first) continue;
        count += n;
        if (oldest === undefined || sec < oldest) oldest = sec;
      }
      if (count < sustained.limit || oldest === undefined) break;
      at = Math.max(at, (oldest + 1) * 1000 + sustained.windowMs);
    }
    if (at > now + aheadMs) {
      nextAt = at;
      break;
    }
    grants.push(at);
    s.push(at);
    const sec = Math.floor(at / 1000);
    m.set(sec, (m.get(sec) ?? 0) + 1);
  }
  return {
    state: { s: s.slice(-burst.limit), m: [...m].filter(([sec]) => sec >= oldestSecond).sort((a, b) => a[0] - b[0]) },
    grants,
    nextAt,
  };
}

/** Moves each settled grant (booked → answered) in the log, where it is still there. Later only, never earlier. */
export function applySettlements(state: BudgetState, settlements: readonly { booked: number; done: number }[]): BudgetState {
  if (settlements.length === 0) return state;
  const s = [...state.s];
  for (const { booked, done } of settlements) {
    if (done <= booked) continue;
    const i = s.indexOf(booked);
    if (i >= 0) s[i] = done;
  }
  s.sort((a, b) => a - b);
  return { s, m: state.m };
}

export interface SharedBudgetOptions {
  /** how far ahead of now a grant may be booked */
  aheadMs?: number;
  /** pending settlements are written within this time when no booking carries them */
  settleFlushMs?: number;
  now?: () => number;
}

interface Waiter {
  resolve: (at: number) => void;
  reject: (err: unknown) => void;
}

export class SharedBudget {
  private readonly waiters: Waiter[] = [];
  private readonly settlements: { booked: number; done: number }[] = [];
  /** the booking loop while it runs (one per process) */
  private pumping: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** the document as this process last wrote or read it (a write with a stale version is refused and re-read) */
  private cached: (BudgetState & { v: number }) | undefined;
  private readonly aheadMs: number;
  private readonly settleFlushMs: number;
  private readonly now: () => number;
  /** counters for tests and the bench */
  readonly stats = { writes: 0, conflicts: 0, grants: 0, settled: 0 };

  constructor(
    private readonly model: Model<RateBudget>,
    private readonly id: string,
    private readonly rules: BudgetRules,
    private readonly log: Logger,
    opts: SharedBudgetOptions = {},
  ) {
    this.aheadMs = opts.aheadMs ?? 100;
    this.settleFlushMs = opts.settleFlushMs ?? 100;
    this.now = opts.now ?? Date.now;
  }

  /** Resolves with a grant: the time (ms) from which one call may go. The caller waits until then. */
  take(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      void this.pump();
    });
  }

  /** The call made on the grant `booked` was answered at `done`: the grant moves there (see the file comment). */
  settle(booked: number, done: number): void {
    if (done <= booked) return;
    this.settlements.push({ booked, done });
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      if (this.settlements.length > 0) void this.pump();
    }, this.settleFlushMs);
    this.flushTimer.unref?.();
  }

  /** Writes pending settlements now (on shutdown). */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.settlements.length > 0 || this.pumping) await (this.pumping ?? this.pump());
  }

  private pump(): Promise<void> {
    this.pumping ??= this.run().finally(() => {
      this.pumping = undefined;
      // Asked for between the loop's last look and now: go round again.
      if (this.waiters.length > 0 || this.settlements.length > 0) void this.pump();
    });
    return this.pumping;
  }

  private async run(): Promise<void> {
    try {
      while (this.waiters.length > 0 || this.settlements.length > 0) {
        const wait = await this.bookOnce();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    } catch (err) {
      // The database failed: every waiter hears it (its call is retried by the outbox); settlements are dropped
      // (they only ever make the budget stricter).
      this.log.error({ err, budget: this.id }, 'shared send budget: booking failed');
      this.cached = undefined;
      this.settlements.length = 0;
      for (const w of this.waiters.splice(0)) w.reject(err);
    }
  }

  /** One compare-and-set round. Returns how long to wait before the next (0: go on at once). */
  private async bookOnce(): Promise<number> {
    const current = this.cached ?? (await this.read());
    const settling = this.settlements.slice();
    const now = this.now();
    const settled = applySettlements(current, settling);
    const want = this.waiters.length;
    const result = grantSlots(settled, now, want, this.aheadMs, this.rules);
    if (result.grants.length === 0 && settling.length === 0) {
      // Nothing to write: sleep until a grant fits in the booking horizon.
      return Math.max(1, (result.nextAt ?? now + this.aheadMs) - this.aheadMs - now);
    }
    const next = { v: current.v + 1, ...result.state };
    const written = await this.write(current.v, next);
    if (!written) {
      this.stats.conflicts++;
      this.cached = undefined;
      return 0;
    }
    this.stats.writes++;
    this.cached = next;
    this.settlements.splice(0, settling.length);
    this.stats.settled += settling.length;
    this.stats.grants += result.grants.length;
    for (const at of result.grants) this.waiters.shift()!.resolve(at);
    return 0;
  }

  private async read(): Promise<BudgetState & { v: number }> {
    const doc = await this.model.findById(this.id).lean<RateBudget>();
    if (doc) return { v: doc.v, s: doc.s ?? [], m: (doc.m ?? []).map(([a, b]) => [a, b] as [number, number]) };
    return { v: 0, s: [], m: [] };
  }

  /** Compare-and-set: v 0 means "no document yet" (insert; a concurrent insert wins and we read again). */
  private async write(v: number, next: BudgetState & { v: number }): Promise<boolean> {
    const at = new Date();
    if (v === 0) {
      try {
        await this.model.create({ _id: this.id, v: next.v, s: next.s, m: next.m, at });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    }
    // The driver's collection: the document is ours and small, so mongoose's casting would only cost time.
    const res = await this.model.collection.updateOne({ _id: this.id as never, v }, { $set: { v: next.v, s: next.s, m: next.m, at } });
    return res.matchedCount === 1;
  }
}
