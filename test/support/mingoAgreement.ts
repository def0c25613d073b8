/**
 * The embedded database's own filter matcher against mingo's on the same documents: the randomised match tests
 * (test/wire/match*.test.ts) compile a filter both ways and require the same answer for every document.
 */
import { compileMatcher } from '../../src/store/embedded/match';
import { newQuery } from '../../src/store/embedded/mingo';
import type { Document } from '../../src/store/embedded/values';

/** The compiled matcher of `filter`, after checking it answers as mingo does on each of `docs` (throws on the first difference). */
export function matcherAgreeingWithMingo(filter: Document, docs: readonly Document[]): ReturnType<typeof compileMatcher> {
  const fast = compileMatcher(filter);
  const slow = newQuery(filter);
  for (const doc of docs) {
    const want = slow.test(doc);
    if (fast.test(doc) !== want) throw new Error(`filter ${JSON.stringify(filter)} on ${JSON.stringify(doc)}: mingo says ${want}`);
  }
  return fast;
}
