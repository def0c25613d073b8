import { loadConfig, ConfigError } from '../../src/config';
import { createLogger } from '../../src/logger';
import { envelopeOrigin, foreignOrigin, TenantGuard } from '../../src/platform/origin';

const log = createLogger('silent');
const APP = 'cli_a1b2c3d4e5f6a7b8';

function v2(appId: string | undefined, tenantKey: string | undefined) {
  return { schema: '2.0', header: { event_id: 'e', app_id: appId, tenant_key: tenantKey }, event: {} };
}

describe('envelope origin', () => {
  it('reads v2 headers and v1 events', () => {
    expect(envelopeOrigin(v2(APP, 't1'))).toEqual({ appId: APP, tenantKey: 't1' });
    expect(envelopeOrigin({ uuid: 'u', event: { app_id: APP, tenant_key: 't1', type: 'message' } })).toEqual({ appId: APP, tenantKey: 't1' });
    expect(envelopeOrigin({ schema: '2.0' })).toEqual({});
  });

  it('refuses another app, a missing app id, and another tenant once ours is known', async () => {
    const tenant = new TenantGuard({ configured: 't1', log });
    expect(await foreignOrigin(v2(APP, 't1'), { appId: APP, tenant })).toBeUndefined();
    expect(await foreignOrigin(v2('cli_other', 't1'), { appId: APP, tenant })).toMatch(/app_id cli_other/);
    expect(await foreignOrigin(v2(undefined, 't1'), { appId: APP, tenant })).toMatch(/app_id \(missing\)/);
    expect(await foreignOrigin(v2(APP, 't2'), { appId: APP, tenant })).toMatch(/tenant_key t2/);
    expect(await foreignOrigin(v2(APP, undefined), { appId: APP, tenant })).toMatch(/tenant_key \(missing\)/);
  });
});

describe('our tenant key', () => {
  it('LARK_TENANT_KEY wins and the platform is not asked', async () => {
    const lookup = jest.fn(async () => 'learned');
    const guard = new TenantGuard({ configured: 'configured', lookup, log });
    guard.start();
    expect(await guard.expected()).toBe('configured');
    expect(lookup).not.toHaveBeenCalled();
  });

  it('is learned from the platform once', async () => {
    const lookup = jest.fn(async () => 'learned');
    const guard = new TenantGuard({ lookup, log });
    guard.start();
    expect(await guard.expected()).toBe('learned');
    expect(await guard.expected()).toBe('learned');
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('when the platform refuses (no scope), is unknown: the tenant is not checked, a warning is logged once, and it is asked again after 10 minutes', async () => {
    let now = 0;
    const warnings: unknown[] = [];
    const spyLog = { ...log, warn: (...a: unknown[]) => warnings.push(a), info: () => undefined } as unknown as typeof log;
    const lookup = jest.fn(async (): Promise<string> => {
      throw new Error('tenant query answered code 99991672 Access denied');
    });
    const guard = new TenantGuard({ lookup, log: spyLog, now: () => now });
    guard.start();
    expect(await guard.expected()).toBeUndefined();
    expect(await guard.expected()).toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('LARK_TENANT_KEY');
    expect(await foreignOrigin(v2(APP, 'anything'), { appId: APP, tenant: guard })).toBeUndefined();
    now += 10 * 60_000;
    lookup.mockImplementationOnce(async () => 'late');
    expect(await guard.expected()).toBe('late');
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(warnings).toHaveLength(1);
  });

  it('an event waits at most about a second for a lookup that hangs', async () => {
    const guard = new TenantGuard({ lookup: () => new Promise<string>(() => undefined), log });
    guard.start();
    const started = Date.now();
    expect(await guard.expected()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('LARK_TENANT_KEY', () => {
  const base = { LARK_APP_ID: APP, LARK_APP_SECRET: 's', LARK_ENCRYPT_KEY: 'k', LARK_VERIFICATION_TOKEN: 't' };
  it('is optional and, when set, configured', () => {
    expect(loadConfig(base).lark?.tenantKey).toBeUndefined();
    expect(loadConfig({ ...base, LARK_TENANT_KEY: '2ed263bf32cf1651' }).lark?.tenantKey).toBe('2ed263bf32cf1651');
  });
  it('refuses a malformed value, naming the variable', () => {
    expect(() => loadConfig({ ...base, LARK_TENANT_KEY: 'not a key!' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LARK_TENANT_KEY: 'not a key!' })).toThrow(/LARK_TENANT_KEY/);
  });
});
