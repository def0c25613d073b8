import * as lark from '@larksuiteoapi/node-sdk';
import type { LarkConfig } from '../config';
import type { Logger } from '../logger';
import { sdkDomain, sdkLogger } from './larkClient';

export interface LongConnection {
  status(): string;
  stop(): void;
}

/**
 * LARK_MODE=ws: the same dispatcher over the SDK's WSClient, for intranets without a public URL. The SDK
 * authenticates the connection, so events arrive without signature; the dispatcher's handlers still de-duplicate.
 */
export function startLongConnection(cfg: LarkConfig, dispatcher: lark.EventDispatcher, log: Logger): LongConnection {
  const client = new lark.WSClient({
    appId: cfg.appId,
    appSecret: cfg.appSecret,
    domain: sdkDomain(cfg.domain),
    logger: sdkLogger(log),
    loggerLevel: lark.LoggerLevel.info,
    autoReconnect: true,
  });
  void client.start({ eventDispatcher: dispatcher });
  log.info('long connection starting');
  return {
    status: () => client.getConnectionStatus().state,
    stop: () => client.close({ force: true }),
  };
}
