/**
 * Tampering helpers for the verification tests: change a bundle and (optionally) recompute every hash that covers the
 * change — the result hash, the reveal entry and the chain from there on — as a forger would.
 */
import { resultHash } from '../../../src/domain/draw2/bundle';
import { logEntryHash } from '../../../src/domain/draw2/chain';
import type { Bundle, HashedLogEntry } from '../../../src/domain/draw2/model';
import { commitmentHash } from '../../../src/domain/draw2/seed';
import { jcsHash } from '../../../src/domain/draw2/jcs';

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Rehashes the chain from entry `from` (0-based) on: each entry's prev and hash. */
export function rehashChain(log: HashedLogEntry[], from = 0): void {
  for (let i = from; i < log.length; i++) {
    const e = log[i]!;
    e.prev = i === 0 ? '0'.repeat(64) : log[i - 1]!.hash;
    e.hash = logEntryHash(e);
  }
}

/** After editing `b.result`: a consistent result hash everywhere (bundle, reveal entry, chain). */
export function rehashResult(b: Bundle): void {
  const h = resultHash(b.result);
  b.hashes.result = h;
  const reveal = b.log.findIndex((e) => e.kind === 'reveal' && e.data.drawId === b.drawId);
  b.log[reveal]!.data.resultHash = h;
  rehashChain(b.log, reveal);
}

/** After editing the commitment: its hash everywhere (bundle, commit and reveal entries, chain). */
export function rehashCommitment(b: Bundle): void {
  const h = commitmentHash(b.commitment);
  b.hashes.commitment = h;
  const commit = b.log.findIndex((e) => e.kind === 'commit' && e.data.drawId === b.drawId);
  b.log[commit]!.data.commitment = clone(b.commitment);
  b.log[commit]!.data.commitmentHash = h;
  b.log[commit]!.data.parameters = clone(b.parameters);
  b.hashes.parameters = jcsHash(b.parameters);
  const reveal = b.log.findIndex((e) => e.kind === 'reveal' && e.data.drawId === b.drawId);
  b.log[reveal]!.data.commitmentHash = h;
  rehashChain(b.log, commit);
}
