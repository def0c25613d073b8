/**
 * mingo, built once. `new Query(…)` from mingo's index copies every operator table into a fresh context on each
 * call, and its `update` copies them again and then adds its own; per command that copying (and the garbage it
 * leaves) cost more than the matching. Here the contexts are built once and shared (mingo copies a context it is
 * given, never changes it): filters get the query operators, plus the expression operators when they use `$expr`
 * (or another operator that evaluates expressions); projections and sorts get the full set, as mingo's index would;
 * updates start from an empty context, to which mingo's updater adds the operators it needs itself.
 */
import { Context, type Query as IndexQuery } from 'mingo';
import { isObject, type Document } from './values';

/*
 * mingo's subpath modules (the classes and operator tables its index wraps) are loaded with require: the project's
 * TypeScript resolution (node10) does not read package "exports", so their types are stated here, from mingo's own.
 */
type OperatorTable = Record<string, unknown>;
/* eslint-disable @typescript-eslint/no-require-imports */
const { Query } = require('mingo/query') as { Query: new (condition: Document, options: { context: Context }) => IndexQuery };
const { update } = require('mingo/updater') as {
  update(obj: Document, modifier: Document, arrayFilters?: Document[], condition?: Document, options?: { queryOptions: { context: Context } }): string[];
};
const table = (path: string) => require(path) as OperatorTable;
/** An update operator of mingo: built from its argument, then applied to one document (returns the changed paths). */
type UpdateOperator = (expr: Document, arrayFilters: Document[], options: unknown) => (doc: Document) => string[];
const UPDATE_OPERATORS = require('mingo/operators/update') as Record<string, UpdateOperator | undefined>;
/* eslint-enable @typescript-eslint/no-require-imports */

/** What mingo's index module gives every Query and Aggregator. */
const queryOperators = table('mingo/operators/query');
const FULL = Context.init({
  accumulator: table('mingo/operators/accumulator'),
  expression: table('mingo/operators/expression'),
  pipeline: table('mingo/operators/pipeline'),
  projection: table('mingo/operators/projection'),
  query: queryOperators,
  window: table('mingo/operators/window'),
} as Parameters<typeof Context.init>[0]);
const QUERY_ONLY = Context.init({ query: queryOperators } as Parameters<typeof Context.init>[0]);
const EMPTY = Context.init();

/** Query operators that evaluate aggregation expressions (or scripts) when a document is tested. */
const EVALUATING = new Set(['$expr', '$where', '$function', '$jsonSchema', '$accumulator']);

function evaluates(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(evaluates);
  if (!isObject(v)) return false;
  for (const [k, x] of Object.entries(v)) if (EVALUATING.has(k) || evaluates(x)) return true;
  return false;
}

/** A compiled filter (validated: throws on an unknown operator or a malformed condition). */
export function newQuery(filter: Document): IndexQuery {
  return new Query(filter, { context: evaluates(filter) ? FULL : QUERY_ONLY });
}

/** The query that projects and sorts (its filter is `{}`), with every operator a projection may use. */
export function projector(): IndexQuery {
  return new Query({}, { context: FULL });
}

/**
 * The query that only sorts (`sorter().find(docs).sort(spec).all()`), built once: a sort reads no operator and no
 * variable ($$NOW and the like belong to projections), so one instance serves every call.
 */
const SORTER = new Query({}, { context: QUERY_ONLY });
export function sorter(): IndexQuery {
  return SORTER;
}

/**
 * mingo's options class (ComputeOptions), which its index does not export: a query operator receives an instance, so
 * one made-up operator, run once here, hands it over. An instance passed where mingo takes options is used as it is
 * (`ComputeOptions.init` shares its context) rather than rebuilt with a copy of every operator table.
 */
interface ComputeOptionsClass {
  init(options: unknown): { update(locals: Document): unknown };
}
let optionsClass: ComputeOptionsClass | undefined;
new Query(
  { x: { $grabOptions: 1 } },
  {
    context: Context.init({
      query: {
        $grabOptions: (_field: string, _value: unknown, options: object) => {
          optionsClass = options.constructor as unknown as ComputeOptionsClass;
          return () => true;
        },
      },
    } as unknown as Parameters<typeof Context.init>[0]),
  },
);
if (!optionsClass || typeof optionsClass.init !== 'function') throw new Error('mingo: no ComputeOptions class');
const ComputeOptions: ComputeOptionsClass = optionsClass;

/**
 * The options mingo's updater builds for every call (updateDocuments: its defaults, `firstOnly`, an empty collation,
 * the boolean and comparison expression operators, the query operators and the pipeline stages of pipeline updates),
 * built once.
 */
const UPDATE_OPTIONS = ComputeOptions.init({
  context: Context.init({
    expression: { ...table('mingo/operators/expression/boolean'), ...table('mingo/operators/expression/comparison') },
    query: queryOperators,
    pipeline: Object.fromEntries(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith'].map((k) => [k, table('mingo/operators/pipeline')[k]])),
  } as Parameters<typeof Context.init>[0]),
  firstOnly: true,
  collation: {},
});

/**
 * mingo's `update` of `doc` in place; `condition` only matters for the positional `$` operator.
 *
 * Without positional or array-filter paths (no `$` in any path) it runs mingo's update operators directly, as its
 * updateDocuments does for one document, on the options built once: each operator resolves its own paths (mingo's
 * cross-operator conflict check is not needed there: parseOperators in updateRules.ts has already refused, with code
 * 40, every pair of paths where one is the other or its prefix, which is all that check finds without `$`). Otherwise
 * mingo's own entry point, which builds a fresh context with every operator table per call.
 */
export function mingoUpdate(doc: Document, modifier: Document, arrayFilters?: Document[], condition?: Document): void {
  if (condition === undefined && !dynamicPaths(modifier)) {
    const options = ComputeOptions.init(UPDATE_OPTIONS).update({ condition: {}, updateConfig: { cloneMode: 'copy', arrayFilters } });
    const mutators: ((d: Document) => string[])[] = [];
    for (const op of Object.keys(modifier)) {
      const operator = UPDATE_OPERATORS[op];
      if (!operator) throw new Error(`Unknown update operator: '${op}'.`);
      mutators.push(operator(modifier[op] as Document, arrayFilters ?? [], options));
    }
    for (const mutate of mutators) mutate(doc);
    return;
  }
  update(doc, modifier, arrayFilters, condition, { queryOptions: { context: EMPTY } });
}

/** Whether a path of the update (or a $rename target) holds a `$`: positional, `$[]` or `$[id]`. */
function dynamicPaths(modifier: Document): boolean {
  for (const op of Object.keys(modifier)) {
    const fields: unknown = modifier[op];
    if (!isObject(fields)) return true;
    for (const path of Object.keys(fields)) {
      if (path.includes('$')) return true;
      if (op === '$rename' && typeof fields[path] === 'string' && (fields[path] as string).includes('$')) return true;
    }
  }
  return false;
}
