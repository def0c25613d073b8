/**
 * The sandbox as `npm start` runs it without credentials (src/main.ts → src/sandbox/start.ts), in-process: a
 * database (MONGODB_URI or the wire server), the emulator, the real service in webhook mode, the page at /sandbox.
 * Plus Debian's Chromium driven by playwright-core for the browser tests and the screenshots script.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { sandboxUrl } from '../../src/sandbox/mode';
import { prepareSandbox, type Sandbox } from '../../src/sandbox/start';
import { startService, type Service } from '../../src/service';
import { testMongoUri, uniqueDbName } from './db';
import { withDbName } from './harness';

export interface SandboxStack {
  url: string;
  sandbox: Sandbox;
  service: Service;
  close(): Promise<void>;
}

export async function startSandboxStack(opts: { logLevel?: string } = {}): Promise<SandboxStack> {
  const mongo = await testMongoUri();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-sandbox-'));
  const config: Config = {
    port: 0,
    production: false,
    mongodbUri: withDbName(mongo.uri, uniqueDbName('sandbox')),
    lark: undefined,
    dataDir,
    logLevel: opts.logLevel ?? process.env.LOG_LEVEL ?? 'silent',
  };
  const log = createLogger(config.logLevel);
  const sandbox = await prepareSandbox(config, log);
  const service = await startService(sandbox.config, log, sandbox.serviceOptions);
  sandbox.attach(service);
  return {
    url: sandboxUrl(service.port),
    sandbox,
    service,
    async close() {
      await service.db.connection.dropDatabase().catch(() => undefined);
      await service.stop();
      await sandbox.stop();
      await mongo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium (`apt-get install chromium`, as .ci/run does); CHROMIUM_PATH overrides. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p));
}

/** A browser with a new, empty profile (--user-data-dir), no network of its own, no updates, no sync. */
export async function launchChromium(): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 390, height: 844 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
