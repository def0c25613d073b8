/**
 * §8: a campaign's draw log, a hash chain. Each entry is hashed whole (its `prev` field links it to the one before):
 * hash = SHA-256(JCS(entry)), the entry without its `hash`.
 */
import { isHex64, jcs, sha256Text, ZERO_HASH } from './jcs';
import { LOG_FORMAT, type HashedLogEntry, type LogEntry } from './model';

export function logEntryHash(e: LogEntry): string {
  return sha256Text(jcs({ format: e.format, campaign: e.campaign, seq: e.seq, prev: e.prev, at: e.at, kind: e.kind, data: e.data }));
}

/** The entry that follows `prev` (null: the first entry of the campaign's chain). */
export function nextEntry(
  prev: Pick<HashedLogEntry, 'seq' | 'hash'> | null,
  campaign: string,
  at: Date,
  kind: string,
  data: Record<string, unknown>,
): HashedLogEntry {
  const entry: LogEntry = {
    format: LOG_FORMAT,
    campaign,
    seq: prev === null ? 1 : prev.seq + 1,
    prev: prev === null ? ZERO_HASH : prev.hash,
    at: at.toISOString(),
    kind,
    data,
  };
  return { ...entry, hash: logEntryHash(entry) };
}

/**
 * The kinds of entry that record a confirmed draw: `reveal` (a draw of the bot, §3.3) and `platform` (a draw made on
 * the national platform and imported, §14). A draw's attempt is 1 + the number of these before it (§8.3).
 */
export const CONFIRMED_DRAW_KINDS: readonly string[] = ['reveal', 'platform'];

export function isConfirmedDrawEntry(e: { kind?: unknown }): boolean {
  return typeof e.kind === 'string' && CONFIRMED_DRAW_KINDS.includes(e.kind);
}

/** The attempt of a draw whose first entry would follow `entries` (§8.3). */
export function nextAttempt(entries: readonly { kind?: unknown }[]): number {
  return entries.filter(isConfirmedDrawEntry).length + 1;
}

export interface RuleProblem {
  /** e.g. 'chain.link' (docs/draw-spec.md §10 lists every rule) */
  rule: string;
  message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** chain.format, chain.campaign, chain.seq, chain.link, chain.hash (§10). */
export function chainProblems(entries: unknown, campaign: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!Array.isArray(entries) || entries.length === 0) return [{ rule: 'chain.format', message: '数据包没有抽取日志' }];
  let prevHash = ZERO_HASH;
  entries.forEach((raw: unknown, i) => {
    const n = i + 1;
    if (!isRecord(raw) || raw.format !== LOG_FORMAT || typeof raw.kind !== 'string' || typeof raw.at !== 'string' || !isRecord(raw.data)) {
      problems.push({ rule: 'chain.format', message: `第${n}条日志格式不正确` });
      prevHash = isRecord(raw) && typeof raw.hash === 'string' ? raw.hash : '';
      return;
    }
    if (raw.campaign !== campaign) problems.push({ rule: 'chain.campaign', message: `第${n}条日志不属于本专项` });
    if (raw.seq !== n) problems.push({ rule: 'chain.seq', message: `第${n}条日志的序号为${String(raw.seq)}（应为${n}；日志被删除、插入或调换过）` });
    if (raw.prev !== prevHash) {
      problems.push({
        rule: 'chain.link',
        message: n === 1 ? '第1条日志的前一哈希不是链的起点（64个0）' : `第${n}条日志的前一哈希与第${n - 1}条日志的哈希不符（日志被删除、插入或调换过）`,
      });
    }
    let recomputed = '';
    try {
      recomputed = logEntryHash(raw as unknown as LogEntry);
    } catch {
      recomputed = '';
    }
    if (!isHex64(raw.hash) || recomputed !== raw.hash) problems.push({ rule: 'chain.hash', message: `第${n}条日志的哈希不正确（日志内容被修改过）` });
    prevHash = typeof raw.hash === 'string' ? raw.hash : '';
  });
  return problems;
}

/** attempt.reason (§8.3, §10): every `commit` and every `platform` entry of attempt ≥ 2 (a redraw) has a reason. */
export function redrawReasonProblems(entries: readonly unknown[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  entries.forEach((e, i) => {
    if (!isRecord(e) || (e.kind !== 'commit' && e.kind !== 'platform') || !isRecord(e.data)) return;
    const { attempt, reason } = e.data;
    if (typeof attempt === 'number' && Number.isSafeInteger(attempt) && attempt >= 2 && (typeof reason !== 'string' || reason.trim() === '')) {
      const what = e.kind === 'commit' ? '的预览' : '，监管平台抽取结果的导入';
      problems.push({ rule: 'attempt.reason', message: `第${i + 1}条日志（第${attempt}次抽取${what}）没有写明重新抽取的理由` });
    }
  });
  return problems;
}
