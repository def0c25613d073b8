/**
 * Append-only, hash-chained log entries (every draw attempt, redraw, override …).
 *
 * hash = SHA-256 (hex) of the UTF-8 bytes of (prevHash + canonicalJson(payload)),
 * where prevHash is the previous entry's hash, or GENESIS_HASH (64 zeros) for the first entry.
 */
import { canonicalJson, isHex64, sha256Hex } from './canonical';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainEntry<P = unknown> {
  prevHash: string;
  payload: P;
  hash: string;
}

export function entryHash(prevHash: string, payload: unknown): string {
  return sha256Hex(prevHash + canonicalJson(payload));
}

/** The entry that follows `prev` (null: the first entry of a chain). */
export function chainEntry<P>(prev: { hash: string } | null, payload: P): ChainEntry<P> {
  const prevHash = prev === null ? GENESIS_HASH : prev.hash;
  if (!isHex64(prevHash)) throw new TypeError('chainEntry: previous hash must be 64 lowercase hex digits');
  return { prevHash, payload, hash: entryHash(prevHash, payload) };
}

export interface ChainVerification {
  ok: boolean;
  /** Chinese, one line each, e.g. '第2条记录的哈希不正确（记录内容被修改过）'. */
  problems: string[];
}

/**
 * Checks every link. The first entry must start from `anchor` (default GENESIS_HASH; pass the hash of the entry
 * before the segment to check a segment).
 */
export function verifyChain(entries: readonly ChainEntry[], anchor: string = GENESIS_HASH): ChainVerification {
  const problems: string[] = [];
  let expectedPrev = anchor;
  entries.forEach((entry, i) => {
    const n = i + 1;
    if (entry === null || typeof entry !== 'object' || typeof entry.prevHash !== 'string' || typeof entry.hash !== 'string') {
      problems.push(`第${n}条记录格式不正确`);
      return;
    }
    if (entry.prevHash !== expectedPrev) {
      problems.push(
        i === 0 ? `第1条记录的前一哈希不是链的起点` : `第${n}条记录的前一哈希与第${i}条记录的哈希不符（中间记录被删除、插入或调换过）`,
      );
    }
    let recomputed: string | null = null;
    try {
      recomputed = entryHash(entry.prevHash, entry.payload);
    } catch {
      problems.push(`第${n}条记录的内容无法规范化`);
    }
    if (recomputed !== null && recomputed !== entry.hash) problems.push(`第${n}条记录的哈希不正确（记录内容被修改过）`);
    expectedPrev = entry.hash;
  });
  return { ok: problems.length === 0, problems };
}
