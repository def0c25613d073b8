/**
 * Unique keys of numbers: 5, 5.0 and NumberLong(5) are one key, as MongoDB indexes see them (values.ts keyString), and
 * an int64 beyond 2^53 is a key of its own. The keys are read from the stored plain view (collection.ts indexKeys);
 * the E11000 error still shows the duplicate's values with their BSON number types (collection.ts dupError).
 */
import { BSON, Double, Int32, Long } from 'bson';
import { Engine } from '../../src/store/embedded/engine';
import type { Document } from '../../src/store/embedded/values';

const DB = 'uniq';

/** A command as the server receives it: promoted for `body`, with the client's number types for `typed`. */
function run(engine: Engine, cmd: Document): Document {
  const bytes = BSON.serialize({ ...cmd, $db: DB });
  return engine.run(BSON.deserialize(bytes), BSON.deserialize(bytes, { promoteValues: false }), { connectionId: 1 });
}

function dupOf(reply: Document): Document {
  expect(reply.writeErrors).toHaveLength(1);
  const e = (reply.writeErrors as Document[])[0];
  expect(e.code).toBe(11000);
  return e;
}

test('5, 5.0 and NumberLong(5) collide; the error shows the refused value with its own type', () => {
  const engine = new Engine();
  expect(run(engine, { createIndexes: 'c', indexes: [{ key: { n: 1 }, name: 'n_1', unique: true }] }).ok).toBe(1);
  expect(run(engine, { insert: 'c', documents: [{ _id: 1, n: new Int32(5) }] }).n).toBe(1);

  const asDouble = dupOf(run(engine, { insert: 'c', documents: [{ _id: 2, n: new Double(5) }] }));
  expect(asDouble.keyValue.n).toBeInstanceOf(Double);
  expect(asDouble.keyValue.n.value).toBe(5);
  expect(asDouble.errmsg).toBe('E11000 duplicate key error collection: uniq.c index: n_1 dup key: { n: 5 }');

  const asLong = dupOf(run(engine, { insert: 'c', documents: [{ _id: 3, n: Long.fromNumber(5) }] }));
  expect(asLong.keyValue.n).toBeInstanceOf(Long);
  expect(String(asLong.keyValue.n)).toBe('5');

  // in an array, through an update: the element that collides
  expect(run(engine, { insert: 'c', documents: [{ _id: 4, n: [new Int32(6), new Double(7.5)] }] }).n).toBe(1);
  const viaUpdate = dupOf(run(engine, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: [new Double(7.5)] } } }] }));
  expect(viaUpdate.keyValue.n).toBeInstanceOf(Double);
  expect(viaUpdate.keyValue.n.value).toBe(7.5);
  expect(viaUpdate.errmsg).toMatch(/dup key: \{ n: 7\.5 \}$/);

  // int64 beyond 2^53: equal only to the same int64 (not to the double it rounds to)
  expect(run(engine, { insert: 'c', documents: [{ _id: 5, n: Long.fromString('9007199254740993') }] }).n).toBe(1);
  expect(run(engine, { insert: 'c', documents: [{ _id: 6, n: Long.fromString('9007199254740992') }] }).n).toBe(1);
  const big = dupOf(run(engine, { insert: 'c', documents: [{ _id: 7, n: Long.fromString('9007199254740993') }] }));
  expect(big.keyValue.n).toBeInstanceOf(Long);
  expect(big.errmsg).toMatch(/dup key: \{ n: 9007199254740993 \}$/);
  expect(run(engine, { count: 'c' }).n).toBe(4);
});

test('building a unique index over 5 and 5.0 fails, naming the value as stored', () => {
  const engine = new Engine();
  run(engine, { insert: 'd', documents: [{ _id: 1, k: { a: new Int32(1) }, n: new Double(5) }, { _id: 2, k: { a: new Int32(2) }, n: Long.fromNumber(5) }] });
  const reply = run(engine, { createIndexes: 'd', indexes: [{ key: { n: 1 }, name: 'n_1', unique: true }] });
  expect(reply.code).toBe(11000);
  expect(reply.errmsg).toMatch(/^Index build failed: E11000 duplicate key error collection: uniq\.d index: n_1 dup key: \{ n: 5 \}$/);
  expect(reply.keyValue.n).toBeInstanceOf(Long);
  // an embedded document as a key: its numbers compare by value too
  run(engine, { insert: 'd', documents: [{ _id: 3, k: { a: new Double(1) } }] });
  const onK = run(engine, { createIndexes: 'd', indexes: [{ key: { k: 1 }, name: 'k_1', unique: true }] });
  expect(onK.code).toBe(11000);
  expect(onK.keyValue.k.a).toBeInstanceOf(Double);
});
