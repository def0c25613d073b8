/** Run only by pythonPolicy.test.ts (in a child jest): one test that needs python3, as the draw tests use it. */
import { pythonIt, runPython } from '../python';

pythonIt('runs the independent verifier', () => {
  const r = runPython(['--version-of-nothing.json']);
  expect(typeof r.code).toBe('number');
});
