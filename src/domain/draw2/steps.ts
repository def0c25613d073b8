/**
 * Long computations are generators that yield now and then (every few thousand items), so that a caller can give
 * the event loop a turn between slices (operations/draw/slices.ts) while tests, the verifier and the CLI run them
 * straight through (`runSync`). The result is the same either way.
 */
export type Steps<T> = Generator<void, T, void>;

export function runSync<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** How many items a step loop handles between two yields. */
export const SLICE = 2048;
