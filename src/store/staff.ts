import { Schema, type Connection, type Model } from 'mongoose';
import type { Role } from '../policies';

/** 执法检查人员名录库 and 专家库: one document per person, keyed by Feishu OpenID. */
export interface StaffMember {
  openId: string;
  name: string;
  roles: Role[];
  unit: string;
  /** '市局' for city-bureau staff, else the county name */
  county: string;
  businessLine?: string;
  expertise?: string;
  /** 统一社会信用代码 of enterprises this person must not inspect (回避) */
  avoid: string[];
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<StaffMember>(
  {
    openId: { type: String, required: true },
    name: { type: String, required: true },
    roles: { type: [String], required: true },
    unit: { type: String, required: true },
    county: { type: String, required: true },
    businessLine: String,
    expertise: String,
    avoid: { type: [String], default: [] },
  },
  { timestamps: true, versionKey: false, collection: 'staff' },
);
schema.index({ openId: 1 }, { unique: true });

export function staffModel(conn: Connection): Model<StaffMember> {
  return conn.models.StaffMember ?? conn.model<StaffMember>('StaffMember', schema);
}
