import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { startService } from './service';

function sandboxGuide(config: Config): string {
  return [
    '',
    '==== spotcheck 已在本地试用模式启动（未配置飞书应用） ====',
    `健康检查：http://127.0.0.1:${config.port}/healthz`,
    '',
    '接入真实飞书：在飞书开放平台创建企业自建应用，然后设置环境变量后重启：',
    '  LARK_APP_ID=cli_xxx  LARK_APP_SECRET=…  LARK_ENCRYPT_KEY=…  LARK_VERIFICATION_TOKEN=…',
    '  LARK_MODE=webhook（事件与回调地址填 https://<您的域名>/lark/events）或 LARK_MODE=ws（长连接，无需公网地址）',
    '  MONGODB_URI=mongodb://…（不设置时使用本地嵌入式数据库）',
    '详细步骤见 README.md “创建飞书应用”。',
    '',
    '不接飞书也能体验：运行 npm run demo，会模拟飞书用户与机器人完整对话。',
    '==========================================================',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const service = await startService(config, log);
  if (!config.lark) process.stdout.write(sandboxGuide({ ...config, port: service.port }));

  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Never hang on shutdown (e.g. a call to Feishu in flight).
    setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, 20_000).unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`启动失败：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
