/**
 * A process that logs through the service's buffered logger (src/logger.ts) and then ends as `argv[2]` says, for
 * test/unit/logger.test.ts: every line it logged must be in its output.
 */
import { pbkdf2 } from 'node:crypto';
import { createLogger } from '../../src/logger';

const [mode = 'exit', countArg = '50'] = process.argv.slice(2);
const count = Number(countArg);
const log = createLogger('info', { buffered: true });
if (mode === 'exitBusyPool') {
  // libuv's thread pool (one thread: the test sets UV_THREADPOOL_SIZE=1) is kept busy for a while, so that a write
  // handed to it would still be waiting when the process exits
  pbkdf2(Buffer.from('busy'), Buffer.from('salt'), 2_000_000, 32, 'sha256', () => undefined);
}
for (let i = 0; i < count; i++) log.info({ i, pad: 'x'.repeat(i % 7) }, `line ${i}`);

switch (mode) {
  case 'exit':
  case 'exitBusyPool':
    // as main.ts ends after an orderly shutdown
    process.exit(0);
    break;
  case 'throw':
    setImmediate(() => {
      throw new Error('uncaught in the test child');
    });
    break;
  case 'reject':
    void Promise.reject(new Error('unhandled rejection in the test child'));
    break;
  case 'error':
  case 'fatal':
    log[mode]({ i: count }, `${mode} line`);
    // gone at once, without 'exit': only what was written synchronously is there
    process.kill(process.pid, 'SIGKILL');
    break;
  case 'idle':
    // neither exit nor more lines: the timer writes the lines, and the process stays until killed
    setInterval(() => undefined, 1000);
    break;
  case 'drain':
    // the event loop runs dry with lines buffered (the timer is unref'd and must not keep the process alive)
    break;
}
