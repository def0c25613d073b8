import * as lark from '@larksuiteoapi/node-sdk';
import type { LarkConfig } from '../config';
import { describeHttpError, type Logger } from '../logger';

export function sdkDomain(domain: string): lark.Domain | string {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain;
}

/**
 * The SDK logs whole request configs on failed API calls; those stay at debug level (the outbox logs its own
 * outcome). A failed call, as an error or as the SDK's own summary of one (alone or in a list), is written as
 * logger.ts describeHttpError says it: method, address and the platform's answer, not the request's headers or body
 * (the token request's body is the app secret; the logger also checks every written line, logger.ts scrubLine). Its
 * long-connection messages ("[ws]", e.g. an unusable app id or a refused connection) are warnings.
 */
function sdkLogger(log: Logger) {
  const brief = (m: unknown) => describeHttpError(m) ?? m;
  const text = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : String(JSON.stringify(Array.isArray(m) ? m.map(brief) : brief(m)))).slice(0, 500)).join(' ');
  const ws = (msg: unknown[]) => msg[0] === '[ws]';
  return {
    error: (...msg: unknown[]) => (ws(msg) ? log.warn({ sdk: 'lark' }, text(msg)) : log.debug({ sdk: 'lark' }, text(msg))),
    warn: (...msg: unknown[]) => (ws(msg) ? log.warn({ sdk: 'lark' }, text(msg)) : log.debug({ sdk: 'lark' }, text(msg))),
    info: (...msg: unknown[]) => log.debug({ sdk: 'lark' }, text(msg)),
    debug: () => undefined,
    trace: () => undefined,
  };
}

/** Feishu calls must not hang forever on a half-open connection (the SDK's axios instance has no timeout). */
const HTTP_TIMEOUT_MS = 15_000;

export function createLarkClient(cfg: LarkConfig, log: Logger): lark.Client {
  lark.defaultHttpInstance.defaults.timeout = HTTP_TIMEOUT_MS;
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
