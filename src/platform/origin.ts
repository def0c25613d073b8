/**
 * Is an event (or card callback) ours? Besides the signature and the Verification Token, every v2 envelope names
 * the app and the tenant it belongs to (`header.app_id`, `header.tenant_key`; v1 events: `event.app_id`,
 * `event.tenant_key`; docs/feishu.md). One that names another app or another tenant is answered 401 and has no
 * effect, whatever its signature.
 *
 * Our app id is configuration (LARK_APP_ID). Our tenant key, decided as follows (README, “配置”):
 * - `LARK_TENANT_KEY` when set (the operator copies it from the developer console or from a logged event);
 * - otherwise it is learned from the platform once at start-up: GET /open-apis/tenant/v2/tenant/query
 *   (获取企业信息) answers the tenant of the app's own tenant_access_token. This needs the app scope
 *   `tenant:tenant:readonly`; without it (or while the platform cannot be reached) the tenant is not checked,
 *   a warning says how to turn the check on, and the app id is still checked. A self-built app is installed in
 *   one tenant only, so this is a second line behind the signature, not the first.
 * The lookup is retried after a failure, at most every 10 minutes; an event never waits for it longer than 1 s.
 * The long connection (LARK_MODE=ws) is opened by us with the app's own credentials, so the platform pushes only
 * this app's events there; the check is the webhook's, where anyone can post.
 */
import type * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../logger';

const RETRY_AFTER_MS = 10 * 60_000;
const WAIT_FOR_LOOKUP_MS = 1000;

export type TenantLookup = () => Promise<string>;

/** The tenant query through the SDK (the app's own tenant_access_token). */
export function platformTenantLookup(client: lark.Client): TenantLookup {
  return async () => {
    const res = await client.tenant.v2.tenant.query();
    const key = res?.data?.tenant?.tenant_key;
    if (res?.code !== 0 || typeof key !== 'string' || key === '') {
      throw new Error(`tenant query answered code ${String(res?.code)} ${String(res?.msg ?? '')}`.trim());
    }
    return key;
  };
}

export class TenantGuard {
  private learned: string | undefined;
  private pending: Promise<void> | undefined;
  private failedAt = -Infinity;
  private warned = false;

  constructor(
    private readonly opts: { configured?: string; lookup?: TenantLookup; log: Logger; now?: () => number },
  ) {}

  /** Starts learning the tenant key (no-op when configured). */
  start(): void {
    if (this.opts.configured === undefined) void this.learn();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private learn(): Promise<void> {
    if (this.pending) return this.pending;
    const lookup = this.opts.lookup;
    if (!lookup) return Promise.resolve();
    this.pending = lookup()
      .then((key) => {
        this.learned = key;
        this.opts.log.info({ tenantKey: key }, 'tenant key learned from the platform; events of other tenants are refused');
      })
      .catch((err: unknown) => {
        this.failedAt = this.now();
        if (!this.warned) {
          this.warned = true;
          this.opts.log.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'tenant key unknown: events are checked for our app id only. Grant the app the scope tenant:tenant:readonly (获取企业信息) or set LARK_TENANT_KEY',
          );
        }
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** Our tenant key, when known. Waits a little for a lookup in progress; retries a failed one now and then. */
  async expected(): Promise<string | undefined> {
    if (this.opts.configured !== undefined) return this.opts.configured;
    if (this.learned !== undefined) return this.learned;
    if (!this.pending && this.now() - this.failedAt >= RETRY_AFTER_MS) void this.learn();
    if (this.pending) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.pending, new Promise<void>((resolve) => (timer = setTimeout(resolve, WAIT_FOR_LOOKUP_MS)))]);
      clearTimeout(timer);
    }
    return this.learned;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The app id and tenant key an envelope names (v2: its header; v1: its event). */
export function envelopeOrigin(plain: Record<string, unknown>): { appId?: string; tenantKey?: string } {
  const where = plain.schema === '2.0' ? plain.header : plain.event;
  if (!isRecord(where)) return {};
  return {
    appId: typeof where.app_id === 'string' ? where.app_id : undefined,
    tenantKey: typeof where.tenant_key === 'string' ? where.tenant_key : undefined,
  };
}

/** Why an envelope is not ours, or undefined when it is. */
export async function foreignOrigin(
  plain: Record<string, unknown>,
  ours: { appId: string; tenant?: TenantGuard },
): Promise<string | undefined> {
  const origin = envelopeOrigin(plain);
  if (origin.appId !== ours.appId) return `app_id ${origin.appId ?? '(missing)'} is not ours`;
  const tenant = await ours.tenant?.expected();
  if (tenant !== undefined && origin.tenantKey !== tenant) return `tenant_key ${origin.tenantKey ?? '(missing)'} is not ours`;
  return undefined;
}
