import { ConfigError, loadConfig } from '../../src/config';

const lark = {
  LARK_APP_ID: 'cli_a1b2c3d4e5f6a7b8',
  LARK_APP_SECRET: 'secret',
  LARK_ENCRYPT_KEY: 'ek',
  LARK_VERIFICATION_TOKEN: 'vt',
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to sandbox on port 3000 with the embedded database', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.lark).toBeUndefined();
    expect(c.mongodbUri).toBeUndefined();
  });

  it('reads a complete Feishu configuration and strips a trailing slash from a URL domain', () => {
    const c = loadConfig({ ...lark, LARK_DOMAIN: 'http://127.0.0.1:8787/', LARK_MODE: 'ws', PORT: '8080' });
    expect(c.port).toBe(8080);
    expect(c.lark).toEqual({
      appId: lark.LARK_APP_ID,
      appSecret: 'secret',
      encryptKey: 'ek',
      verificationToken: 'vt',
      domain: 'http://127.0.0.1:8787',
      mode: 'ws',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '0' }, 'PORT'],
    [{ LARK_APP_ID: lark.LARK_APP_ID }, 'LARK_APP_SECRET'],
    [{ ...lark, LARK_ENCRYPT_KEY: '' }, 'LARK_ENCRYPT_KEY'],
    [{ ...lark, LARK_VERIFICATION_TOKEN: ' ' }, 'LARK_VERIFICATION_TOKEN'],
    [{ LARK_ENCRYPT_KEY: 'x' }, 'LARK_APP_ID'],
    [{ ...lark, LARK_APP_ID: 'not-an-app' }, 'LARK_APP_ID'],
    [{ ...lark, LARK_MODE: 'socket' }, 'LARK_MODE'],
    [{ ...lark, LARK_DOMAIN: 'ftp://x' }, 'LARK_DOMAIN'],
    [{ ...lark, LARK_DOMAIN: 'nonsense' }, 'LARK_DOMAIN'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI'],
    [{ NODE_ENV: 'production' }, 'MONGODB_URI'],
    [{ ADMIN_OPEN_IDS: 'ou_abc,zhangsan' }, 'ADMIN_OPEN_IDS'],
    [{ ADMIN_OPEN_IDS: 'ou_abc;ou-def' }, 'ADMIN_OPEN_IDS'],
    [{ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db:27017/spotcheck' }, 'LARK_APP_ID'],
  ])('refuses %p naming %s', (env, variable) => {
    const err = errorOf(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
  });

  it('accepts production with a database URI', () => {
    const c = loadConfig({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db:27017/spotcheck', ...lark });
    expect(c.production).toBe(true);
    expect(c.mongodbUri).toBe('mongodb://db:27017/spotcheck');
  });

  it('reads ADMIN_OPEN_IDS: optional, comma-separated open_ids, duplicates dropped', () => {
    expect(loadConfig({}).adminOpenIds).toEqual([]);
    expect(loadConfig({ ADMIN_OPEN_IDS: ' ' }).adminOpenIds).toEqual([]);
    expect(loadConfig({ ADMIN_OPEN_IDS: 'ou_a1b2, ou_c3d4，ou_a1b2' }).adminOpenIds).toEqual(['ou_a1b2', 'ou_c3d4']);
    expect(errorOf({ ADMIN_OPEN_IDS: 'ou_ok,张三' }).message).toBe(
      '环境变量 ADMIN_OPEN_IDS 配置错误：“张三”不是飞书 open_id（应为 ou_ 加字母或数字，多个以逗号分隔）',
    );
  });

  it('reads SPOTCHECK_BENCH (the bench probe): 1 or 0, never in production', () => {
    expect(loadConfig({}).benchProbe).toBe(false);
    expect(loadConfig({ SPOTCHECK_BENCH: '1' }).benchProbe).toBe(true);
    expect(loadConfig({ SPOTCHECK_BENCH: '0' }).benchProbe).toBe(false);
    expect(errorOf({ SPOTCHECK_BENCH: 'yes' }).message).toContain('SPOTCHECK_BENCH');
    const prod = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db:27017/spotcheck', ...lark };
    expect(loadConfig(prod).benchProbe).toBe(false);
    expect(errorOf({ ...prod, SPOTCHECK_BENCH: '1' }).message).toContain('生产环境');
  });
});
