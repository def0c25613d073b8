import { gunzipSync, gzipSync } from 'node:zlib';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { DrawBundle } from '../domain/bundle';
import { chainEntry, GENESIS_HASH } from '../domain/hashChain';
import { binaryBytes } from './binary';
import { isDuplicateKeyError } from './processedEvents';

/**
 * A draw of a campaign. `previewed` until the liaison confirms (then `confirmed`), `superseded` when a later
 * confirmed attempt replaced it, `abandoned` when a newer preview or a changed registry made it stale.
 */
export type DrawStatus = 'previewed' | 'confirmed' | 'superseded' | 'abandoned';

export interface Draw {
  campaignId: Types.ObjectId;
  attempt: number;
  status: DrawStatus;
  requestedBy: string;
  requestedByName: string;
  /** as announced: the liaison's public random number, or the one the bot generated */
  entropy: string;
  entropySource: 'liaison' | 'generated';
  /** required from attempt 2 on */
  reason?: string;
  populationHash: string;
  staffHash: string;
  seed: string;
  resultHash: string;
  /** the log's tail hash when the preview was computed (the bundle's prevLogHash; it ties the bundle to the log) */
  prevLogHash: string;
  /** the whole published bundle, gzip-compressed JSON */
  bundleGz: Buffer;
  confirmedBy?: string;
  confirmedAt?: Date;
  /** `<campaignId>:<attempt>`, set on confirmation only: a unique index lets each attempt be confirmed once */
  confirmedSlot?: string;
  /** set once every task and message of the draw is written (dispatch resumes after a crash until then) */
  dispatchedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type DrawDoc = Draw & { _id: Types.ObjectId };

const drawSchema = new Schema<Draw>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    attempt: { type: Number, required: true },
    status: { type: String, required: true, enum: ['previewed', 'confirmed', 'superseded', 'abandoned'] },
    requestedBy: { type: String, required: true },
    requestedByName: { type: String, required: true },
    entropy: { type: String, required: true },
    entropySource: { type: String, required: true, enum: ['liaison', 'generated'] },
    reason: String,
    populationHash: { type: String, required: true },
    staffHash: { type: String, required: true },
    seed: { type: String, required: true },
    resultHash: { type: String, required: true },
    prevLogHash: { type: String, required: true },
    bundleGz: { type: Buffer, required: true },
    confirmedBy: String,
    confirmedAt: Date,
    confirmedSlot: String,
    dispatchedAt: Date,
  },
  { timestamps: true, versionKey: false, collection: 'draws' },
);
drawSchema.index({ campaignId: 1, status: 1 });
drawSchema.index({ confirmedSlot: 1 }, { unique: true, sparse: true });

export function drawModel(conn: Connection): Model<Draw> {
  return conn.models.Draw ?? conn.model<Draw>('Draw', drawSchema);
}

export function packBundle(bundle: DrawBundle): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(bundle)));
}

export function unpackBundle(data: unknown): DrawBundle {
  return JSON.parse(gunzipSync(binaryBytes(data)).toString('utf8')) as DrawBundle;
}

// ---- the tamper-evident draw log --------------------------------------------------------------------------------

export type DrawLogKind = 'preview' | 'confirm' | 'abandon';

export interface DrawLogEntry {
  seq: number;
  /** set for entries that must exist once (e.g. `confirm:<drawId>`): appending it again returns the first */
  key?: string;
  prevHash: string;
  hash: string;
  payload: Record<string, unknown>;
  at: Date;
}

const logSchema = new Schema<DrawLogEntry>(
  {
    seq: { type: Number, required: true },
    key: String,
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'draw_log', minimize: false },
);
logSchema.index({ seq: 1 }, { unique: true });
logSchema.index({ key: 1 }, { unique: true, sparse: true });

export function drawLogModel(conn: Connection): Model<DrawLogEntry> {
  return conn.models.DrawLogEntry ?? conn.model<DrawLogEntry>('DrawLogEntry', logSchema);
}

export async function lastLogHash(conn: Connection): Promise<string> {
  const last = await drawLogModel(conn).findOne({}, { hash: 1 }).sort({ seq: -1 }).lean();
  return last?.hash ?? GENESIS_HASH;
}

/**
 * Appends to the hash chain: each entry holds the previous entry's hash. Nothing is ever updated or deleted;
 * a concurrent append loses the unique `seq` race and retries on the new tail.
 */
export async function appendDrawLog(
  conn: Connection,
  payload: Record<string, unknown>,
  at: Date,
  key?: string,
): Promise<DrawLogEntry> {
  const model = drawLogModel(conn);
  for (let i = 0; i < 20; i++) {
    if (key) {
      const existing = await model.findOne({ key }).lean<DrawLogEntry>();
      if (existing) return existing;
    }
    const last = await model.findOne({}, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean();
    const entry = chainEntry(last ? { hash: last.hash } : null, payload);
    const doc: DrawLogEntry = { seq: (last?.seq ?? 0) + 1, ...(key ? { key } : {}), prevHash: entry.prevHash, hash: entry.hash, payload, at };
    try {
      await model.create(doc);
      return doc;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  throw new Error('draw log append kept losing the race');
}
