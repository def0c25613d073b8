/**
 * The bench's split of a callback's time (scripts/bench/callbacks.ts splitOf): the client's readings of the machine's
 * monotonic clock around the request, and the server's (the x-bench-times header), give the time before the
 * server's handler, inside it and after it.
 */
import { splitOf } from '../../scripts/bench/callbacks';
import { BENCH_TIMES_HEADER } from '../../src/platform/benchProbe';

const delivery = (times: string | undefined, postedUs?: number, readUs?: number) => ({
  status: 200,
  body: {},
  elapsedMs: 0,
  headers: times === undefined ? {} : { [BENCH_TIMES_HEADER]: times },
  ...(postedUs !== undefined ? { postedUs } : {}),
  ...(readUs !== undefined ? { readUs } : {}),
});

test('splits the time between posting and reading at the two times the server gave', () => {
  expect(splitOf(delivery('1002500,1010500', 1000000, 1011000))).toEqual({ totalMs: 11, beforeMs: 2.5, insideMs: 8, afterMs: 0.5 });
});

test('no split without the server\'s times or without the client\'s', () => {
  expect(splitOf(delivery(undefined, 1, 2))).toBeUndefined();
  expect(splitOf(delivery('5,6'))).toBeUndefined();
  expect(splitOf(delivery('garbled', 1, 2))).toBeUndefined();
  expect(splitOf(delivery('5', 1, 2))).toBeUndefined();
});
