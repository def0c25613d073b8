import * as lark from '@larksuiteoapi/node-sdk';
import type { LarkConfig } from '../config';
import type { Logger } from '../logger';

export function sdkDomain(domain: string): lark.Domain | string {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain;
}

/** The SDK logs whole request configs on failure; keep them out of our logs except at debug level. */
function sdkLogger(log: Logger) {
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)).slice(0, 500)).join(' ');
  return {
    error: (...msg: unknown[]) => log.debug({ sdk: 'lark' }, text(msg)),
    warn: (...msg: unknown[]) => log.debug({ sdk: 'lark' }, text(msg)),
    info: (...msg: unknown[]) => log.debug({ sdk: 'lark' }, text(msg)),
    debug: () => undefined,
    trace: () => undefined,
  };
}

export function createLarkClient(cfg: LarkConfig, log: Logger): lark.Client {
  return new lark.Client({
    appId: cfg.appId,
    appSecret: cfg.appSecret,
    domain: sdkDomain(cfg.domain),
    appType: lark.AppType.SelfBuild,
    // A cache of its own: the SDK's default is process-global and keyed by appId only.
    cache: new lark.DefaultCache(),
    logger: sdkLogger(log),
    loggerLevel: lark.LoggerLevel.error,
  });
}

/** Forces a new tenant_access_token on the next call (the SDK never invalidates on 99991663). */
export function invalidateTenantToken(client: lark.Client, appId: string): void {
  client.cache?.set(lark.CTenantAccessToken, undefined, Date.now() - 1, { namespace: appId });
}

export { sdkLogger };
