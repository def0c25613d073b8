/**
 * Runs a draw computation (domain/draw2/steps.ts) in slices, giving the event loop a turn whenever a slice has run
 * for `sliceMs`, so that a draw over 100,000 enterprises never holds the service for more than a few tens of
 * milliseconds at a time (webhooks, health checks and card answers go on meanwhile).
 */
import { performance } from 'node:perf_hooks';
import type { Steps } from '../../domain/draw2/steps';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runSliced<T>(steps: Steps<T>, sliceMs = 25): Promise<T> {
  let started = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - started >= sliceMs) {
      await turn();
      started = performance.now();
    }
  }
}

/** Gives the event loop a turn (between database reads of a long operation). */
export function yieldTurn(): Promise<void> {
  return turn();
}
