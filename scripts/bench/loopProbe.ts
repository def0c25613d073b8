import { performance } from 'node:perf_hooks';

/**
 * Runs `fn`, timing it and the longest time the event loop was held meanwhile: the greatest lateness of a 1 ms
 * interval (so at least 1 ms), which is how long a callback arriving then would have waited for this process.
 */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; longest: number }> {
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, seconds: (performance.now() - t0) / 1000, longest };
  } finally {
    clearInterval(probe);
  }
}
