/**
 * The real service as a process (what `npm start` runs: config from the environment, startService, SIGTERM
 * stops it), with test options that `src/main.ts` does not take: faster job schedules, faster outbox retries.
 * SPOTCHECK_TEST_SERVICE_OPTIONS holds them as JSON (a ServiceOptions without the clock).
 */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type ServiceOptions } from '../../src/service';

const options = JSON.parse(process.env.SPOTCHECK_TEST_SERVICE_OPTIONS ?? '{}') as Omit<ServiceOptions, 'now'>;

startService(loadConfig(process.env), createLogger(loadConfig(process.env).logLevel), options).then(
  (service) => {
    process.on('SIGTERM', () => {
      service.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  },
  (err: unknown) => {
    process.stderr.write(`启动失败：${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
