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

/** mingo's `update` of `doc` in place; `condition` only matters for the positional `$` operator. */
export function mingoUpdate(doc: Document, modifier: Document, arrayFilters?: Document[], condition?: Document): void {
  update(doc, modifier, arrayFilters, condition, { queryOptions: { context: EMPTY } });
}
