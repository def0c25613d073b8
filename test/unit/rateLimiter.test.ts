import { SlidingWindowLimiter } from '../../src/platform/rateLimiter';

const rule = { limit: 5, windowMs: 1000 };

/** Every window of `windowMs` holds at most `limit` of the given instants. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('SlidingWindowLimiter', () => {
  it('lets the first `limit` calls through at once and spaces the rest by the window', () => {
    const l = new SlidingWindowLimiter();
    const delays = Array.from({ length: 12 }, () => l.reserve([{ key: 'u1', rule }], 0));
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(delays.slice(5, 10)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(delays.slice(10)).toEqual([2000, 2000]);
  });

  it('counts a call from when it was answered, so calls sent late are not bunched with the next ones', () => {
    const l = new SlidingWindowLimiter();
    const buckets = [{ key: 'u1', rule }];
    for (let i = 0; i < 5; i++) expect(l.reserve(buckets, 0)).toBe(0);
    // The process was busy: the five calls went out, and were answered, only at 400 ms.
    for (let i = 0; i < 5; i++) l.settle(['u1'], 0, 400);
    // The platform saw them at up to 400 ms, so the sixth call may go at 1400 ms, not at 1000 ms.
    expect(l.reserve(buckets, 500)).toBe(900);
    // An answer that came back before its booked time changes nothing.
    l.settle(['u1'], 1400, 1200);
    expect(l.reserve(buckets, 1400)).toBe(0);
  });

  it('keeps buckets independent but honours a shared app bucket', () => {
    const l = new SlidingWindowLimiter();
    const app = { limit: 8, windowMs: 1000 };
    const at: number[] = [];
    for (let i = 0; i < 20; i++) {
      const user = `u${i % 4}`;
      at.push(l.reserve([{ key: user, rule }, { key: 'app', rule: app }], 0));
    }
    expect(maxInWindow(at, 1000)).toBeLessThanOrEqual(8);
    for (let u = 0; u < 4; u++) {
      expect(maxInWindow(at.filter((_, i) => i % 4 === u), 1000)).toBeLessThanOrEqual(5);
    }
  });

  it('never exceeds the limit over random arrival times', () => {
    const l = new SlidingWindowLimiter();
    let now = 0;
    const slots: number[] = [];
    let x = 12345;
    for (let i = 0; i < 500; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      now += x % 150;
      slots.push(now + l.reserve([{ key: 'k', rule }], now));
    }
    expect(maxInWindow(slots, 1000)).toBeLessThanOrEqual(5);
  });
});
