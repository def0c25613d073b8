/**
 * Imports write in batches sized to keep each database command short (rowUpsert.ts). With the embedded database
 * a command's work is done on the service's own event loop, so this is what keeps /healthz and webhooks answered
 * during a big import. A simulated clock stands for the command's cost; the measured event-loop figures of a real
 * 10,000-row import are printed by `npm run bench:import`.
 */
import { AdaptiveBatches } from '../../src/operations/rowUpsert';

async function run(msPerItem: number, items: number): Promise<number[]> {
  let now = 0;
  const batches = new AdaptiveBatches(() => now);
  const took: number[] = [];
  await batches.run(Array.from({ length: items }, (_, i) => i), async (part) => {
    now += part.length * msPerItem;
    took.push(part.length * msPerItem);
  });
  return took;
}

test('a slow database (5 ms of work per row, like the embedded one on a big registry) gets commands of at most 100 ms', async () => {
  const took = await run(5, 10_000);
  expect(Math.max(...took)).toBeLessThanOrEqual(100);
  expect(took.reduce((a, b) => a + b, 0)).toBe(50_000);
});

test('a very slow database (60 ms per row) goes down to one row per command at once', async () => {
  const took = await run(60, 50);
  expect(took.slice(1).every((t) => t === 60)).toBe(true);
});

test('a fast database gets batches of up to 1000 rows', async () => {
  let now = 0;
  const sizes: number[] = [];
  const batches = new AdaptiveBatches(() => now);
  await batches.run(Array.from({ length: 20_000 }, (_, i) => i), async (part) => {
    now += 1;
    sizes.push(part.length);
  });
  expect(Math.max(...sizes)).toBe(1000);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(20_000);
});

test('every row is handed over exactly once, in order', async () => {
  let now = 0;
  const seen: number[] = [];
  const batches = new AdaptiveBatches(() => now);
  await batches.run(Array.from({ length: 3333 }, (_, i) => i), async (part) => {
    now += part.length % 7 === 0 ? 200 : 3;
    seen.push(...part);
  });
  expect(seen).toEqual(Array.from({ length: 3333 }, (_, i) => i));
});
