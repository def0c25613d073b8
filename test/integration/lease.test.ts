import { acquireLease, releaseLease } from '../../src/store/lease';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb('lease');
});
afterAll(async () => {
  await db.close();
});

describe('job leases', () => {
  it('one holder at a time; the lease frees on release or expiry', async () => {
    const t0 = new Date('2024-05-01T01:00:00Z');
    expect(await acquireLease(db.conn, 'job:x', 'a', t0, 60_000)).toBe(true);
    expect(await acquireLease(db.conn, 'job:x', 'b', t0, 60_000)).toBe(false);
    // the holder may renew
    expect(await acquireLease(db.conn, 'job:x', 'a', new Date(t0.getTime() + 1000), 60_000)).toBe(true);
    // expired: someone else takes it
    expect(await acquireLease(db.conn, 'job:x', 'b', new Date(t0.getTime() + 62_000), 60_000)).toBe(true);
    await releaseLease(db.conn, 'job:x', 'a'); // not the holder: no effect
    expect(await acquireLease(db.conn, 'job:x', 'a', new Date(t0.getTime() + 63_000), 60_000)).toBe(false);
    await releaseLease(db.conn, 'job:x', 'b');
    expect(await acquireLease(db.conn, 'job:x', 'a', new Date(t0.getTime() + 64_000), 60_000)).toBe(true);
  });

  it('concurrent takers: exactly one wins', async () => {
    const now = new Date('2024-06-01T01:00:00Z');
    const wins = await Promise.all(['p', 'q', 'r', 's'].map((h) => acquireLease(db.conn, 'job:race', h, now, 60_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});
