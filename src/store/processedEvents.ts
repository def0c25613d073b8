import { Schema, type Connection, type Model } from 'mongoose';

/** Marker of an inbound event already handled; a TTL index forgets it after Feishu's redelivery window. */
export interface ProcessedEvent {
  _id: string;
  at: Date;
}

const RETENTION_SECONDS = 3 * 24 * 3600; // Feishu re-pushes for up to ~7 h; keep three days.

const schema = new Schema<ProcessedEvent>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
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
 * Claims the given keys (e.g. `event:<id>`, `message:<id>`). Returns false when any was claimed before, i.e. the
 * event is a redelivery. `release` undoes a claim so a failed handling can be retried by the next delivery.
 */
export class EventDeduper {
  constructor(private readonly model: Model<ProcessedEvent>) {}

  async claim(keys: string[], now: Date): Promise<boolean> {
    const claimed: string[] = [];
    for (const key of keys) {
      try {
        await this.model.create({ _id: key, at: now });
        claimed.push(key);
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        await this.release(claimed);
        throw err;
      }
    }
    return true;
  }

  async release(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.model.deleteMany({ _id: { $in: keys } });
  }
}
