/**
 * New / updated / unchanged: valid registry rows compared with what the registry holds, field by field (an optional
 * field absent from the row and absent or empty in the registry is the same). Reads only.
 */
import type { Model } from 'mongoose';

export interface RowDiff {
  inserted: number;
  updated: number;
  unchanged: number;
}

const BATCH = 1000;

function same(a: unknown, b: unknown): boolean {
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  if (blank(a) && blank(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
  return a === b;
}

export async function diffRows<Doc, Row extends object>(
  model: Model<Doc>,
  key: keyof Row & string,
  fields: readonly (keyof Row & string)[],
  rows: readonly Row[],
): Promise<RowDiff> {
  const diff: RowDiff = { inserted: 0, updated: 0, unchanged: 0 };
  const projection = Object.fromEntries([['_id', 0], ...fields.map((f) => [f, 1])]);
  for (let i = 0; i < rows.length; i += BATCH) {
    const part = rows.slice(i, i + BATCH);
    const stored = await model
      .find({ [key]: { $in: part.map((r) => r[key]) } } as never, projection)
      .lean<Record<string, unknown>[]>();
    const byKey = new Map(stored.map((d) => [d[key], d]));
    for (const row of part) {
      const doc = byKey.get(row[key]);
      if (!doc) diff.inserted += 1;
      else if (fields.every((f) => same(doc[f], (row as Record<string, unknown>)[f]))) diff.unchanged += 1;
      else diff.updated += 1;
    }
  }
  return diff;
}
