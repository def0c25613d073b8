import type { AnyBulkWriteOperation } from 'mongoose';

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
