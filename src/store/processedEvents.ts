import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Marker of an inbound event: being handled (`done` false, until `until`) or handled. A TTL index forgets it after
 * Feishu's redelivery window.
 */
export interface ProcessedEvent {
  _id: string;
  at: Date;
  done: boolean;
  /** while being handled: after this, a redelivery may take the event over (the handler died) */
  until?: Date;
}

/**
 * How long a claim protects an event being handled. Feishu redelivers only when it got no answer (first after 15 s),
 * and the webhook answers within 3 s, so a redelivery that finds an expired claim means the handler died.
 */
const CLAIM_MS = 10_000;

const RETENTION_SECONDS = 3 * 24 * 3600; // Feishu re-pushes for up to ~7 h; keep three days.

const schema = new Schema<ProcessedEvent>(
  { _id: { type: String, required: true }, at: { type: Date, required: true }, done: { type: Boolean, default: true }, until: Date },
  { versionKey: false, collection: 'processed_events' },
);
schema.index({ at: 1 }, { expireAfterSeconds: RETENTION_SECONDS });

export function processedEventModel(conn: Connection): Model<ProcessedEvent> {
  return conn.models.ProcessedEvent ?? conn.model<ProcessedEvent>('ProcessedEvent', schema);
}

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * Claims the given keys (e.g. `event:<id>`, `message:<id>`) for handling. Returns false when any was handled or is
 * being handled, i.e. the event is a redelivery; a claim whose handler died (expired) is taken over, so a crash
 * mid-handling loses nothing. `complete` marks the keys handled; `release` undoes a claim after a failure so the
 * next delivery tries again.
 */
/** Marks of handled card callbacks wait this long to be written together (completeSoon). */
const MARK_BATCH_MS = 20;
const MARK_BATCH_MAX = 100;

export class EventDeduper {
  private pending: { keys: string[]; done: () => void; failed: (err: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly model: Model<ProcessedEvent>) {}

  async claim(keys: string[], now: Date): Promise<boolean> {
    const until = new Date(now.getTime() + CLAIM_MS);
    const claimed: string[] = [];
    for (const key of keys) {
      try {
        // the driver's insert (the document is already what the schema describes): one command, without building
        // and validating a mongoose document on every webhook request
        await this.model.collection.insertOne({ _id: key, at: now, done: false, until } as unknown as Record<string, unknown>);
        claimed.push(key);
      } catch (err) {
        if (!isDuplicateKeyError(err)) {
          await this.release(claimed);
          throw err;
        }
        const taken = await this.model.findOneAndUpdate(
          { _id: key, done: false, until: { $lt: now } },
          { $set: { at: now, until } },
          { returnDocument: 'after' },
        );
        if (!taken) {
          // A redelivery: whatever this call claimed is part of it and counts as handled.
          await this.complete(claimed);
          return false;
        }
        claimed.push(key);
      }
    }
    return true;
  }

  async complete(keys: string[]): Promise<void> {
    // the driver's update (keys are strings, the values plain): no casting against the schema on every event
    if (keys.length > 0) await this.model.collection.updateMany({ _id: { $in: keys } } as Record<string, unknown>, { $set: { done: true }, $unset: { until: 1 } });
  }

  /**
   * `complete`, written within MARK_BATCH_MS together with the other marks that came meanwhile: one command for
   * many events. For marks written after the answer (platform/events.ts, card callbacks): the claim protects the
   * event until the mark lands, so a few milliseconds more change nothing of what a redelivery finds.
   */
  completeSoon(keys: string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return new Promise<void>((done, failed) => {
      this.pending.push({ keys, done, failed });
      if (this.pending.length >= MARK_BATCH_MAX) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), MARK_BATCH_MS);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const written = this.complete(batch.flatMap((b) => b.keys)).then(
      () => batch.forEach((b) => b.done()),
      (err: unknown) => batch.forEach((b) => b.failed(err)),
    );
    this.writing.add(written);
    void written.finally(() => this.writing.delete(written));
  }

  /**
   * Writes the marks still waiting for their batch and waits for those being written: the service's stop calls it
   * after the HTTP server has closed and before the database does, so no handled click is left unmarked by a
   * shutdown (a redelivery would otherwise wait for its claim to expire).
   */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.writing]);
  }

  async release(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.model.deleteMany({ _id: { $in: keys } });
  }
}
