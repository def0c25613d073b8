import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The app's send budget, shared by every service process on this database (platform/sharedBudget.ts): one small
 * document per budget, rewritten by compare-and-set on `v`.
 */
export interface RateBudget {
  _id: string;
  /** version: every write sets v + 1 where v was read (compare-and-set) */
  v: number;
  /** the latest grants (ms since the epoch, ascending), at most the per-second limit of them */
  s: number[];
  /** grants per second (epoch second, count), for the per-minute limit */
  m: [number, number][];
  /** last write (for people reading the collection; a TTL index forgets budgets unused for a day) */
  at: Date;
}

const budgetSchema = new Schema<RateBudget>(
  {
    _id: { type: String, required: true },
    v: { type: Number, required: true },
    s: { type: [Number], default: [] },
    m: { type: [[Number]], default: [] },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'rate_budgets' },
);
budgetSchema.index({ at: 1 }, { expireAfterSeconds: 24 * 3600 });

export function rateBudgetModel(conn: Connection): Model<RateBudget> {
  return conn.models.RateBudget ?? conn.model<RateBudget>('RateBudget', budgetSchema);
}

/**
 * Which process sends to a rate-limit target (a user, a chat, a message) for now (platform/targetLeases.ts). The
 * TTL index forgets leases an hour after they ran out.
 */
export interface TargetLease {
  /** the outbox's rate key: `user:<open_id>`, `chat:<chat_id>`, `msg:<message_id>`, `upload` */
  _id: string;
  /** the holding process (a random id per outbox) */
  owner: string;
  until: Date;
}

const leaseSchema = new Schema<TargetLease>(
  { _id: { type: String, required: true }, owner: { type: String, required: true }, until: { type: Date, required: true } },
  { versionKey: false, collection: 'rate_leases' },
);
leaseSchema.index({ until: 1 }, { expireAfterSeconds: 3600 });

export function targetLeaseModel(conn: Connection): Model<TargetLease> {
  return conn.models.TargetLease ?? conn.model<TargetLease>('TargetLease', leaseSchema);
}
