import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from './processedEvents';

/** A named lease: whoever holds it runs the job; with several service instances each run happens once. */
export interface Lease {
  _id: string;
  holder: string;
  until: Date;
}

const schema = new Schema<Lease>(
  { _id: { type: String, required: true }, holder: { type: String, required: true }, until: { type: Date, required: true } },
  { versionKey: false, collection: 'leases' },
);

export function leaseModel(conn: Connection): Model<Lease> {
  return conn.models.Lease ?? conn.model<Lease>('Lease', schema);
}

/** Takes the lease when free or expired (or already this holder's: a renewal). Returns false when another holder has it. */
export async function acquireLease(conn: Connection, name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  const until = new Date(now.getTime() + ttlMs);
  try {
    const res = await leaseModel(conn).findOneAndUpdate(
      { _id: name, $or: [{ until: { $lte: now } }, { holder }] },
      { $set: { holder, until } },
      { upsert: true, returnDocument: 'after' },
    );
    return res?.holder === holder;
  } catch (err) {
    // The upsert raced with a live lease held by someone else.
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

export async function releaseLease(conn: Connection, name: string, holder: string): Promise<void> {
  await leaseModel(conn).deleteOne({ _id: name, holder });
}
