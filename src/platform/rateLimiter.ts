/**
 * Sliding-window rate limiter for the Open Platform's send limits: each bucket allows `limit` calls per `windowMs`.
 * `reserve` books the earliest slot that every named bucket allows and says how long to wait for it, so callers
 * never exceed the platform's limits and never need to be throttled by it.
 */
export interface WindowRule {
  limit: number;
  windowMs: number;
}

/** Bookings older than this can matter to no rule (the longest window is a minute). */
const FORGET_AFTER_MS = 5 * 60_000;

export class SlidingWindowLimiter {
  private readonly slots = new Map<string, number[]>();
  private calls = 0;

  /** Returns the delay in ms after which the call may go; the slot is booked. */
  reserve(buckets: { key: string; rule: WindowRule }[], now: number): number {
    // Keys used once (e.g. a patched message) would otherwise stay forever.
    if (++this.calls % 1000 === 0) for (const key of [...this.slots.keys()]) this.prune(key, now - FORGET_AFTER_MS);
    for (const { key, rule } of buckets) this.prune(key, now - rule.windowMs);
    let at = now;
    // Find the earliest instant at which every bucket has room; moving forward for one bucket never frees another
    // earlier, so iterate until stable.
    for (let changed = true; changed; ) {
      changed = false;
      for (const { key, rule } of buckets) {
        const inWindow = (this.slots.get(key) ?? []).filter((t) => t > at - rule.windowMs);
        if (inWindow.length >= rule.limit) {
          const next = inWindow[inWindow.length - rule.limit] + rule.windowMs;
          if (next > at) {
            at = next;
            changed = true;
          }
        }
      }
    }
    for (const { key } of buckets) {
      const times = this.slots.get(key) ?? [];
      times.push(at);
      times.sort((a, b) => a - b);
      this.slots.set(key, times);
    }
    return at - now;
  }

  /**
   * Moves a booking made for `booked` to `done`, the time the call's answer came back. The platform counts a call
   * when it arrives, somewhere between the two; counting it at `done` keeps the next calls far enough from it
   * even when the process was too busy to send it on time (a stalled event loop bunches sends together).
   */
  settle(keys: readonly string[], booked: number, done: number): void {
    if (done <= booked) return;
    for (const key of keys) {
      const times = this.slots.get(key);
      if (!times) continue;
      const i = times.indexOf(booked);
      if (i < 0) continue;
      times[i] = done;
      times.sort((a, b) => a - b);
    }
  }

  /** Forgets bookings that can no longer matter to a call made at or after `before + window`. */
  private prune(key: string, before: number): void {
    const times = this.slots.get(key);
    if (!times) return;
    let i = 0;
    while (i < times.length && times[i] <= before) i++;
    if (i > 0) times.splice(0, i);
    if (times.length === 0) this.slots.delete(key);
  }
}
