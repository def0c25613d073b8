import type { AnyBulkWriteOperation, Model } from 'mongoose';
import { LONG_OPERATION } from '../store/timeouts';

/**
 * The registry row is the unit of upsert: fields the row has are set, and the optional fields it lacks are removed
 * from the stored document (clearing 联系人 in a re-import clears it in the database too).
 */
export function rowUpsert<Doc extends object, Row extends object>(
  filter: Partial<Row>,
  row: Row,
  optional: readonly (keyof Row & string)[],
): AnyBulkWriteOperation<Doc> {
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (value !== undefined) set[key] = value;
  const unset: Record<string, ''> = {};
  for (const key of optional) if (row[key] === undefined) unset[key] = '';
  const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
  return { updateOne: { filter, update, upsert: true } } as AnyBulkWriteOperation<Doc>;
}

export interface ImportCounts {
  inserted: number;
  updated: number;
}

const BATCH = 1000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * Upserts validated rows by their key field in batches, or with `dryRun` only predicts the counts from what the
 * registry holds. Shared by both registries' imports.
 */
export async function upsertRows<Doc extends object, Row extends object>(
  model: Model<Doc>,
  key: keyof Row & string,
  rows: readonly Row[],
  toOp: (row: Row) => AnyBulkWriteOperation<Doc>,
  dryRun: boolean,
): Promise<ImportCounts> {
  const counts: ImportCounts = { inserted: 0, updated: 0 };
  if (dryRun) {
    const existing = new Set<unknown>();
    for (const part of chunks(rows.map((r) => r[key]))) {
      const docs = await model
        .find({ [key]: { $in: part } } as never, { [key]: 1, _id: 0 })
        .setOptions(LONG_OPERATION) // a batch of a large import
        .lean<Record<string, unknown>[]>();
      for (const d of docs) existing.add(d[key]);
    }
    counts.updated = rows.filter((r) => existing.has(r[key])).length;
    counts.inserted = rows.length - counts.updated;
    return counts;
  }
  if (rows.length === 0) return counts;
  await model.init();
  for (const part of chunks(rows)) {
    const result = await model.bulkWrite(part.map(toOp) as Parameters<Model<Doc>['bulkWrite']>[0], { ordered: false });
    counts.inserted += result.upsertedCount;
    counts.updated += result.matchedCount;
  }
  return counts;
}
