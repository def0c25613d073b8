import { ConfigError, loadConfig, type Config } from './config';
import { isSandbox, sandboxUrl } from './sandbox/mode';

function sandboxGuide(config: Config, sandbox: boolean): string {
  return [
    '',
    '==== spotcheck 已在本地试用模式启动（未配置飞书应用） ====',
    ...(sandbox ? [`浏览器试用：${sandboxUrl(config.port)}（内置飞书模拟器，可扮演专项中的任何人；仅限本机访问）`] : []),
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
  // The sandbox page's address is the first thing said (docs/interfaces.md "HTTP").
  if (isSandbox(config)) process.stdout.write(`${sandboxUrl(config.port)}  ← 在浏览器中打开，本地试用机器人（未配置飞书应用）\n`);
  // The service's modules load only now: a refused configuration exits without them (in a second, not several).
  const [{ createLogger }, { preloadHeavyModules }, { prepareSandbox }, { startService }, { warmUpSummaryXlsx }] = await Promise.all([
    import('./logger'),
    import('./heavyModules'),
    import('./sandbox/start'),
    import('./service'),
    import('./exports/summaryExample'),
  ]);
  // buffered: one write per batch of lines, flushed on exit (logger.ts)
  const lark = config.lark;
  const log = createLogger(config.logLevel, { buffered: true, secrets: [lark?.appSecret, lark?.encryptKey, lark?.verificationToken] });
  // Before listening: the first upload or /汇总 must not stall the event loop loading exceljs, nor the first /汇总
  // running the workbook's code cold (exports/summaryExample.ts). A failed warm-up only costs that first /汇总 time.
  preloadHeavyModules();
  await warmUpSummaryXlsx().catch((err: unknown) => log.warn({ err }, 'summary warm-up failed'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  // The signal handlers come before the service starts: the health check answers once it listens, which is before
  // startService returns (it resumes an interrupted dispatch after that), and a SIGTERM in between must still stop
  // it in order. A signal during the start is acted on once the start is done.
  let started: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const stop = (what: { stop(): Promise<void> }) =>
    what.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, started ? 'shutting down' : 'shutting down once started');
    // Never hang on shutdown (e.g. a call to Feishu in flight, or a start that does not end).
    setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, 20_000).unref();
    if (started) void stop(started);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const sandbox = isSandbox(config) ? await prepareSandbox(config, log) : undefined;
  const service = await startService(sandbox?.config ?? config, log, sandbox?.serviceOptions);
  sandbox?.attach(service);
  started = { stop: () => service.stop().then(() => sandbox?.stop()) };
  if (stopping) {
    void stop(started);
    return;
  }
  if (!config.lark) process.stdout.write(sandboxGuide({ ...config, port: service.port }, sandbox !== undefined));
}

main().catch((err: unknown) => {
  process.stderr.write(`启动失败：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
