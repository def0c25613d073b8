/**
 * Fused runs of the compiled aggregation (store/embedded/pipeline.ts: $addFields…, $project, $group compiled as one
 * stage reading fields from slots) must give exactly what the same stages compiled one by one give: the same
 * documents, fields in the same order, on random documents through random runs (fields set, re-set, removed,
 * read back through paths, arrays, $map / $filter variables, projections that include, compute or leave out
 * fields, groups over them), and the runs that cannot be fused ($$ROOT, a projection of a field the run set)
 * still answer the same. The input documents are frozen: neither form may change them.
 */
import { codegen, compilePipeline, fusionStats } from '../../src/store/embedded/pipeline';
import { mulberry32 } from '../../src/domain/prng';

type Doc = Record<string, unknown>;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const FIELDS = ['a', 'b', 'c', 'd', 'e', 'state', 'n'];
const STATES = ['待接收', '检查中', '待公示', '已公示'];

function makeDocs(rnd: () => number, count: number): Doc[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const scalar = (): unknown => pick([() => null, () => Math.floor(rnd() * 5), () => rnd() * 3, () => pick(['x', 'y', '', '符合', '不符合']), () => rnd() < 0.5])();
  const docs: Doc[] = [];
  for (let i = 0; i < count; i++) {
    const d: Doc = { _id: i };
    // fields in varying order and presence, as stored documents of different histories are
    const order = [...FIELDS].sort(() => rnd() - 0.5);
    for (const f of order) {
      if (rnd() < 0.2) continue;
      if (f === 'state') d.state = pick(STATES);
      else if (f === 'n') d.n = Math.floor(rnd() * 10);
      else if (f === 'e') d.e = Array.from({ length: Math.floor(rnd() * 4) }, (_, k) => ({ item: k + 1, verdict: pick(['符合', '不符合']), v: scalar() }));
      else if (rnd() < 0.3) d[f] = { x: scalar(), y: rnd() < 0.5 ? { z: scalar() } : scalar(), list: [scalar(), { x: scalar() }] };
      else d[f] = scalar();
    }
    docs.push(deepFreeze(d));
  }
  return docs;
}

/** A random expression over the fields `names` (the input's and those set so far). */
function makeExpr(rnd: () => number, names: readonly string[], depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const path = () => `$${pick(names)}${rnd() < 0.3 ? pick(['.x', '.y.z', '.list.x', '.item']) : ''}`;
  if (depth > 2) return rnd() < 0.7 ? path() : pick([1, 0, 'x', null, true]);
  const sub = () => makeExpr(rnd, names, depth + 1);
  switch (Math.floor(rnd() * 13)) {
    case 0:
    case 1:
      return path();
    case 2:
      return { $cond: [sub(), sub(), sub()] };
    case 3:
      return { $ifNull: [path(), sub()] };
    case 4:
      return { $eq: [path(), pick(['x', 1, null, '待公示', true])] };
    case 5:
      return { $and: [sub(), { $not: [sub()] }] };
    case 6:
      return { $in: [path(), ['待公示', '已公示', 'x']] };
    case 7:
      return { $cond: [sub(), '$$REMOVE', sub()] };
    case 8:
      return { $filter: { input: { $ifNull: ['$e', []] }, as: 't', cond: { $eq: ['$$t.verdict', pick(['不符合', '$a'])] } } };
    case 9:
      return { $map: { input: { $ifNull: ['$e', []] }, as: 'a', in: { $cond: [{ $gt: ['$$a.item', 1] }, '$$a.item', path()] } } };
    case 10:
      return { $in: [pick([1, 2, 3]), { $ifNull: [{ $map: { input: { $ifNull: ['$e', []] }, in: '$$this.item' } }, []] }] };
    case 11:
      // an object expression (not directly as a stage's field: that would be a nested projection)
      return { $cond: [sub(), { k: sub(), m: path() }, null] };
    default:
      return { $or: [{ $lt: [path(), sub()] }, { $gte: [path(), 'x'] }] };
  }
}

/** A random run: $addFields…, then maybe a $project, then maybe a $group; followed by a $sort to compare in order. */
function makeRun(rnd: () => number): Doc[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const names = [...FIELDS];
  const stages: Doc[] = [];
  const nAdd = Math.floor(rnd() * 4);
  for (let s = 0; s < nAdd; s++) {
    const spec: Doc = {};
    for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
      // new fields, and fields of the input re-set or removed
      const name = rnd() < 0.6 ? `f${s}${k}` : pick(FIELDS);
      spec[name] = makeExpr(rnd, names);
    }
    stages.push({ [rnd() < 0.5 ? '$addFields' : '$set']: spec });
    names.push(...Object.keys(spec));
  }
  const withGroup = rnd() < 0.5;
  if (rnd() < 0.8) {
    const spec: Doc = {};
    for (const f of names) {
      const r = rnd();
      if (r < 0.3) spec[f] = 1;
      else if (r < 0.45) spec[f] = makeExpr(rnd, names);
    }
    spec[`p${Math.floor(rnd() * 3)}`] = makeExpr(rnd, names);
    if (rnd() < 0.3) spec._id = 0;
    stages.push({ $project: spec });
    names.splice(0, names.length, ...Object.keys(spec).filter((k) => k !== '_id'));
  }
  if (withGroup && names.length > 0) {
    const key = pick(names);
    stages.push({
      $group: {
        _id: rnd() < 0.3 ? { k: `$${key}` } : `$${key}`,
        n: { $sum: 1 },
        s: { $sum: { $cond: [`$${pick(names)}`, 1, 0] } },
        all: { $push: `$${pick(names)}` },
        first: { $first: `$${pick(names)}` },
        set: { $addToSet: makeExpr(rnd, names, 2) },
      },
    });
    stages.push({ $sort: { n: 1 } });
  }
  return stages;
}

function both(stages: Doc[], docs: readonly Doc[]): { fused: unknown; unfused: unknown } {
  const fused = compilePipeline(stages);
  const unfused = compilePipeline(stages, { fuse: false });
  if (!fused || !unfused) throw new Error(`not compiled: ${JSON.stringify(stages)}`);
  const run = (f: (d: readonly Doc[]) => Doc[]) => {
    try {
      return f(docs);
    } catch (e) {
      return `throws ${(e as Error).constructor.name}`;
    }
  };
  return { fused: run(fused), unfused: run(unfused) };
}

/** Values with their fields in order (toStrictEqual does not look at the order of keys). */
const ordered = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '<undefined>' : x));

it('fused runs give the documents, fields and order the stages give one by one, on random runs', () => {
  const rnd = mulberry32(20261204);
  const docs = makeDocs(rnd, 60);
  const before = fusionStats.runs;
  let compared = 0;
  for (let trial = 0; trial < 400; trial++) {
    const stages = makeRun(rnd);
    const { fused, unfused } = both(stages, docs);
    expect({ stages, out: fused }).toStrictEqual({ stages, out: unfused });
    expect(ordered(fused)).toBe(ordered(unfused));
    if (Array.isArray(fused)) compared++;
  }
  // most random runs were fused (a run of one stage is not) and most did not throw
  expect(fusionStats.runs - before).toBeGreaterThan(200);
  expect(compared).toBeGreaterThan(250);
});

it('the runs that are not fused answer the same: $$ROOT, and a projection of a field the run set', () => {
  const docs = makeDocs(mulberry32(7), 30);
  const cases: Doc[][] = [
    [{ $addFields: { r: '$$ROOT.a', a: 1 } }, { $project: { a: 1, r: 1 } }],
    [{ $addFields: { c: { $ifNull: ['$c', 'none'] }, z: 2 } }, { $project: { z: 1, c: 1, n: 1 } }],
    [{ $addFields: { a: '$$REMOVE' } }, { $addFields: { a: 5 } }, { $project: { b: 1, a: 1 } }],
    [{ $addFields: { x: '$n' } }, { $group: { _id: '$state', docs: { $push: '$$ROOT' } } }, { $sort: { _id: 1 } }],
  ];
  for (const stages of cases) {
    const { fused, unfused } = both(stages, docs);
    expect(Array.isArray(fused)).toBe(true);
    expect(ordered(fused)).toBe(ordered(unfused));
  }
});

it('a fused $addFields run re-sets and removes fields in place, as the stages one by one do', () => {
  const docs = [deepFreeze({ _id: 1, a: 1, b: { x: 2 }, c: 3 })];
  const out = compilePipeline([
    { $addFields: { b: '$$REMOVE', d: '$b.x' } },
    { $set: { a: { $ifNull: ['$b', 'gone'] }, b: 7, e: '$d' } },
  ])!(docs);
  expect(ordered(out)).toBe(ordered([{ _id: 1, a: 'gone', c: 3, d: 2, b: 7, e: 2 }]));
});

it('the generated code of fused runs gives what their closures give, on the same random runs', () => {
  const rnd = mulberry32(5150);
  const docs = makeDocs(rnd, 60);
  let compared = 0;
  for (let trial = 0; trial < 300; trial++) {
    const stages = makeRun(rnd);
    const run = () => {
      const f = compilePipeline(stages);
      if (!f) throw new Error(`not compiled: ${JSON.stringify(stages)}`);
      try {
        return f(docs);
      } catch (e) {
        return `throws ${(e as Error).constructor.name}`;
      }
    };
    const generated = run();
    codegen.enabled = false;
    let closures: unknown;
    try {
      closures = run();
    } finally {
      codegen.enabled = true;
    }
    expect(ordered(generated)).toBe(ordered(closures));
    if (Array.isArray(generated)) compared++;
  }
  expect(compared).toBeGreaterThan(150);
});

it('operators left to their closures inside generated $map / $filter bodies see the bodies’ variables', () => {
  const docs = makeDocs(mulberry32(99), 40);
  const stages = [
    {
      $addFields: {
        // $concat, $size and $cmp are not generated: called as closures with the variables in scope
        m: { $map: { input: { $ifNull: ['$e', []] }, as: 'a', in: { $concat: [{ $ifNull: ['$$a.verdict', ''] }, '-', { $cond: [{ $gt: ['$$a.item', 1] }, 'x', 'y'] }] } } },
        n: { $map: { input: { $ifNull: ['$e', []] }, as: 'a', in: { $size: { $filter: { input: { $ifNull: ['$e', []] }, as: 'b', cond: { $eq: [{ $cmp: ['$$b.item', '$$a.item'] }, -1] } } } } } },
        // the same name nested: the inner one shadows the outer
        o: { $map: { input: { $ifNull: ['$e', []] }, in: { $map: { input: [1, 2], in: { $add: ['$$this', 1] } } } } },
      },
    },
    { $project: { m: 1, n: 1, o: 1 } },
  ];
  const fused = compilePipeline(stages)!(docs);
  const unfused = compilePipeline(stages, { fuse: false })!(docs);
  expect(ordered(fused)).toBe(ordered(unfused));
  expect(fused.some((d) => Array.isArray(d.m) && (d.m as unknown[]).length > 1)).toBe(true);
  expect(fused.some((d) => Array.isArray(d.n) && (d.n as number[]).some((x) => x > 0))).toBe(true);
  expect(fused.find((d) => Array.isArray(d.o) && (d.o as unknown[]).length > 0)!.o).toContainEqual([2, 3]);
});
