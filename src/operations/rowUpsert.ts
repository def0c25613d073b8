import { performance } from 'node:perf_hooks';
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import type { RowsValidator, SourceRow, ValidationResult } from '../domain/registryRows';
import { yielder } from './yielder';
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

/**
 * Batch sizes adapt so that one database command stays short: with the embedded database (in this process) a
 * command's work is done on this event loop, so a batch that took longer than `SLOW_MS` shrinks in proportion
 * (to take about `TARGET_MS`), and a fast one doubles, between `MIN_BATCH` and `MAX_BATCH`; the event loop gets a
 * turn between batches. Against a MongoDB server the batches simply grow to `MAX_BATCH`.
 */
const MIN_BATCH = 1;
const MAX_BATCH = 1000;
const START_BATCH = 10;
const TARGET_MS = 30;
const SLOW_MS = 50;
const FAST_MS = 15;

export class AdaptiveBatches {
  size = START_BATCH;

  /** `clock` in milliseconds (tests give a simulated one). */
  constructor(private readonly clock: () => number = () => performance.now()) {}

  async run<T>(items: readonly T[], work: (part: readonly T[]) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; ) {
      const part = items.slice(i, i + this.size);
      const started = this.clock();
      await work(part);
      const took = this.clock() - started;
      i += part.length;
      if (took > SLOW_MS) this.size = Math.max(MIN_BATCH, Math.floor((part.length * TARGET_MS) / took));
      else if (took < FAST_MS) this.size = Math.min(MAX_BATCH, this.size * 2);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
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
  batches: AdaptiveBatches = new AdaptiveBatches(),
): Promise<ImportCounts> {
  const counts: ImportCounts = { inserted: 0, updated: 0 };
  if (dryRun) {
    const existing = new Set<unknown>();
    await batches.run(
      rows.map((r) => r[key]),
      async (part) => {
        const docs = await model.find({ [key]: { $in: part } } as never, { [key]: 1, _id: 0 })
          .setOptions(LONG_OPERATION) // a batch of a large import
          .lean<Record<string, unknown>[]>();
        for (const d of docs) existing.add(d[key]);
      },
    );
    counts.updated = rows.filter((r) => existing.has(r[key])).length;
    counts.inserted = rows.length - counts.updated;
    return counts;
  }
  if (rows.length === 0) return counts;
  await model.init();
  await batches.run(rows, async (part) => {
    const result = await model.bulkWrite(part.map(toOp) as Parameters<Model<Doc>['bulkWrite']>[0], { ordered: false });
    counts.inserted += result.upsertedCount;
    counts.updated += result.matchedCount;
  });
  return counts;
}

/** Validates rows in portions, giving the event loop a turn between them (a 100,000-row file takes seconds). */
export async function validateInTurns<H extends string, T>(
  validator: RowsValidator<H, T>,
  rows: readonly SourceRow<H>[],
): Promise<ValidationResult<T>> {
  const tick = yielder();
  for (let i = 0; i < rows.length; i += 100) {
    validator.add(rows.slice(i, i + 100));
    await tick();
  }
  return validator.result();
}
