import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Commitment, HashedLogEntry, Parameters, PublicSource } from '../domain/draw2/model';
import { nextEntry } from '../domain/draw2/chain';
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
  /**
   * 'spotcheck-draw/2' for draws made since the commit-and-reveal draw (docs/draw-spec.md); absent: spotcheck-draw/1;
   * 'platform-import/1' for a draw made on the national platform and imported (§14: source “平台”; no commitment, no
   * seed; `populationHash` and `staffHash` hold the hashes of its selection and of its teams)
   */
  algorithm?: string;
  /** required from attempt 2 on */
  reason?: string;
  /** the chat message (/抽取) the preview card answered: to show that card as replaced when a newer preview comes */
  previewMessageId?: string;
  populationHash: string;
  staffHash: string;
  // ---- spotcheck-draw/2: the preview (commitment) -----------------------------------------------------------------
  exclusionsHash?: string;
  parametersHash?: string;
  /** the commitment logged at preview (docs/draw-spec.md §3.1) and its hash */
  commitment?: Commitment;
  commitmentHash?: string;
  parameters?: Parameters;
  /** the pinned public source, or null */
  source?: PublicSource | null;
  /** the bot's random value: secret until the confirmation reveals it */
  botValue?: string;
  /**
   * the draw's blind (docs/draw-spec.md §3.1): keys the registry hashes and the draw's keys; never published (the
   * internal bundle carries it)
   */
  blind?: string;
  /** the 种子 typed with /抽取 (the preview card's input starts with it) */
  proposedEntropy?: string;
  /** seq of the commit entry in the campaign's log */
  commitSeq?: number;
  // ---- the confirmation (reveal) ------------------------------------------------------------------------------------
  /** the public entropy as used (v1: the liaison's number or a generated one) */
  entropy?: string;
  seed?: string;
  resultHash?: string;
  /** v2: gzip JSON of the computed draw and its inputs, kept from the claim until the bundles are written */
  coreGz?: Buffer;
  /** v2: gzip JSON of what the dispatch needs (details.selection, details.teams, details.shortages) */
  teamsGz?: Buffer;
  /** v2: the redraw fence ran (unstarted tasks of the replaced draw voided, none started) */
  fenced?: boolean;
  /** v2: seq of the reveal entry (platform-import/1: of the `platform` entry) */
  revealSeq?: number;
  /** the internal bundle, gzip-compressed JSON (v1: the one bundle) */
  bundleGz?: Buffer;
  /** v2: the public bundle, gzip-compressed JSON */
  publicBundleGz?: Buffer;
  /** counties and tasks of this draw, for cards (v2; avoids unpacking the bundle) */
  summary?: { selected: number; teams: number; byCounty: { county: string; n: number }[]; shortages: number };
  /** items the dispatch could not send, with why (the 市局联络员 is told; the resume job skips them) */
  parked?: ParkedItem[];
  /** platform-import/1: the file imported (its upload, so that an interrupted import is finished, never repeated) */
  platform?: PlatformImport;
  // ---- spotcheck-draw/1 only ------------------------------------------------------------------------------------------
  entropySource?: 'liaison' | 'generated';
  /** the log's tail hash when the preview was computed (the bundle's prevLogHash) */
  prevLogHash?: string;
  confirmedBy?: string;
  confirmedAt?: Date;
  /** `<campaignId>:<attempt>`, set on confirmation only: a unique index lets each attempt be confirmed once */
  confirmedSlot?: string;
  /** set once every task and message of the draw is written (dispatch resumes after a crash until then) */
  dispatchedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface PlatformImport {
  uploadId: Types.ObjectId;
  fileName: string;
  size: number;
  sha256: string;
  selectionHash: string;
  teamsHash: string;
}

export interface ParkedItem {
  /** e.g. `assign:12`, `county:盐湖区`, `task:12` */
  key: string;
  reason: string;
  at: Date;
}

export type DrawDoc = Draw & { _id: Types.ObjectId };

const drawSchema = new Schema<Draw>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    attempt: { type: Number, required: true },
    status: { type: String, required: true, enum: ['previewed', 'confirmed', 'superseded', 'abandoned'] },
    requestedBy: { type: String, required: true },
    requestedByName: { type: String, required: true },
    algorithm: String,
    reason: String,
    previewMessageId: String,
    populationHash: { type: String, required: true },
    staffHash: { type: String, required: true },
    exclusionsHash: String,
    parametersHash: String,
    commitment: Schema.Types.Mixed,
    commitmentHash: String,
    parameters: Schema.Types.Mixed,
    source: Schema.Types.Mixed,
    botValue: String,
    blind: String,
    proposedEntropy: String,
    commitSeq: Number,
    entropy: String,
    seed: String,
    resultHash: String,
    coreGz: Buffer,
    teamsGz: Buffer,
    fenced: Boolean,
    revealSeq: Number,
    bundleGz: Buffer,
    publicBundleGz: Buffer,
    summary: Schema.Types.Mixed,
    parked: { type: [new Schema({ key: String, reason: String, at: Date }, { _id: false })], default: undefined },
    platform: Schema.Types.Mixed,
    entropySource: { type: String, enum: ['liaison', 'generated'] },
    prevLogHash: String,
    confirmedBy: String,
    confirmedAt: Date,
    confirmedSlot: String,
    dispatchedAt: Date,
  },
  { timestamps: true, versionKey: false, collection: 'draws', minimize: false },
);
drawSchema.index({ campaignId: 1, status: 1 });
drawSchema.index({ confirmedSlot: 1 }, { unique: true, sparse: true });

export function drawModel(conn: Connection): Model<Draw> {
  return conn.models.Draw ?? conn.model<Draw>('Draw', drawSchema);
}

// spotcheck-draw/1 kept its log in the collection `draw_log` (one global chain); draws made since write to each
// campaign's chain below (docs/draw-spec.md §8). The old collection is left as it is.

// ---- spotcheck-draw/2: each campaign's hash chain (docs/draw-spec.md §8) ----------------------------------------

export interface ChainDoc {
  campaignId: Types.ObjectId;
  seq: number;
  /** set for entries that must exist once (`commit:<drawId>`, `reveal:<drawId>` …): appending it again returns the first */
  key?: string;
  /** the entry as hashed (format, campaign, seq, prev, at, kind, data) */
  entry: Omit<HashedLogEntry, 'hash'>;
  hash: string;
}

const chainSchema = new Schema<ChainDoc>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    key: String,
    entry: { type: Schema.Types.Mixed, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false, collection: 'draw_chain', minimize: false },
);
chainSchema.index({ campaignId: 1, seq: 1 }, { unique: true });
chainSchema.index({ key: 1 }, { unique: true, sparse: true });

export function drawChainModel(conn: Connection): Model<ChainDoc> {
  return conn.models.DrawChain ?? conn.model<ChainDoc>('DrawChain', chainSchema);
}

function hashed(doc: Pick<ChainDoc, 'entry' | 'hash'>): HashedLogEntry {
  return { ...(doc.entry as Omit<HashedLogEntry, 'hash'>), hash: doc.hash };
}

/** The campaign's chain in order, up to and including `uptoSeq` (all when absent). */
export async function loadChain(conn: Connection, campaignId: Types.ObjectId, uptoSeq?: number): Promise<HashedLogEntry[]> {
  const filter: Record<string, unknown> = { campaignId };
  if (uptoSeq !== undefined) filter.seq = { $lte: uptoSeq };
  const docs = await drawChainModel(conn).find(filter).sort({ seq: 1 }).lean<ChainDoc[]>();
  return docs.map(hashed);
}

/**
 * Appends to the campaign's chain. Nothing is ever updated or deleted; a concurrent append loses the unique
 * (campaign, seq) race and retries on the new tail. With a key, an entry already written is returned as it is.
 */
export async function appendChain(
  conn: Connection,
  campaignId: Types.ObjectId,
  kind: string,
  data: Record<string, unknown>,
  at: Date,
  key?: string,
): Promise<HashedLogEntry> {
  const model = drawChainModel(conn);
  for (let i = 0; i < 50; i++) {
    if (key) {
      const existing = await model.findOne({ key }).lean<ChainDoc>();
      if (existing) return hashed(existing);
    }
    const last = await model.findOne({ campaignId }).sort({ seq: -1 }).lean<ChainDoc>();
    const entry = nextEntry(last ? { seq: last.seq, hash: last.hash } : null, String(campaignId), at, kind, data);
    const { hash, ...body } = entry;
    try {
      await model.create({ campaignId, seq: entry.seq, ...(key ? { key } : {}), entry: body, hash });
      return entry;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  throw new Error('draw chain append kept losing the race');
}
