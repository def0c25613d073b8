/**
 * mingo, built once. `new Query(…)` from mingo's index copies every operator table into a fresh context on each
 * call, and its `update` copies them again and then adds its own; per command that copying (and the garbage it
 * leaves) cost more than the matching. Here the contexts are built once and shared (mingo copies a context it is
 * given, never changes it): filters get the query operators, plus the expression operators when they use `$expr`
 * (or another operator that evaluates expressions); projections and sorts get the full set, as mingo's index would;
 * updates start from an empty context, to which mingo's updater adds the operators it needs itself.
 */
import type * as MingoIndex from 'mingo';
import type { Context, Query as IndexQuery } from 'mingo';
import { isObject, type Document } from './values';

/*
 * mingo's subpath modules (the classes and operator tables its index wraps) are loaded with require: the project's
 * TypeScript resolution (node10) does not read package "exports", so their types are stated here, from mingo's own.
 */
type OperatorTable = Record<string, unknown>;
/* eslint-disable @typescript-eslint/no-require-imports */
const { Context: ContextClass } = require('mingo/core') as { Context: typeof MingoIndex.Context };
const { Query } = require('mingo/query') as { Query: new (condition: Document, options: { context: Context }) => IndexQuery };
const { update } = require('mingo/updater') as {
  update(obj: Document, modifier: Document, arrayFilters?: Document[], condition?: Document, options?: { queryOptions: { context: Context } }): string[];
};
const table = (path: string) => require(path) as OperatorTable;
/** An update operator of mingo: built from its argument, then applied to one document (returns the changed paths). */
type UpdateOperator = (expr: Document, arrayFilters: Document[], options: unknown) => (doc: Document) => string[];
const UPDATE_OPERATORS = require('mingo/operators/update') as Record<string, UpdateOperator | undefined>;
/* eslint-enable @typescript-eslint/no-require-imports */

/*
 * Loading: the query operators and the updater (≈ 85 of mingo's modules) are what every command needs; the
 * expression, pipeline, accumulator, window and projection operators (≈ 210 more, with mingo's index that wraps them)
 * load when a command first needs them: a filter that evaluates expressions, a projection with operators or
 * computed fields, a pipeline the compiled code (pipeline.ts) does not run, a pipeline update. Loading all of them
 * cost about a third of a CPU-second in every process (and every test file) that starts the wire server.
 */
type ContextConfig = Parameters<typeof ContextClass.init>[0];
const queryOperators = table('mingo/operators/query');
let full: Context | undefined;
/** What mingo's index module gives every Query and Aggregator (loaded on first use). */
function fullContext(): Context {
  full ??= ContextClass.init({
    accumulator: table('mingo/operators/accumulator'),
    expression: table('mingo/operators/expression'),
    pipeline: table('mingo/operators/pipeline'),
    projection: table('mingo/operators/projection'),
    query: queryOperators,
    window: table('mingo/operators/window'),
  } as ContextConfig);
  return full;
}
const QUERY_ONLY = ContextClass.init({ query: queryOperators } as ContextConfig);
const EMPTY = ContextClass.init();

let index: typeof MingoIndex | undefined;
/** mingo's index module (its Aggregator and ProcessingMode), loaded on first use. */
export function mingoIndex(): typeof MingoIndex {
  index ??= require('mingo') as typeof MingoIndex;
  return index;
}

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
  return new Query(filter, { context: evaluates(filter) ? fullContext() : QUERY_ONLY });
}

/**
 * The query that projects and sorts (its filter is `{}`), with every operator a projection may use. Given the
 * projection: one that only includes and excludes fields (numbers and booleans, no `$` in a path) reads no operator
 * (mingo's $project handles those itself), so it gets the query operators only.
 */
export function projector(projection?: Document): IndexQuery {
  return new Query({}, { context: projection !== undefined && plainProjection(projection) ? QUERY_ONLY : fullContext() });
}

function plainProjection(projection: Document): boolean {
  for (const [path, v] of Object.entries(projection)) {
    if (path.includes('$') || (typeof v !== 'number' && typeof v !== 'boolean')) return false;
  }
  return true;
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
    context: ContextClass.init({
      query: {
        $grabOptions: (_field: string, _value: unknown, options: object) => {
          optionsClass = options.constructor as unknown as ComputeOptionsClass;
          return () => true;
        },
      },
    } as unknown as ContextConfig),
  },
);
if (!optionsClass || typeof optionsClass.init !== 'function') throw new Error('mingo: no ComputeOptions class');
const ComputeOptions: ComputeOptionsClass = optionsClass;

/**
 * The options mingo's updater builds for every call (updateDocuments: its defaults, `firstOnly`, an empty collation,
 * the boolean and comparison expression operators and the query operators), built once. (updateDocuments also adds
 * the stages of pipeline updates; only its pipeline-update branch reads them, and pipeline updates run in the
 * Aggregator here (update.ts): the update operators never look a stage up, so they are left out, and with them the
 * loading of every pipeline and expression operator.)
 */
const UPDATE_OPTIONS = ComputeOptions.init({
  context: ContextClass.init({
    expression: { ...table('mingo/operators/expression/boolean'), ...table('mingo/operators/expression/comparison') },
    query: queryOperators,
  } as ContextConfig),
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
