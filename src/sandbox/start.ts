/**
 * Sandbox mode (docs/interfaces.md "HTTP", GET /sandbox): with no Feishu credentials and outside production, the
 * service runs against the built-in Feishu emulator, and the browser page at /sandbox lets anyone be any person of
 * the campaign. Nothing here runs in production or when credentials are set.
 *
 *   main: config → isSandbox? → prepareSandbox (emulator, generated app credentials) → startService(with the
 *         sandbox's Lark config and page) → sandbox.attach(service)
 *
 * The bot is configured exactly as for a real app in webhook mode: its own /lark/events receives encrypted, signed
 * events and callbacks from the simulated Feishu client, and it calls the emulator's Open Platform API.
 */
import { randomBytes } from 'node:crypto';
import type { Config, LarkConfig } from '../config';
import type { Logger } from '../logger';
import type { Service, ServiceOptions } from '../service';
import { SimulatedFeishu } from './client';
import { sandboxConsole, type SandboxConsole } from './console/server';
import { startLarkEmulator, type LarkEmulator } from './emulator';
import { isSandbox } from './mode';

/** A fresh app identity for the emulated tenant: nothing of it is a secret of any real app. */
export function generatedApp(): Omit<LarkConfig, 'domain' | 'mode'> {
  return {
    // the SDK's long connection wants cli_ + 16 hex digits; keep the shape real
    appId: `cli_${randomBytes(8).toString('hex')}`,
    appSecret: randomBytes(16).toString('hex'),
    encryptKey: randomBytes(16).toString('hex'),
    verificationToken: randomBytes(16).toString('hex'),
  };
}

/** How the page names the bot (the app's name in Feishu). */
export const BOT_NAME = '双随机抽查助手';

export interface Sandbox {
  emulator: LarkEmulator;
  /** The config to start the service with: the emulator as its Feishu, webhook mode. */
  config: Config;
  /** Options to start the service with: the page is served by the service's own web app. */
  serviceOptions: Pick<ServiceOptions, 'web'>;
  console: SandboxConsole;
  /** Give the page the running service (its database); until then the page answers 503. */
  attach(service: Service): void;
  stop(): Promise<void>;
}

export async function prepareSandbox(config: Config, log: Logger, opts: { now?: () => Date; rateLimits?: boolean } = {}): Promise<Sandbox> {
  if (!isSandbox(config)) throw new Error('sandbox mode needs a config without Feishu credentials, outside production');
  const app = generatedApp();
  const emulator = await startLarkEmulator({ appId: app.appId, appSecret: app.appSecret, rateLimits: opts.rateLimits ?? true });
  const lark: LarkConfig = { ...app, domain: emulator.url, mode: 'webhook' };
  const page = sandboxConsole({ emulator, log, now: opts.now ?? (() => new Date()) });
  log.info({ emulator: emulator.url }, 'sandbox: Feishu emulator started');
  return {
    emulator,
    config: { ...config, lark },
    serviceOptions: { web: { middleware: page.middleware, close: () => page.closeStreams() } },
    console: page,
    attach(service) {
      // The Feishu client posts to the port the service really listens on (PORT, or a free one in tests).
      const feishu = new SimulatedFeishu({
        botUrl: `http://127.0.0.1:${service.port}/lark/events`,
        encryptKey: app.encryptKey,
        verificationToken: app.verificationToken,
        appId: app.appId,
        emulator,
        botName: BOT_NAME,
      });
      page.attach({ conn: service.db.connection, feishu });
    },
    async stop() {
      page.closeStreams();
      await emulator.close();
    },
  };
}
