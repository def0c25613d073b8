/**
 * §8: a campaign's draw log, a hash chain. Each entry is hashed whole (its `prev` field links it to the one before):
 * hash = SHA-256(JCS(entry)), the entry without its `hash`.
 */
import { isBlank, isHex64, jcs, sha256Text, ZERO_HASH } from './jcs';
import { personRef } from './inputs';
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
    if (typeof attempt === 'number' && Number.isSafeInteger(attempt) && attempt >= 2 && (typeof reason !== 'string' || isBlank(reason))) {
      const what = e.kind === 'commit' ? '的预览' : '，监管平台抽取结果的导入';
      problems.push({ rule: 'attempt.reason', message: `第${i + 1}条日志（第${attempt}次抽取${what}）没有写明重新抽取的理由` });
    }
  });
  return problems;
}

/** The kinds of entry a campaign's chain holds (§8.2, §14.3); any other kind fails `chain.kind`. */
export const LOG_KINDS: readonly string[] = ['commit', 'void', 'reveal', 'platform'];

const VOIDS: readonly string[] = ['cancelled', 'replaced', 'registry-changed', 'redraw-race'];
const REF = /^[0-9a-f]{16}$/;
const isInt = (v: unknown, min: number): boolean => Number.isSafeInteger(v) && (v as number) >= min;
const isTextOrNull = (v: unknown): boolean => v === null || typeof v === 'string';

/**
 * The entries of a chain by their kind (§8.2, §10): `chain.kind` (a known kind whose data has its members with the
 * right types; a void or reveal names an earlier commit of its draw and attempt), `attempt` (every commit and `platform`
 * entry is 1 + the confirmed draws before it; a reveal has its commit's attempt), `log.by` (people as refs, §2.5) and
 * `reveal.supersedes` (a confirmed draw lists the attempts of every confirmed draw before it, in chain order).
 */
export function logEntryProblems(entries: readonly unknown[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (rule: string, message: string): void => {
    problems.push({ rule, message });
  };
  const commits = new Map<string, { seq: number; attempt: unknown; hash: unknown }>();
  const revealed = new Set<string>();
  const confirmed: number[] = [];
  entries.forEach((e, i) => {
    const n = i + 1;
    if (!isRecord(e) || !isRecord(e.data)) return; // chain.format says so
    const d = e.data;
    const kind = e.kind;
    if (typeof kind !== 'string' || !LOG_KINDS.includes(kind)) {
      add('chain.kind', `第${n}条日志的类型“${String(kind)}”不是 commit、void、reveal 或 platform`);
      return;
    }
    const bad: string[] = [];
    const need = (field: string, ok: (v: unknown) => boolean): void => {
      if (!ok(d[field])) bad.push(field);
    };
    need('drawId', (v) => typeof v === 'string' && v !== '');
    need('attempt', (v) => isInt(v, 1));
    if (kind === 'commit' || kind === 'reveal' || kind === 'platform') {
      if (!(typeof d.by === 'string' && REF.test(d.by))) add('log.by', `第${n}条日志的操作人不是人员编号（16位十六进制，§2.5）：${String(d.by)}`);
    }
    if (kind === 'commit') {
      need('reason', isTextOrNull);
      need('commitment', isRecord);
      need('parameters', isRecord);
      need('commitmentHash', isHex64);
      if (bad.length === 0) {
        let h = '';
        try {
          h = sha256Text(jcs(d.commitment));
        } catch {
          h = '';
        }
        if (h !== d.commitmentHash) bad.push('commitmentHash');
        if ((d.commitment as Record<string, unknown>).attempt !== d.attempt) bad.push('commitment.attempt');
      }
    } else if (kind === 'void') {
      need('reason', (v) => typeof v === 'string' && VOIDS.includes(v));
      need('note', (v) => typeof v === 'string');
    } else if (kind === 'reveal') {
      need('commitSeq', (v) => isInt(v, 1));
      need('commitmentHash', isHex64);
      need('botValue', isHex64);
      need('entropy', (v) => typeof v === 'string');
      need('seed', isHex64);
      need('resultHash', isHex64);
      need('supersedes', (v) => Array.isArray(v) && v.every((x) => isInt(x, 1)));
      if (d.publicHash !== undefined || d.names !== undefined) {
        need('publicHash', isHex64);
        need('names', (v) => v === 'names' || v === 'pseudonyms');
      }
    } else {
      need('algorithm', (v) => v === 'platform-import/1');
      need('source', (v) => v === '平台');
      need('reason', isTextOrNull);
      need('file', (v) => isRecord(v) && typeof v.name === 'string' && isInt(v.size, 0) && isHex64(v.sha256));
      need('firms', (v) => isInt(v, 0));
      need('resultHash', isHex64);
      need('selectionHash', isHex64);
      need('teamsHash', isHex64);
      need('supersedes', (v) => Array.isArray(v) && v.every((x) => isInt(x, 1)));
      if (d.publicHash !== undefined || d.names !== undefined) {
        need('publicHash', isHex64);
        need('names', (v) => v === 'names' || v === 'pseudonyms');
      }
    }
    if (bad.length > 0) {
      add('chain.kind', `第${n}条日志（${kind}）的内容缺少字段或格式错误：${bad.join('、')}`);
      return;
    }
    const drawId = d.drawId as string;
    const attempt = d.attempt as number;
    if (kind === 'commit' || kind === 'platform') {
      if (attempt !== confirmed.length + 1) {
        add('attempt', `第${n}条日志（${kind === 'commit' ? '预览' : '导入'}）之前有${confirmed.length}次确认的抽取，应为第${confirmed.length + 1}次，记录为第${attempt}次`);
      }
      if (kind === 'commit') commits.set(drawId, { seq: e.seq as number, attempt, hash: d.commitmentHash });
    }
    if (kind === 'void' || kind === 'reveal') {
      const c = commits.get(drawId);
      if (c === undefined) add('chain.kind', `第${n}条日志（${kind}）之前没有这次抽取的预览记录`);
      else {
        if (c.attempt !== attempt) add('attempt', `第${n}条日志（${kind}）的抽取次数（${attempt}）与其预览记录（${String(c.attempt)}）不符`);
        if (revealed.has(drawId)) add('chain.kind', `第${n}条日志（${kind}）所指的抽取已经确认过`);
        if (kind === 'reveal' && (d.commitSeq !== c.seq || d.commitmentHash !== c.hash)) add('chain.kind', `第${n}条日志（确认）指向的预览记录或承诺哈希不符`);
      }
    }
    if (kind === 'reveal' || kind === 'platform') {
      const listed = d.supersedes as number[];
      if (listed.length !== confirmed.length || listed.some((x, j) => x !== confirmed[j])) {
        add('reveal.supersedes', `第${n}条日志所列被取代的抽取（${listed.join('、') || '无'}）与日志中此前确认的抽取（${confirmed.join('、') || '无'}）不符`);
      }
      confirmed.push(attempt);
      if (kind === 'reveal') revealed.add(drawId);
    }
  });
  return problems;
}

/**
 * people.refs (§9.1): every person the log names by a ref (`by`) is in the bundle's `people`, and each entry's ref is
 * the ref of its open id (§2.5).
 */
export function peopleProblems(b: { people?: unknown }, log: readonly unknown[], add: (rule: string, message: string) => void): void {
  const people = isRecord(b.people) ? b.people : {};
  for (const [ref, p] of Object.entries(people)) {
    if (!isRecord(p) || typeof p.openId !== 'string' || typeof p.name !== 'string') add('people.refs', `人员${ref}的记录格式错误`);
    else if (personRef(p.openId) !== ref) add('people.refs', `人员${ref}的编号不是其OpenID的编号（§2.5）`);
  }
  const named = new Set<string>();
  for (const e of log) if (isRecord(e) && isRecord(e.data) && typeof e.data.by === 'string') named.add(e.data.by);
  const missing = [...named].filter((r) => !isRecord(people[r]));
  if (missing.length > 0) add('people.refs', `日志中的操作人${missing.join('、')}不在数据包的人员表（people）中`);
}

