/**
 * Cooperative yielding for long loops on the request path (imports, file reading): `await tick()` in the loop
 * gives the event loop a turn once `sliceMs` have passed since the last turn, so webhooks and /healthz keep being
 * answered while a 100,000-row file is read (docs/architecture.md: long operations never block for more than
 * 100 ms at a time). Cheap when called often: it only reads the clock.
 */
import { performance } from 'node:perf_hooks';

export function yielder(sliceMs = 20): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}
