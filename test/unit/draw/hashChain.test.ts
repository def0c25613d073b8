import { sha256Hex } from '../../../src/domain/canonical';
import { GENESIS_HASH, chainEntry, verifyChain, type ChainEntry } from '../../../src/domain/hashChain';

function build(n: number): ChainEntry[] {
  const entries: ChainEntry[] = [];
  let prev: ChainEntry | null = null;
  for (let i = 0; i < n; i++) {
    const e: ChainEntry = chainEntry(prev, { kind: 'draw', attempt: i + 1, note: `第${i + 1}次` });
    entries.push(e);
    prev = e;
  }
  return entries;
}

describe('hash chain', () => {
  it('hash = SHA-256(prevHash + canonical JSON(payload)), starting from 64 zeros', () => {
    const first = chainEntry(null, { b: 2, a: 1 });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(first.hash).toBe(sha256Hex(`${GENESIS_HASH}{"a":1,"b":2}`));
    const second = chainEntry(first, ['x']);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(sha256Hex(`${first.hash}["x"]`));
  });

  it('verifies an untouched chain', () => {
    expect(verifyChain(build(5))).toEqual({ ok: true, problems: [] });
    expect(verifyChain([])).toEqual({ ok: true, problems: [] });
  });

  it('detects an edited payload', () => {
    const chain = build(4);
    chain[2] = { ...chain[2]!, payload: { kind: 'draw', attempt: 99, note: '改' } };
    const r = verifyChain(chain);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['第3条记录的哈希不正确（记录内容被修改过）']);
  });

  it('detects a deleted, inserted or reordered entry', () => {
    const chain = build(4);
    const deleted = [chain[0]!, chain[2]!, chain[3]!];
    expect(verifyChain(deleted).problems).toEqual(['第2条记录的前一哈希与第1条记录的哈希不符（中间记录被删除、插入或调换过）']);
    const swapped = [chain[0]!, chain[2]!, chain[1]!, chain[3]!];
    expect(verifyChain(swapped).ok).toBe(false);
  });

  it('detects a re-hashed edit that breaks the next link', () => {
    const chain = build(3);
    const forged = chainEntry(chain[0]!, { kind: 'draw', attempt: 2, note: '伪造' });
    const r = verifyChain([chain[0]!, forged, chain[2]!]);
    expect(r.problems).toEqual(['第3条记录的前一哈希与第2条记录的哈希不符（中间记录被删除、插入或调换过）']);
  });

  it('checks a segment against an anchor', () => {
    const chain = build(5);
    expect(verifyChain(chain.slice(2)).ok).toBe(false);
    expect(verifyChain(chain.slice(2), chain[1]!.hash).ok).toBe(true);
  });

  it('refuses a bad previous hash', () => {
    expect(() => chainEntry({ hash: 'nope' }, {})).toThrow(TypeError);
  });
});
