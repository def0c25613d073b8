/**
 * Index maintenance on update (collection.ts `replace` with the update's touched fields): an operator update leaves
 * the indexes of the fields it does not name alone and moves the others. Random updates (operator updates naming
 * one or two fields, replacements, upserts) on a collection with unique, compound unique, partial unique, sparse and
 * plain indexes; after each one, every lookup-map answer equals a plain scan, and the unique indexes refuse exactly
 * the values some document holds (no stale key left behind, none missing).
 */
import { Engine } from '../../src/store/embedded/engine';
import { newQuery } from '../../src/store/embedded/mingo';
import type { Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';

const DB = 'maint';
const VALUES = ['p', 'q', 'r', 's', 1, 2];

function run(engine: Engine, cmd: Document): Document {
  return engine.run({ ...cmd, $db: DB }, { ...cmd, $db: DB }, { connectionId: 1 });
}

describe('index maintenance on update', () => {
  test('random updates keep every index equal to a scan', () => {
    const next = mulberry32(23);
    const int = (n: number) => Math.floor(next() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
    const engine = new Engine();
    expect(
      run(engine, {
        createIndexes: 'c',
        indexes: [
          { key: { u: 1 }, name: 'u_1', unique: true, sparse: true },
          { key: { 'n.a': 1, w: 1 }, name: 'na_w', unique: true },
          { key: { p: 1 }, name: 'p_partial', unique: true, partialFilterExpression: { flag: true } },
          { key: { w: 1 }, name: 'w_1' },
          { key: { 'n.b': 1 }, name: 'nb_1' },
        ],
      }).ok,
    ).toBe(1);
    const doc = (id: number): Document => {
      const d: Document = { _id: id, w: pick(VALUES), n: { a: pick(VALUES), b: pick(VALUES) }, flag: next() < 0.5, other: int(100) };
      if (next() < 0.7) d.u = `${id}`;
      if (next() < 0.5) d.p = pick(VALUES);
      return d;
    };
    for (let i = 0; i < 40; i++) run(engine, { insert: 'c', documents: [doc(i)] });
    const coll = () => (engine as unknown as { dbs: Map<string, Map<string, { slots: Set<{ v: { plain: Document } }>; query(f: Document): { v: { plain: Document } }[] }>> }).dbs.get(DB)!.get('c')!;
    let refused = 0;
    let applied = 0;
    for (let step = 0; step < 150; step++) {
      const id = int(45);
      const field = pick(['u', 'w', 'n.a', 'n.b', 'p', 'flag', 'other', 'n']);
      const value: unknown =
        field === 'flag' ? next() < 0.5 : field === 'n' ? { a: pick(VALUES), b: pick(VALUES) } : field === 'u' ? pick(['1', '2', '3', 'x']) : field === 'other' ? int(9) : pick(VALUES);
      const kind = int(10);
      let u: Document;
      if (kind < 6) u = { $set: { [field]: value } };
      else if (kind < 7) u = { $unset: { [field]: 1 } };
      else if (kind < 8) u = { $set: { [field]: value, other: int(100) } };
      else if (kind < 9) u = { $inc: { other: 1 } };
      else u = { ...doc(id), _id: id };
      const reply = run(engine, { update: 'c', updates: [{ q: { _id: id }, u, upsert: next() < 0.3 }] });
      expect(reply.ok).toBe(1);
      if (reply.writeErrors) {
        expect((reply.writeErrors as Document[])[0].code).toBe(11000);
        refused++;
      } else applied++;

      const all = [...coll().slots].map((s) => s.v.plain);
      // lookups equal scans, on every indexed path
      for (const path of ['_id', 'u', 'w', 'n.a', 'n.b', 'p']) {
        for (const v of [pick(VALUES), pick(VALUES), pick(['1', '2', '3', 'x']), id]) {
          const f = { [path]: v };
          const q = newQuery(f);
          const want = all.filter((d) => q.test(d)).map((d) => d._id as number);
          expect(coll().query(f).map((s) => s.v.plain._id as number)).toEqual(want);
        }
      }
      // the unique indexes refuse exactly the values some document holds
      for (const v of ['1', '2', '3', 'x']) {
        const held = all.some((d) => d.u === v);
        const r = run(engine, { insert: 'c', documents: [{ _id: 'probe', u: v, w: 'probe' }] });
        expect(r.writeErrors !== undefined).toBe(held);
        if (!r.writeErrors) run(engine, { delete: 'c', deletes: [{ q: { _id: 'probe' }, limit: 1 }] });
      }
      for (const v of VALUES) {
        const held = all.some((d) => d.flag === true && d.p === v);
        const r = run(engine, { insert: 'c', documents: [{ _id: 'probe', p: v, flag: true, w: 'probe' }] });
        expect(r.writeErrors !== undefined).toBe(held);
        if (!r.writeErrors) run(engine, { delete: 'c', deletes: [{ q: { _id: 'probe' }, limit: 1 }] });
        const a = pick(VALUES);
        const heldPair = all.some((d) => (d.n as Document | undefined)?.a === a && d.w === v);
        const r2 = run(engine, { insert: 'c', documents: [{ _id: 'probe', n: { a }, w: v }] });
        expect(r2.writeErrors !== undefined).toBe(heldPair);
        if (!r2.writeErrors) run(engine, { delete: 'c', deletes: [{ q: { _id: 'probe' }, limit: 1 }] });
      }
    }
    expect(applied).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(3);
  });
});
