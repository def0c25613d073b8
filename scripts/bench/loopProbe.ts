import { performance } from 'node:perf_hooks';
import { longestBlock } from '../../src/platform/benchProbe';

/**
 * Runs `fn`, timing it and the longest time the event loop was held meanwhile (src/platform/benchProbe.ts
 * longestBlock: the greatest lateness of a 1 ms interval, how long a callback arriving then would have waited).
 */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; longest: number }> {
  const stop = longestBlock();
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, seconds: (performance.now() - t0) / 1000, longest: stop() };
  } finally {
    stop();
  }
}
