/**
 * A stand-in for `npm run bench` in test/integration/bench-processes.test.ts: starts one bench child (the baseline
 * server, scripts/bench/processes.ts startChild), prints {"holder": its pid, "child": the child's pid} once the child
 * listens, and waits to be signalled.
 */
import { startChild, waitForLine } from '../../scripts/bench/processes';

const runDir = process.argv[2];
if (!runDir) throw new Error('usage: benchChildHolder.ts <run directory>');
const child = startChild('baseline', 'scripts/bench/baselineServer.ts', { PORT: '0' }, { runDir });
void waitForLine<{ port: number }>(child, 'port').then(() => {
  process.stdout.write(`${JSON.stringify({ holder: process.pid, child: child.child.pid })}\n`);
});
setInterval(() => undefined, 60_000);
