/**
 * The arena for stored versions' bytes (src/store/embedded/arena.ts): a slot is never handed out while a version
 * that was stored in it may still be read, slots are reused, and memory stops growing in a steady workload.
 */
import { ByteArena, MAX_SLOT, slotSize } from '../../src/store/embedded/arena';
import { mulberry32 } from '../../src/domain/prng';

function filled(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

test('slot sizes: never below the length, at most 12.5% (or 15 bytes) above it, the same for the same length', () => {
  for (let n = 1; n <= 70_000; n += n < 2000 ? 1 : 37) {
    const s = slotSize(n);
    expect(s).toBeGreaterThanOrEqual(n);
    expect(s - n).toBeLessThanOrEqual(Math.max(15, n / 8));
    // a slot of size s fits every length that maps to s
    expect(slotSize(s)).toBe(s);
  }
  expect(slotSize(3000)).toBe(3072);
  expect(slotSize(100)).toBe(112);
});

test('random store / retire / release: every stored view keeps its bytes until retired and released', () => {
  const rnd = mulberry32(7);
  const arena = new ByteArena();
  /** live views and the bytes they must hold */
  const live: { view: Buffer; want: Buffer }[] = [];
  /** retired views and the epoch they were retired in, with the bytes they held (they must stay until released) */
  const retired: { view: Buffer; want: Buffer; epoch: number }[] = [];
  let epoch = 1;
  let released = 0;
  for (let step = 0; step < 20_000; step++) {
    arena.epoch = epoch;
    const r = rnd();
    if (r < 0.5 || live.length === 0) {
      const n = 1 + Math.floor(rnd() ** 3 * 6000);
      const want = filled(n, step);
      const view = arena.store(want);
      expect(view.equals(want)).toBe(true);
      live.push({ view, want });
    } else if (r < 0.9) {
      const [gone] = live.splice(Math.floor(rnd() * live.length), 1);
      arena.retire(gone!.view);
      retired.push({ ...gone!, epoch });
    } else {
      // a new command; sometimes a cursor opened a few commands ago holds the bound back
      epoch++;
      const bound = rnd() < 0.3 ? Math.max(1, epoch - 1 - Math.floor(rnd() * 5)) : epoch;
      arena.release(bound);
      for (let i = retired.length - 1; i >= 0; i--) if (retired[i]!.epoch < bound) retired.splice(i, 1);
      released++;
    }
    if (step % 499 === 0) {
      for (const { view, want } of live) expect(view.equals(want)).toBe(true);
      for (const { view, want } of retired) expect(view.equals(want)).toBe(true);
    }
  }
  for (const { view, want } of live) expect(view.equals(want)).toBe(true);
  expect(released).toBeGreaterThan(100);
  expect(arena.stats().reused).toBeGreaterThan(1000);
});

test('a retired slot is not reused before a release whose bound is above the epoch it was retired in', () => {
  const arena = new ByteArena();
  arena.epoch = 5;
  const a = arena.store(filled(3000, 1));
  arena.retire(a);
  // same command: a new version of the same size gets a new slot
  const b = arena.store(filled(3000, 2));
  expect(b.byteOffset).not.toBe(a.byteOffset);
  // a cursor opened in command 5 holds it
  arena.epoch = 6;
  arena.release(5);
  const c = arena.store(filled(3000, 3));
  expect([a.byteOffset, b.byteOffset]).not.toContain(c.byteOffset);
  expect(a.equals(filled(3000, 1))).toBe(true);
  // the cursor is gone: the slot is free and the next version of that size takes it
  arena.epoch = 7;
  arena.release(7);
  const d = arena.store(filled(2990, 4));
  expect(d.buffer).toBe(a.buffer);
  expect(d.byteOffset).toBe(a.byteOffset);
  expect(arena.stats()).toMatchObject({ reused: 1, retiredPending: 0, free: 0 });
});

test('a steady stream of updates reuses slots: the chunks stop growing', () => {
  const arena = new ByteArena();
  const docs = Array.from({ length: 200 }, (_, i) => arena.store(filled(2000 + (i % 7) * 10, i)));
  let epoch = 1;
  let afterWarmUp = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < docs.length; i++) {
      arena.epoch = ++epoch;
      arena.release(epoch);
      const next = arena.store(filled(2000 + ((i + round) % 7) * 10, round * 1000 + i));
      arena.retire(docs[i]!);
      docs[i] = next;
    }
    if (round === 4) afterWarmUp = arena.stats().chunkBytes;
  }
  const stats = arena.stats();
  // 10,000 versions of ~2 KB (20 MB) were stored; the arena holds a small multiple of the live 200
  expect(stats.stored).toBe(200 + 50 * 200);
  expect(stats.chunkBytes).toBeLessThan(2 * 1024 * 1024);
  expect(stats.chunkBytes).toBe(afterWarmUp);
  expect(stats.reused).toBeGreaterThan(9000);
});

test('documents above MAX_SLOT keep their own buffer and retiring them is a no-op', () => {
  const arena = new ByteArena();
  const big = filled(MAX_SLOT + 1, 9);
  expect(arena.store(big)).toBe(big);
  arena.retire(big);
  expect(arena.stats()).toMatchObject({ chunkBytes: 0, retiredPending: 0 });
});
