import { applySettlements, grantSlots, type BudgetRules, type BudgetState } from '../../src/platform/sharedBudget';
import { peakInWindow } from '../support/outboxProcesses';

const RULES: BudgetRules = { burst: { limit: 50, windowMs: 1050 }, sustained: { limit: 1000, windowMs: 61_000 } };
const EMPTY: BudgetState = { s: [], m: [] };

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('grantSlots (the shared budget’s arithmetic)', () => {
  it('grants a burst of 50 at once, then nothing until the window has passed', () => {
    const first = grantSlots(EMPTY, 10_000, 60, 100, RULES);
    expect(first.grants).toEqual(Array(50).fill(10_000));
    expect(first.nextAt).toBe(10_000 + 1050);
    const later = grantSlots(first.state, 10_500, 5, 100, RULES);
    expect(later.grants).toEqual([]);
    const then = grantSlots(first.state, 11_000, 5, 100, RULES);
    expect(then.grants).toEqual([11_050, 11_050, 11_050, 11_050, 11_050]);
  });

  it('never grants back in time nor further ahead than asked', () => {
    const a = grantSlots(EMPTY, 5000, 3, 100, RULES);
    const b = grantSlots(a.state, 4000, 3, 100, RULES); // a process whose clock is behind
    expect(b.grants.every((g) => g >= 5000)).toBe(true);
    const full = grantSlots(EMPTY, 0, 50, 0, RULES);
    expect(grantSlots(full.state, 1000, 1, 49, RULES).grants).toEqual([]);
    expect(grantSlots(full.state, 1000, 1, 50, RULES).grants).toEqual([1050]);
  });

  it('holds 1,000 a minute: the 1,001st grant waits until the first second has left a 61 s window', () => {
    let state = EMPTY;
    const grants: number[] = [];
    for (let now = 0; grants.length < 1001 && now < 200_000; now += 25) {
      const r = grantSlots(state, now, 10, 100, RULES);
      state = r.state;
      grants.push(...r.grants);
    }
    expect(grants.length).toBeGreaterThan(1000);
    expect(grants[999]).toBeLessThan(25_000);
    // The first grants fell in second 0; counted by whole seconds, they leave the window at 62 s.
    expect(grants[1000]).toBeGreaterThanOrEqual(62_000);
    expect(peakInWindow(grants, 60_000)).toBeLessThanOrEqual(1000);
  });

  it('keeps every window within the limits for several processes booking at random times, with skewed clocks', () => {
    const rnd = random(14);
    let state = EMPTY;
    const grants: number[] = [];
    let t = 0;
    while (t < 150_000) {
      t += Math.floor(rnd() * 40);
      const skew = Math.floor(rnd() * 20) - 10; // each booking by a process whose clock is off by up to ±10 ms
      const r = grantSlots(state, t + skew, 1 + Math.floor(rnd() * 8), 100, RULES);
      state = r.state;
      grants.push(...r.grants);
      expect(r.grants.every((g) => g >= t + skew && g <= t + skew + 100)).toBe(true);
      expect(state.s.length).toBeLessThanOrEqual(50);
    }
    expect(grants.length).toBeGreaterThan(2000);
    // The margins (1050 ms, 61 s) leave room for the skew: the platform's own windows hold.
    expect(peakInWindow(grants, 1000 + 40)).toBeLessThanOrEqual(50);
    expect(peakInWindow(grants, 60_000)).toBeLessThanOrEqual(1000);
  });

  it('moves a settled grant to its answer, later only, so later grants count from there', () => {
    const full = grantSlots(EMPTY, 0, 50, 100, RULES);
    // One call of the burst was sent late and answered at 300 ms.
    const settled = applySettlements(full.state, [
      { booked: 0, done: 300 },
      { booked: 0, done: -5 },
    ]);
    expect(settled.s.filter((x) => x === 300)).toHaveLength(1);
    expect(settled.s.filter((x) => x === 0)).toHaveLength(49);
    // 49 grants can follow at 1050; the 50th must keep 1050 ms from the late call.
    const next = grantSlots(settled, 1050, 50, 400, RULES);
    expect(next.grants.slice(0, 49)).toEqual(Array(49).fill(1050));
    expect(next.grants[49]).toBe(1350);
  });
});
