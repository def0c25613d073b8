/**
 * The suite's order (test/support/sequencer.js): the slow files it names exist, and they run first, slowest first,
 * whatever Jest's cache holds — a fresh clone has none.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
// The sequencer is plain JavaScript, loaded by Jest itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('../support/sequencer') as {
  new (options: unknown): { sort(tests: FakeTest[]): FakeTest[] };
  SLOW: Record<string, number>;
};

interface FakeTest {
  path: string;
  duration?: number;
  context: { config: { rootDir: string; cache: boolean; cacheDirectory: string; id: string }; hasteFS: { getSize(p: string): number } };
}

function test(rel: string, size = 1000): FakeTest {
  return {
    path: path.join(ROOT, rel),
    context: { config: { rootDir: ROOT, cache: false, cacheDirectory: '/nonexistent', id: 'x' }, hasteFS: { getSize: () => size } },
  };
}

describe('the slow-first test order', () => {
  it('names only test files that exist', () => {
    const missing = Object.keys(Sequencer.SLOW).filter((f) => !f.endsWith('.test.ts') || !existsSync(path.join(ROOT, f)));
    expect(missing).toEqual([]);
    expect(Object.keys(Sequencer.SLOW).length).toBeGreaterThan(10);
  });

  it('puts the named files first, slowest first, then the others by size (no cache, as on a fresh clone)', () => {
    const slow = Object.entries(Sequencer.SLOW).sort((a, b) => b[1] - a[1]).map(([f]) => f);
    const tests = [test('test/unit/big.test.ts', 90_000), test('test/unit/small.test.ts', 10), ...slow.map((f) => test(f, 5)).reverse()];
    const order = new Sequencer({}).sort(tests).map((t) => path.relative(ROOT, t.path));
    expect(order.slice(0, slow.length).map((f) => Sequencer.SLOW[f])).toEqual(slow.map((f) => Sequencer.SLOW[f]));
    expect(order.slice(slow.length)).toEqual(['test/unit/big.test.ts', 'test/unit/small.test.ts']);
  });
});
