import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** An extra checklist of a campaign (进一次门，查多项事); see domain/extraChecklists.ts. */
export interface ExtraChecklistDoc {
  campaignId: Types.ObjectId;
  name: string;
  items: { no: number; text: string }[];
  /** who imported it ('CLI' from the command line) and from which file */
  importedBy: string;
  fileName: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<ExtraChecklistDoc>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    items: { type: [new Schema({ no: { type: Number, required: true }, text: { type: String, required: true } }, { _id: false })], default: [] },
    importedBy: { type: String, required: true },
    fileName: { type: String, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'extrachecklists' },
);
schema.index({ campaignId: 1, name: 1 }, { unique: true });

export function extraChecklistModel(conn: Connection): Model<ExtraChecklistDoc> {
  return conn.models.ExtraChecklist ?? conn.model<ExtraChecklistDoc>('ExtraChecklist', schema);
}
