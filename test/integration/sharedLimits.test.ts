/**
 * The pieces that make the platform's limits hold across processes, against a real database (the wire server, or
 * MONGODB_URI): the shared app budget (platform/sharedBudget.ts) and the target leases (platform/targetLeases.ts).
 * Two instances of each stand for two processes.
 */
import { createLogger } from '../../src/logger';
import { SharedBudget, type BudgetRules } from '../../src/platform/sharedBudget';
import { TargetLeases } from '../../src/platform/targetLeases';
import { rateBudgetModel, targetLeaseModel } from '../../src/store/rateLimits';
import { openTestDb, type TestDb } from '../support/db';
import { peakInWindow } from '../support/outboxProcesses';

let db: TestDb;
const log = createLogger('silent');

beforeAll(async () => {
  db = await openTestDb('sharedlimits');
  await rateBudgetModel(db.conn).init();
  await targetLeaseModel(db.conn).init();
});

afterAll(async () => {
  await db.close();
});

describe('SharedBudget', () => {
  it('two processes booking at once get grants that keep the window between them, and each booking once', async () => {
    const rules: BudgetRules = { burst: { limit: 10, windowMs: 300 }, sustained: { limit: 1000, windowMs: 61_000 } };
    const a = new SharedBudget(rateBudgetModel(db.conn), 'two', rules, log, { aheadMs: 50 });
    const b = new SharedBudget(rateBudgetModel(db.conn), 'two', rules, log, { aheadMs: 50 });
    const grants = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? a : b).take()));
    expect(grants).toHaveLength(80);
    expect(peakInWindow(grants, 300)).toBeLessThanOrEqual(10);
    // Batched: fewer writes than grants; the two met on the document and retried.
    expect(a.stats.grants + b.stats.grants).toBe(80);
    expect(a.stats.writes + b.stats.writes).toBeLessThan(80);
    const doc = await rateBudgetModel(db.conn).findById('two').lean();
    expect(doc!.v).toBe(a.stats.writes + b.stats.writes);
    expect(doc!.s).toHaveLength(10);
  });

  it('a late call is settled: the next booking, by either process, counts from its answer', async () => {
    const rules: BudgetRules = { burst: { limit: 1, windowMs: 400 }, sustained: { limit: 1000, windowMs: 61_000 } };
    const a = new SharedBudget(rateBudgetModel(db.conn), 'settle', rules, log, { aheadMs: 1000 });
    const b = new SharedBudget(rateBudgetModel(db.conn), 'settle', rules, log, { aheadMs: 1000 });
    const g1 = await a.take();
    // The call went out late and was answered 150 ms after its grant: the window counts from then.
    a.settle(g1, g1 + 150);
    await a.flush();
    expect(a.stats.settled).toBe(1);
    expect(await b.take()).toBe(g1 + 150 + 400);
  });

  it('a process that books and dies holds at most what it booked: the others carry on after the window', async () => {
    const rules: BudgetRules = { burst: { limit: 5, windowMs: 200 }, sustained: { limit: 1000, windowMs: 61_000 } };
    const dead = new SharedBudget(rateBudgetModel(db.conn), 'crash', rules, log, { aheadMs: 20 });
    const booked = await Promise.all(Array.from({ length: 5 }, () => dead.take()));
    const alive = new SharedBudget(rateBudgetModel(db.conn), 'crash', rules, log, { aheadMs: 20 });
    const next = await alive.take();
    expect(next).toBeGreaterThanOrEqual(Math.max(...booked) + 200);
    expect(next).toBeLessThan(Math.max(...booked) + 200 + 1000);
  });
});

describe('TargetLeases', () => {
  it('one process at a time sends to a target; the other takes over only after the lease has run out, quietly', async () => {
    let now = Date.now();
    const clock = () => now;
    const a = new TargetLeases(targetLeaseModel(db.conn), { holdMs: 10_000, renewBelowMs: 3000, quietMs: 1500, now: clock });
    const b = new TargetLeases(targetLeaseModel(db.conn), { holdMs: 10_000, renewBelowMs: 3000, quietMs: 1500, now: clock });
    expect(await a.hold('user:ou_x')).toBe(true);
    expect(await b.hold('user:ou_x')).toBe(false);
    expect(b.isHeldElsewhere('user:ou_x')).toBe(true);
    expect(b.heldElsewhere()).toEqual(['user:ou_x']);
    expect(await a.hold('user:ou_x')).toBe(true); // held, no renewal needed
    expect(a.stats).toMatchObject({ acquired: 1, renewed: 0 });

    // 7.5 s later: a may still send, and renews when it next takes the target up.
    now += 7500;
    expect(a.maySend('user:ou_x')).toBe(true);
    expect(await a.hold('user:ou_x')).toBe(true);
    expect(a.stats.renewed).toBe(1);

    // a stops using it: with 1.4 s left it may no longer send, and b still may not take it.
    now += 8600;
    expect(a.maySend('user:ou_x')).toBe(false);
    expect(await b.hold('user:ou_x')).toBe(false);
    // Run out: b takes it, a learns it is held elsewhere.
    now += 1500;
    expect(await b.hold('user:ou_x')).toBe(true);
    await a.refresh();
    expect(a.isHeldElsewhere('user:ou_x')).toBe(true);
    expect(await a.hold('user:ou_x')).toBe(false);
  });

  it('on shutdown a process hands its leases over after the quiet time', async () => {
    let now = Date.now();
    const clock = () => now;
    const a = new TargetLeases(targetLeaseModel(db.conn), { now: clock });
    const b = new TargetLeases(targetLeaseModel(db.conn), { now: clock });
    expect(await a.hold('chat:oc_1')).toBe(true);
    expect(await a.hold('user:ou_2')).toBe(true);
    await a.releaseAll();
    expect(await b.hold('chat:oc_1')).toBe(false);
    now += a.quietMs + 1;
    await b.refresh();
    expect(b.heldElsewhere()).not.toContain('chat:oc_1');
    expect(await b.hold('chat:oc_1')).toBe(true);
    expect(await b.hold('user:ou_2')).toBe(true);
  });
});
