import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A county's 监督检查情况汇报 sent to the city bureau (each sending kept; the latest counts). */
export interface CountyReportDoc {
  campaignId: Types.ObjectId;
  county: string;
  fileName: string;
  /** the Feishu file key, when it came through the chat */
  fileKey?: string;
  /** the chat message that carried it (with the file key, the platform's message resource API gives the file) */
  messageId?: string;
  /** the file's bytes, when not too large (see domain/countyReport.ts) */
  data?: Buffer;
  size?: number;
  by: string;
  byName: string;
  at: Date;
  /** YYYY-MM-DD (Asia/Shanghai) */
  on: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<CountyReportDoc>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    county: { type: String, required: true },
    fileName: { type: String, required: true },
    fileKey: String,
    messageId: String,
    data: Buffer,
    size: Number,
    by: { type: String, required: true },
    byName: { type: String, required: true },
    at: { type: Date, required: true },
    on: { type: String, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'countyreports' },
);
schema.index({ campaignId: 1, county: 1, at: -1 });

export function countyReportModel(conn: Connection): Model<CountyReportDoc> {
  return conn.models.CountyReport ?? conn.model<CountyReportDoc>('CountyReport', schema);
}
