/** Sliding-window rate limiting, the way the platform throttles message APIs (HTTP 400 + 230020). */

export type RateScope = 'app_second' | 'app_minute' | 'user' | 'chat' | 'message';

export interface RateRule {
  scope: RateScope;
  /** Bucket key, e.g. `create:app` or `user:ou_…`. */
  key: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitStats {
  total: number;
  byScope: Record<RateScope, number>;
}

const emptyStats = (): RateLimitStats => ({
  total: 0,
  byScope: { app_second: 0, app_minute: 0, user: 0, chat: 0, message: 0 },
});

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();
  private stats = emptyStats();

  /**
   * Admit a request against every rule, or name the first rule it exceeds. A refused request consumes nothing;
   * an admitted one is counted in every bucket.
   */
  admit(rules: readonly RateRule[], now: number): RateRule | undefined {
    for (const rule of rules) {
      const recent = this.recent(rule, now);
      if (recent.length >= rule.limit) {
        this.stats.total += 1;
        this.stats.byScope[rule.scope] += 1;
        return rule;
      }
    }
    for (const rule of rules) this.recent(rule, now).push(now);
    return undefined;
  }

  snapshot(): RateLimitStats {
    return { total: this.stats.total, byScope: { ...this.stats.byScope } };
  }

  reset(): void {
    this.hits.clear();
    this.stats = emptyStats();
  }

  /** Timestamps inside the window ending now (older ones are dropped). */
  private recent(rule: RateRule, now: number): number[] {
    const id = `${rule.windowMs}|${rule.key}`;
    const list = (this.hits.get(id) ?? []).filter((t) => t > now - rule.windowMs);
    this.hits.set(id, list);
    return list;
  }
}

/** Platform limits for im/v1 message APIs (per app; per receiving user or chat; per message for PATCH). */
export const MessageLimits = {
  perAppSecond: 50,
  perAppMinute: 1000,
  perTargetSecond: 5,
  patchPerMessageSecond: 5,
} as const;

export function sendRules(api: 'create' | 'reply', target: { kind: 'user' | 'chat'; id: string }): RateRule[] {
  return [
    { scope: 'app_second', key: `${api}:app`, limit: MessageLimits.perAppSecond, windowMs: 1000 },
    { scope: 'app_minute', key: `${api}:app`, limit: MessageLimits.perAppMinute, windowMs: 60_000 },
    { scope: target.kind, key: `${target.kind}:${target.id}`, limit: MessageLimits.perTargetSecond, windowMs: 1000 },
  ];
}

export function patchRules(messageId: string): RateRule[] {
  return [
    { scope: 'app_second', key: 'patch:app', limit: MessageLimits.perAppSecond, windowMs: 1000 },
    { scope: 'app_minute', key: 'patch:app', limit: MessageLimits.perAppMinute, windowMs: 60_000 },
    { scope: 'message', key: `message:${messageId}`, limit: MessageLimits.patchPerMessageSecond, windowMs: 1000 },
  ];
}
