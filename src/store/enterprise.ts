import { Schema, type Connection, type Model } from 'mongoose';
import { PRODUCT_CATEGORIES, RISK_CLASSES, type Enterprise } from '../domain/types';
import { LONG_OPERATION } from './timeouts';

/** 检查对象名录库: one document per enterprise, keyed by 统一社会信用代码 (the unit of upsert on import). */
export interface EnterpriseDoc extends Enterprise {
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<EnterpriseDoc>(
  {
    uscc: { type: String, required: true },
    name: { type: String, required: true },
    licenceNo: { type: String, required: true },
    product: { type: String, required: true },
    category: { type: String, required: true, enum: PRODUCT_CATEGORIES },
    validFrom: { type: String, required: true },
    validTo: { type: String, required: true },
    county: { type: String, required: true },
    address: { type: String, required: true },
    riskClass: { type: String, required: true, enum: RISK_CLASSES },
    contact: String,
    phone: String,
  },
  { timestamps: true, versionKey: false, collection: 'enterprises' },
);
schema.index({ uscc: 1 }, { unique: true });

export function enterpriseModel(conn: Connection): Model<EnterpriseDoc> {
  return conn.models.Enterprise ?? conn.model<EnterpriseDoc>('Enterprise', schema);
}

/** The registry rows as plain Enterprise values (no _id or timestamps), in 统一社会信用代码 order. */
export async function loadEnterprises(conn: Connection): Promise<Enterprise[]> {
  // The whole registry (up to 100,000 rows, read by the draw): longer than an ordinary operation may take.
  const docs = await enterpriseModel(conn)
    .find({}, { _id: 0, createdAt: 0, updatedAt: 0 })
    .sort({ uscc: 1 })
    .setOptions(LONG_OPERATION)
    .lean();
  return docs.map(registryRow);
}

/** A stored registry document as the plain Enterprise value the draw reads (fields in this order; optional ones only when set). */
export function registryRow(d: Enterprise): Enterprise {
  const e: Enterprise = {
    uscc: d.uscc,
    name: d.name,
    licenceNo: d.licenceNo,
    product: d.product,
    category: d.category,
    validFrom: d.validFrom,
    validTo: d.validTo,
    county: d.county,
    address: d.address,
    riskClass: d.riskClass,
  };
  if (d.contact) e.contact = d.contact;
  if (d.phone) e.phone = d.phone;
  return e;
}
