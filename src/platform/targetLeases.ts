/**
 * One sending process per rate-limit target at a time (docs/architecture.md "Several instances"). Feishu allows 5
 * messages per second to a user or chat (and 5 patches per second to a message), whichever process sends them. The
 * process holding a target's lease is the only one that sends to it, so its own limiter (platform/rateLimiter.ts)
 * covers the target exactly, and messages to one person keep their order across processes too.
 *
 * A lease lasts `holdMs` and is renewed while in use. Its holder sends only while more than `quietMs` of it remain,
 * and another process takes it only once it has run out, so a target changing hands hears nothing for at least
 * `quietMs` (longer than the platform's one-second window): the new holder's limiter needs no history. A process
 * that dies leaves its leases to run out (at most `holdMs`).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Model } from 'mongoose';
import type { TargetLease } from '../store/rateLimits';
import { isDuplicateKeyError } from '../store/processedEvents';

export interface TargetLeaseOptions {
  holdMs?: number;
  /** renew when less than this remains */
  renewBelowMs?: number;
  /** no send starts with less than this left of the lease */
  quietMs?: number;
  now?: () => number;
}

export class TargetLeases {
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** leases held here: key → until (ms) */
  private readonly mine = new Map<string, number>();
  /** leases seen held elsewhere: key → until (ms); the outbox does not claim their entries meanwhile */
  private readonly others = new Map<string, number>();
  private readonly holdMs: number;
  private readonly renewBelowMs: number;
  readonly quietMs: number;
  private readonly now: () => number;
  readonly stats = { acquired: 0, renewed: 0, refused: 0 };

  constructor(
    private readonly model: Model<TargetLease>,
    opts: TargetLeaseOptions = {},
  ) {
    this.holdMs = opts.holdMs ?? 10_000;
    this.quietMs = opts.quietMs ?? 1500;
    this.renewBelowMs = opts.renewBelowMs ?? Math.max(this.quietMs + 500, this.holdMs * 0.3);
    this.now = opts.now ?? Date.now;
    if (this.renewBelowMs <= this.quietMs || this.holdMs <= this.renewBelowMs) {
      throw new Error('target leases: need holdMs > renewBelowMs > quietMs');
    }
  }

  /**
   * Makes sure this process holds the target's lease with at least `renewBelowMs` left (taking or renewing it in
   * the database when needed). False when another process holds it.
   */
  async hold(key: string): Promise<boolean> {
    const now = this.now();
    const until = this.mine.get(key);
    if (until !== undefined && until - now > this.renewBelowMs) return true;
    const foreign = this.others.get(key);
    if (foreign !== undefined && foreign > now) return false;
    const next = new Date(now + this.holdMs);
    try {
      const doc = await this.model
        .findOneAndUpdate(
          { _id: key, $or: [{ owner: this.owner }, { until: { $lte: new Date(now) } }] },
          { $set: { owner: this.owner, until: next } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<TargetLease>();
      if (doc?.owner === this.owner) {
        if (until !== undefined && until > now) this.stats.renewed++;
        else this.stats.acquired++;
        this.mine.set(key, next.getTime());
        this.others.delete(key);
        return true;
      }
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    // Held elsewhere: learn until when, and leave the target alone till then.
    this.mine.delete(key);
    this.stats.refused++;
    const held = await this.model.findById(key).lean<TargetLease>();
    const heldUntil = held && held.owner !== this.owner ? held.until.getTime() : now + 100;
    this.others.set(key, heldUntil);
    return false;
  }

  /**
   * Reads which targets other processes hold now, so the outbox leaves their entries alone instead of claiming and
   * handing them back (which would also let a later message to the target overtake the one handed back).
   */
  async refresh(): Promise<void> {
    const now = this.now();
    const held = await this.model
      .find({ owner: { $ne: this.owner }, until: { $gt: new Date(now) } }, { _id: 1, until: 1 })
      .lean<Pick<TargetLease, '_id' | 'until'>[]>();
    this.others.clear();
    for (const l of held) {
      this.others.set(l._id, l.until.getTime());
      this.mine.delete(l._id);
    }
  }

  /** True while a send to the target may start (the lease has more than `quietMs` left). */
  maySend(key: string): boolean {
    const until = this.mine.get(key);
    return until !== undefined && until - this.now() > this.quietMs;
  }

  /** Targets held elsewhere, as far as this process has seen (expired ones are forgotten). */
  heldElsewhere(): string[] {
    const now = this.now();
    const keys: string[] = [];
    for (const [key, until] of this.others) {
      if (until > now) keys.push(key);
      else this.others.delete(key);
    }
    return keys;
  }

  isHeldElsewhere(key: string): boolean {
    const until = this.others.get(key);
    return until !== undefined && until > this.now();
  }

  /**
   * Hands every lease this process holds over early (on shutdown): each runs out `quietMs` from now, so another
   * process may take the target then, and not before.
   */
  async releaseAll(): Promise<void> {
    if (this.mine.size === 0) return;
    const until = new Date(this.now() + this.quietMs);
    await this.model.updateMany({ owner: this.owner, until: { $gt: until } }, { $set: { until } });
    this.mine.clear();
  }

  /** Forgets this process's own expired leases (the map would otherwise grow with every patched message). */
  prune(): void {
    const now = this.now();
    for (const [key, until] of this.mine) if (until <= now) this.mine.delete(key);
  }
}
