/**
 * The whole service, for integration tests and the demo: a database (MONGODB_URI or the wire server), the Feishu
 * emulator, the real service configured against both, and a simulated Feishu client posting to its webhook.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config, LarkConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import type { OutboxOptions } from '../../src/platform/outbox';
import { CALLBACK_DEADLINE_MS } from '../../src/platform/events';
import { startService, type Service } from '../../src/service';
import { outboxModel } from '../../src/store/outbox';
import { testMongoUri, uniqueDbName, type TestMongo } from './db';
import { SimulatedFeishu } from '../../src/sandbox/client';
import { startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';

/** How long each step of Harness.close may take before it is reported as hung (a bound, not a speed target). */
const CLOSE_STEP_MS = 60_000;

export const TEST_APP = {
  appId: 'cli_a1b2c3d4e5f6a7b8',
  appSecret: 'test-app-secret',
  encryptKey: 'test-encrypt-key-0123456789',
  verificationToken: 'test-verification-token',
};

/** Puts `dbName` into a MongoDB URI, keeping hosts and options. */
export function withDbName(uri: string, dbName: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`unexpected MongoDB URI: ${uri}`);
  return `${m[1]}/${dbName}${m[3] ?? ''}`;
}

function withQuery(uri: string, query: string | undefined): string {
  if (!query) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
}

export interface Harness {
  config: Config;
  emulator: LarkEmulator;
  feishu: SimulatedFeishu;
  mongo: TestMongo;
  log: Logger;
  service: Service;
  /** stop the service (as a crash or deploy would) and start a new one on the same database and emulator */
  restart(): Promise<void>;
  /** stop the service only */
  stopService(): Promise<void>;
  startServiceAgain(): Promise<void>;
  /**
   * Resolves once the outbox has nothing left to send (every entry sent or given up): after a webhook answered,
   * everything its handling queued has then reached the emulator. Replaces “wait a little and see”.
   */
  outboxIdle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Functional tests do not race the clock: the callback deadline (2.5 s in production, below Feishu's 3 s) and
 * the simulated client's patience are generous here, so a busy machine cannot turn an answer into “正在处理”.
 * What happens at the deadline is tested on its own (lateCard.test.ts) and speed is measured by `npm run bench`.
 */
export const TEST_CALLBACK_DEADLINE_MS = 20_000;
/** How long Feishu waits for a callback's answer. */
const FEISHU_CALLBACK_TIMEOUT_MS = 3000;

export async function startHarness(
  opts: {
    mode?: LarkConfig['mode'];
    outbox?: OutboxOptions;
    dbPrefix?: string;
    logLevel?: string;
    now?: () => Date;
    /** ADMIN_OPEN_IDS */
    adminOpenIds?: string[];
    callbackDeadlineMs?: number;
    /** Feishu's own timing (the bench): the service's 2.5 s deadline and the client's 3 s */
    productionDeadlines?: boolean;
    /**
     * make up today's daily jobs missed before the start (jobs/scheduler.ts catchUp; production's default). Off
     * unless a test asks: a test's moved clock would otherwise start each service with the day's reminders and digest.
     */
    catchUp?: boolean;
    /** options added to the service's MongoDB URI, e.g. `monitorCommands=true` */
    mongoUriQuery?: string;
  } = {},
): Promise<Harness> {
  const mongo = await testMongoUri();
  const emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
  const mode = opts.mode ?? 'webhook';
  const config: Config = {
    port: 0,
    production: false,
    mongodbUri: withQuery(withDbName(mongo.uri, uniqueDbName(opts.dbPrefix ?? 'it')), opts.mongoUriQuery),
    lark: { ...TEST_APP, domain: emulator.url, mode },
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'spotcheck-')),
    logLevel: opts.logLevel ?? process.env.LOG_LEVEL ?? 'silent',
    adminOpenIds: opts.adminOpenIds ?? [],
  };
  const log = createLogger(config.logLevel);
  // Fast retries keep tests short; the production defaults are tested in unit tests. An enqueue wakes a sending
  // loop at once and a retry wakes one when it comes due, so pollMs only bounds how late work nobody announced (an
  // expired lease, another process's entries) is seen; one idle loop polls, the others wait to be woken.
  const outboxOptions: OutboxOptions = { backoffBaseMs: 50, backoffMaxMs: 1000, pollMs: 400, ...opts.outbox };
  const callbackDeadlineMs = opts.productionDeadlines ? CALLBACK_DEADLINE_MS : (opts.callbackDeadlineMs ?? TEST_CALLBACK_DEADLINE_MS);
  const clientTimeoutMs = opts.productionDeadlines ? FEISHU_CALLBACK_TIMEOUT_MS : callbackDeadlineMs + 5000;
  const serviceOptions = { outbox: outboxOptions, now: opts.now, callbackDeadlineMs, catchUp: opts.catchUp ?? false };
  let service: Service | undefined = await startService(config, log, serviceOptions);
  // Restarts reuse the port, so the simulated client keeps posting to the same URL.
  const port = service.port;

  const feishu = new SimulatedFeishu({
    botUrl: `http://127.0.0.1:${port}/lark/events`,
    encryptKey: TEST_APP.encryptKey,
    verificationToken: TEST_APP.verificationToken,
    appId: TEST_APP.appId,
    emulator,
    transport: mode === 'ws' ? 'ws' : 'http',
    callbackTimeoutMs: clientTimeoutMs,
    hardTimeoutMs: Math.max(clientTimeoutMs + 5000, 10_000),
  });

  const harness: Harness = {
    config,
    emulator,
    feishu,
    mongo,
    log,
    get service() {
      if (!service) throw new Error('service is stopped');
      return service;
    },
    async stopService() {
      await service?.stop();
      service = undefined;
    },
    async startServiceAgain() {
      service = await startService({ ...config, port }, log, serviceOptions);
    },
    async outboxIdle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const model = outboxModel(harness.service.db.connection);
      while ((await model.countDocuments({ status: { $in: ['pending', 'sending'] } })) > 0) {
        if (Date.now() > deadline) throw new Error(`the outbox still had messages to send after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async restart() {
      await harness.stopService();
      await harness.startServiceAgain();
    },
    async close() {
      // Each step gets CLOSE_STEP_MS: one that hangs is named in the error (instead of jest's bare hook timeout),
      // and the steps after it still run, so that the worker is not left with the rest open.
      const hung: string[] = [];
      // `detail`: what to say about a step that hung
      const step = async (name: string, run: () => Promise<unknown>, detail?: () => string) => {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<'hung'>((resolve) => {
          timer = setTimeout(() => resolve('hung'), CLOSE_STEP_MS);
          timer.unref();
        });
        const outcome = await Promise.race([run().then(() => 'done' as const), limit]).finally(() => clearTimeout(timer));
        if (outcome === 'hung') hung.push(detail ? `${name} (${detail()})` : name);
      };
      if (service) {
        const running = service;
        service = undefined;
        await step('dropDatabase', () => running.db.connection.dropDatabase().catch(() => undefined));
        // where it stopped waiting
        await step('service.stop', () => running.stop(), () => JSON.stringify(running.stopProgress()));
      }
      await step('emulator.close', () => emulator.close());
      await step('mongo.close', () => mongo.close());
      rmSync(config.dataDir, { recursive: true, force: true });
      if (hung.length > 0) throw new Error(`harness close: ${hung.join(', ')} did not finish within ${CLOSE_STEP_MS / 1000} s`);
    },
  };
  return harness;
}
