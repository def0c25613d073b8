/** Fault injection: rules that make matching requests fail (or wait) a given number of times. */
import { ApiError, Codes, Messages } from './errors';
import { mulberry32 } from '../../domain/prng';

export type FaultAction =
  /** Gateway failure: HTTP 500/502/503 with a JSON body. */
  | { type: 'status'; status: 500 | 502 | 503 }
  /** Message throttle: HTTP 400 + 230020. */
  | { type: 'rate_limit' }
  /** Generic throttle: HTTP 429 + 99991400 with `x-ogw-ratelimit-limit` / `x-ogw-ratelimit-reset` (seconds). */
  | { type: 'too_many_requests'; limit?: number; resetSeconds?: number }
  /** Token rejected: HTTP 400 + 99991663. */
  | { type: 'token_invalid' }
  /** Wait `ms`, then handle the request normally. */
  | { type: 'delay'; ms: number };

export interface FaultRule {
  /** HTTP method (any when omitted). */
  method?: string;
  /**
   * Request path: a RegExp, or a string where `:param` matches one segment and `*` anything, e.g.
   * `/open-apis/im/v1/messages/:id`. Query strings are not part of the path.
   */
  path: string | RegExp;
  /** Only requests addressed to this receive_id / chat_id (create: body.receive_id; reply/patch: the target message's). */
  receiveId?: string;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
  /**
   * The share of matching requests that get the fault (default 1: all), chosen by a seeded pseudo-random draw so a
   * run is reproducible; `times` counts only the requests that got it.
   */
  ratio?: number;
  /** Seed of the `ratio` draw (default 1). */
  seed?: number;
  action: FaultAction;
}

const seeded = mulberry32;

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp;
  remaining: number;
  draw?: () => number;
}

export interface FaultRequest {
  method: string;
  path: string;
  targets: readonly string[];
}

function compile(path: string | RegExp): RegExp {
  if (path instanceof RegExp) return path;
  const source = path
    .split(/(:[A-Za-z_]\w*|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rules: FaultRule | readonly FaultRule[]): void {
    for (const rule of Array.isArray(rules) ? rules : [rules as FaultRule]) {
      const draw = rule.ratio !== undefined && rule.ratio < 1 ? seeded(rule.seed ?? 1) : undefined;
      this.rules.push({ rule, pattern: compile(rule.path), remaining: rule.times ?? 1, draw });
    }
  }

  clear(): void {
    this.rules = [];
  }

  /** Faults not yet consumed. */
  pending(): number {
    return this.rules.reduce((n, r) => n + (Number.isFinite(r.remaining) ? r.remaining : 1), 0);
  }

  /** Consume and return the first matching rule's action. */
  take(req: FaultRequest): FaultAction | undefined {
    const hit = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        (!r.rule.method || r.rule.method.toUpperCase() === req.method) &&
        r.pattern.test(req.path) &&
        (!r.rule.receiveId || req.targets.includes(r.rule.receiveId)) &&
        (!r.draw || r.draw() < (r.rule.ratio ?? 1)),
    );
    if (!hit) return undefined;
    hit.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return hit.rule.action;
  }
}

const STATUS_TEXT = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' } as const;

/** The refusal an (non-delay) action answers with. */
export function faultError(action: Exclude<FaultAction, { type: 'delay' }>): ApiError {
  switch (action.type) {
    case 'status':
      return new ApiError(action.status, action.status, STATUS_TEXT[action.status]);
    case 'rate_limit':
      return new ApiError(400, Codes.msgRateLimit, Messages.msgRateLimit);
    case 'too_many_requests':
      return new ApiError(429, Codes.rateLimitGeneric, Messages.genericRateLimit, {
        'x-ogw-ratelimit-limit': String(action.limit ?? 50),
        'x-ogw-ratelimit-reset': String(action.resetSeconds ?? 1),
      });
    case 'token_invalid':
      return new ApiError(400, Codes.tokenInvalid, Messages.tokenInvalid);
  }
}
