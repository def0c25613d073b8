/**
 * Environment → one typed Config. Fails fast with a message naming the variable (docs/interfaces.md "Environment").
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`环境变量 ${variable} 配置错误：${message}`);
    this.name = 'ConfigError';
  }
}

export interface LarkConfig {
  appId: string;
  appSecret: string;
  encryptKey: string;
  verificationToken: string;
  /** 'feishu' | 'lark' | a base URL without trailing slash */
  domain: string;
  mode: 'webhook' | 'ws';
  /**
   * LARK_TENANT_KEY: the tenant whose events are accepted. Optional: unset, it is learned from the platform at
   * start-up (platform/origin.ts).
   */
  tenantKey?: string;
}

export interface Config {
  port: number;
  production: boolean;
  mongodbUri: string | undefined;
  /** undefined = sandbox: no Feishu app configured */
  lark: LarkConfig | undefined;
  /** Where the embedded database keeps its files and its URI file (./data). */
  dataDir: string;
  logLevel: string;
  /**
   * ADMIN_OPEN_IDS: Feishu open_ids that may do the yearly set-up in chat as 市局联络员 (files, /专项), before and
   * besides anyone the staff registry names. Optional; loadConfig always sets it.
   */
  adminOpenIds?: readonly string[];
  /**
   * SPOTCHECK_BENCH=1: the figures `npm run bench` reads from this process (platform/benchProbe.ts). Refused in
   * production. Optional; loadConfig always sets it.
   */
  benchProbe?: boolean;
}

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 3000;
  if (!/^\d{1,5}$/.test(raw)) throw new ConfigError('PORT', `“${raw}”不是有效端口号，应为 1–65535 之间的整数`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new ConfigError('PORT', `${port} 超出范围，应为 1–65535`);
  return port;
}

function parseDomain(raw: string | undefined): string {
  if (raw === undefined) return 'feishu';
  if (raw === 'feishu' || raw === 'lark') return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('LARK_DOMAIN', `“${raw}”既不是 feishu / lark，也不是有效的 URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('LARK_DOMAIN', '只支持 http:// 或 https:// 地址');
  }
  if (url.search || url.hash) throw new ConfigError('LARK_DOMAIN', '地址中不能带查询参数或锚点');
  // The SDK appends "/open-apis/…" verbatim: a trailing slash would give "//open-apis".
  return raw.replace(/\/+$/, '');
}

const OPEN_ID = /^ou_[0-9A-Za-z]+$/;

/** "ou_a, ou_b" → ['ou_a', 'ou_b']; separators , ， ; and whitespace; duplicates dropped. */
function parseAdminOpenIds(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const ids = [...new Set(raw.split(/[,，;；\s]+/).filter((t) => t !== ''))];
  const bad = ids.filter((id) => !OPEN_ID.test(id));
  if (bad.length > 0) {
    throw new ConfigError('ADMIN_OPEN_IDS', `“${bad[0]}”不是飞书 open_id（应为 ou_ 加字母或数字，多个以逗号分隔）`);
  }
  return ids;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = parsePort(nonEmpty(env, 'PORT'));
  const mongodbUri = nonEmpty(env, 'MONGODB_URI');
  if (mongodbUri !== undefined && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI', '应以 mongodb:// 或 mongodb+srv:// 开头');
  }
  if (production && mongodbUri === undefined) {
    throw new ConfigError('MONGODB_URI', '生产环境（NODE_ENV=production）必须设置数据库连接串');
  }

  const appId = nonEmpty(env, 'LARK_APP_ID');
  const appSecret = nonEmpty(env, 'LARK_APP_SECRET');
  const encryptKey = nonEmpty(env, 'LARK_ENCRYPT_KEY');
  const verificationToken = nonEmpty(env, 'LARK_VERIFICATION_TOKEN');
  const domain = parseDomain(nonEmpty(env, 'LARK_DOMAIN'));
  const modeRaw = nonEmpty(env, 'LARK_MODE') ?? 'webhook';
  if (modeRaw !== 'webhook' && modeRaw !== 'ws') {
    throw new ConfigError('LARK_MODE', `“${modeRaw}”无效，应为 webhook 或 ws`);
  }

  let lark: LarkConfig | undefined;
  const anyLark = [appId, appSecret, encryptKey, verificationToken].some((v) => v !== undefined);
  if (anyLark) {
    // A partial configuration is an error, never a silent sandbox.
    const required: [string, string | undefined][] = [
      ['LARK_APP_ID', appId],
      ['LARK_APP_SECRET', appSecret],
      ['LARK_ENCRYPT_KEY', encryptKey],
      ['LARK_VERIFICATION_TOKEN', verificationToken],
    ];
    for (const [name, value] of required) {
      if (value === undefined) throw new ConfigError(name, '已配置部分飞书应用参数，但缺少此项');
    }
    if (!/^cli_[0-9a-zA-Z]+$/.test(appId!)) {
      throw new ConfigError('LARK_APP_ID', '应为飞书应用的 App ID（形如 cli_xxxxxxxxxxxxxxxx）');
    }
    // The SDK's long connection silently refuses any other shape.
    if (modeRaw === 'ws' && !/^cli_[0-9a-fA-F]{16}$/.test(appId!)) {
      throw new ConfigError('LARK_APP_ID', '长连接模式（LARK_MODE=ws）要求 App ID 为 cli_ 加 16 位十六进制字符');
    }
    const tenantKey = nonEmpty(env, 'LARK_TENANT_KEY');
    if (tenantKey !== undefined && !/^[0-9A-Za-z_-]{4,64}$/.test(tenantKey)) {
      throw new ConfigError('LARK_TENANT_KEY', '应为飞书企业的 tenant_key（字母、数字，如 2ed263bf32cf1651）');
    }
    lark = {
      appId: appId!,
      appSecret: appSecret!,
      encryptKey: encryptKey!,
      verificationToken: verificationToken!,
      domain,
      mode: modeRaw,
      ...(tenantKey !== undefined ? { tenantKey } : {}),
    };
  }

  // In production a bot without its Feishu app would only pretend to run (the sandbox is for trying things out).
  if (production && lark === undefined) {
    throw new ConfigError('LARK_APP_ID', '生产环境（NODE_ENV=production）必须配置飞书应用：LARK_APP_ID、LARK_APP_SECRET、LARK_ENCRYPT_KEY、LARK_VERIFICATION_TOKEN');
  }

  const logLevel = nonEmpty(env, 'LOG_LEVEL') ?? (env.NODE_ENV === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `“${logLevel}”无效，应为 fatal、error、warn、info、debug、trace 或 silent`);
  }
  const adminOpenIds = parseAdminOpenIds(nonEmpty(env, 'ADMIN_OPEN_IDS'));
  const bench = nonEmpty(env, 'SPOTCHECK_BENCH');
  if (bench !== undefined && bench !== '0' && bench !== '1') throw new ConfigError('SPOTCHECK_BENCH', `“${bench}”无效，应为 1（开启基准测试探针）或 0`);
  const benchProbe = bench === '1';
  if (benchProbe && production) throw new ConfigError('SPOTCHECK_BENCH', '基准测试探针只用于 npm run bench，生产环境（NODE_ENV=production）不得开启');
  return { port, production, mongodbUri, lark, dataDir: nonEmpty(env, 'SPOTCHECK_DATA_DIR') ?? 'data', logLevel, adminOpenIds, benchProbe };
}
