import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { PublicSource } from '../domain/draw2/model';
import type { RiskClass } from '../domain/types';

export type CampaignStatus = 'active' | 'closed';

/** A yearly 专项 (e.g. 2024年工业产品生产许可证获证企业“双随机、一公开”监督检查). */
export interface Campaign {
  name: string;
  year: number;
  /**
   * YYYY-MM-DD, both inclusive. Written once, when the campaign is created: 开始检查 keeps a copy of the window in
   * memory (operations/inspection/startCache.ts), so a way to change it would have to bump `extrasRev` too.
   */
  from: string;
  to: string;
  /** Campaign-wide minimum ratio, 0 < ratio ≤ 1 (the 2024 notice: 0.25). */
  ratio: number;
  riskRatios: Record<RiskClass, number>;
  /** County staff do not inspect enterprises of their own county. */
  excludeOwnCounty: boolean;
  status: CampaignStatus;
  /** a public random source pinned for the draw (docs/draw-spec.md §3.2), set with `draw settings` */
  drawSource?: PublicSource | null;
  /** how officers appear in the public draw bundle: their names, or pseudonyms (the default) */
  publicNames?: 'names' | 'pseudonyms';
  /**
   * Enforces "one active campaign per year" with a plain unique index: `active:<year>` while active,
   * `closed:<id>` once closed. Always present, so no sparse or partial index is needed.
   */
  slot: string;
  /**
   * the revision of the campaign's extra checklists (absent: 0): incremented after every import or removal, and
   * copied to every task of the campaign (operations/checklists/extrasRevision.ts)
   */
  extrasRev?: number;
  createdAt: Date;
  updatedAt: Date;
}

export type CampaignDoc = Campaign & { _id: Types.ObjectId };

export function activeSlot(year: number): string {
  return `active:${year}`;
}

const ratio = { type: Number, required: true, min: 0, max: 1 };

const schema = new Schema<Campaign>(
  {
    name: { type: String, required: true },
    year: { type: Number, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    ratio,
    riskRatios: { A: ratio, B: ratio, C: ratio, D: ratio },
    excludeOwnCounty: { type: Boolean, required: true, default: true },
    status: { type: String, required: true, enum: ['active', 'closed'], default: 'active' },
    drawSource: Schema.Types.Mixed,
    publicNames: { type: String, enum: ['names', 'pseudonyms'] },
    slot: { type: String, required: true },
    extrasRev: { type: Number, min: 0 },
  },
  { timestamps: true, versionKey: false, collection: 'campaigns' },
);
schema.index({ slot: 1 }, { unique: true });
schema.index({ year: -1 });

export function campaignModel(conn: Connection): Model<Campaign> {
  return conn.models.Campaign ?? conn.model<Campaign>('Campaign', schema);
}
