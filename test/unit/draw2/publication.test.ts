/**
 * What the public bundle gives away, and what covers it (docs/draw-spec.md §3.1, §9.2, §10):
 * - no enterprise's credit-risk class: no class, no blind, no selection score in it; its seed alone does not give the
 *   scores (the keys take the secret blind), and the registry hashes are keyed with the blind, so a guess of the rows
 *   cannot be tested against them;
 * - every display field (firm names, licences, counties; members' names, units, levels) is covered by the listing's
 *   hash logged in the reveal: a changed field fails `public.hash`, in TS and in the Python verifier;
 * - the log: entry kinds, `by` refs, `supersedes` and the internal `people` map are checked;
 * - bundles made before the blind still verify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildVectors } from '../../../scripts/drawVectors';
import { publicHash } from '../../../src/domain/draw2/bundle';
import { buildParameters } from '../../../src/domain/draw2/inputs';
import { jcs, jcsHash, keyedTextHash } from '../../../src/domain/draw2/jcs';
import type { InternalBundle, PublicBundle } from '../../../src/domain/draw2/model';
import { keyedScore } from '../../../src/domain/draw2/seed';
import { simulateSteps } from '../../../src/domain/draw2/session';
import { runSync } from '../../../src/domain/draw2/steps';
import { verifyV2 } from '../../../src/domain/draw2/verify';
import { makeRegistry } from '../draw/generate';
import { clone, rehashChain } from './forge';
import { pythonIt, pythonRules, runPython, runPythonTests } from './python';

const vectors = buildVectors();
const first = vectors[0]!;
const redraw = vectors[1]!;
const dir = mkdtempSync(path.join(os.tmpdir(), 'publication-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = (b: unknown): string[] => verifyV2(b).problems.map((p) => p.rule);

function pyRules(b: unknown, name: string): string[] | null {
  if (!runPythonTests) return null;
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(b));
  const r = runPython([file]);
  expect(r.code).not.toBe(0);
  return pythonRules(r.out);
}

/** Both verifiers name `rule`. */
function expectRule(b: unknown, name: string, rule: string): void {
  expect(rules(b)).toContain(rule);
  const py = pyRules(b, name);
  if (py !== null) expect(py).toContain(rule);
}

function revealIndex(b: { log: { kind: string; data: Record<string, unknown> }[]; drawId: string }): number {
  return b.log.findIndex((e) => e.kind === 'reveal' && e.data.drawId === b.drawId);
}

describe('the public bundle reveals no credit-risk class', () => {
  const internal = first.bundles.internal as InternalBundle;
  const pub = first.bundles.public as PublicBundle;

  it('holds no class, no blind and no selection score; only the eight strata counts (aggregates)', () => {
    const withoutCounts = clone(pub) as unknown as { result: { counts?: unknown } };
    delete withoutCounts.result.counts;
    const text = JSON.stringify(withoutCounts);
    expect(text).not.toContain('riskClass');
    expect(internal.blind).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(pub)).not.toContain(internal.blind);
    for (const s of internal.details.selection) expect(JSON.stringify(pub)).not.toContain(s.score);
  });

  it('its seed alone does not give the selection scores: the keys take the blind', () => {
    const withoutBlind = keyedScore(pub.seed, 'select', null);
    const withBlind = keyedScore(internal.seed, 'select', internal.blind!);
    for (const s of internal.details.selection) {
      expect(withBlind(s.uscc)).toBe(s.score);
      expect(withoutBlind(s.uscc)).not.toBe(s.score);
    }
  });

  it('the committed registry hashes cannot test a guess of the rows: they are keyed with the blind', () => {
    const c = pub.commitment;
    // An outsider who guessed every row exactly (name, licence, product, county, 有效期止 and class) still cannot confirm it.
    expect(jcsHash(internal.population)).not.toBe(c.populationHash);
    expect(jcsHash(internal.exclusions)).not.toBe(c.exclusionsHash);
    expect(keyedTextHash(internal.blind!, jcs(internal.population))).toBe(c.populationHash);
    expect(keyedTextHash(internal.blind!, jcs(internal.staff))).toBe(c.staffHash);
    expect(keyedTextHash(internal.blind!, jcs(internal.exclusions))).toBe(c.exclusionsHash);
    expect(c.blindHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a wrong blind in the internal bundle fails blind.hash', () => {
    const b = clone(internal);
    b.blind = 'c'.repeat(64);
    expectRule(b, 'blind', 'blind.hash');
    expect(rules(b)).toContain('population.hash');
  });
});

describe('every display field of the public bundle is covered by a hash', () => {
  const pub = first.bundles.public as PublicBundle;
  const aRef = Object.keys(pub.members)[0]!;
  const cases: [string, (b: PublicBundle) => void][] = [
    ['firm name', (b) => void (b.firms[0]!.name = '别的企业有限公司')],
    ['firm licence', (b) => void (b.firms[0]!.licenceNo = '（晋）XK00-000-99999')],
    ['firm county', (b) => void (b.firms[0]!.county = '夏县')],
    ['member display', (b) => void (b.members[aRef]!.display = '张三')],
    ['member unit', (b) => void (b.members[aRef]!.unit = '某某局')],
    ['member level', (b) => void (b.members[aRef]!.level = b.members[aRef]!.level === '市局' ? '县区' : '市局')],
    ['names', (b) => void (b.names = b.names === 'names' ? 'pseudonyms' : 'names')],
  ];

  it('the listing hash is logged in the reveal and in hashes.public', () => {
    const reveal = pub.log[revealIndex(pub)]!.data;
    expect(reveal.publicHash).toBe(publicHash(pub));
    expect(pub.hashes.public).toBe(reveal.publicHash);
    expect(reveal.names).toBe(pub.names);
  });

  it.each(cases)('a changed %s fails public.hash', (name, edit) => {
    const b = clone(pub);
    edit(b);
    expectRule(b, `display-${name.replace(/ /g, '-')}`, 'public.hash');
  });

  it('a forger who also rewrites the logged hash and rehashes the chain is caught by the internal bundle', () => {
    const b = clone(first.bundles.internal) as InternalBundle;
    const fake = clone(pub);
    fake.firms[0]!.name = '别的企业有限公司';
    const i = revealIndex(b);
    b.log[i]!.data.publicHash = publicHash(fake);
    b.hashes.public = publicHash(fake);
    rehashChain(b.log, i);
    expect(rules(b)).not.toContain('chain.hash');
    expectRule(b, 'forged-listing', 'public.hash');
  });
});

describe('the log: kinds, refs, supersedes, people', () => {
  it('a confirmed draw that does not list the earlier confirmed draws fails reveal.supersedes', () => {
    const b = clone(redraw.bundles.public) as PublicBundle;
    const i = revealIndex(b);
    expect(b.log[i]!.data.supersedes).toEqual([1]);
    b.log[i]!.data.supersedes = [];
    rehashChain(b.log, i);
    expectRule(b, 'supersedes', 'reveal.supersedes');
  });

  it('an open id instead of a ref in `by` fails log.by', () => {
    const b = clone(redraw.bundles.public) as PublicBundle;
    b.log[0]!.data.by = 'ou_vectorliaison';
    rehashChain(b.log);
    expectRule(b, 'by', 'log.by');
  });

  it('an entry of an unknown kind, or a void with an unknown reason, fails chain.kind', () => {
    const b = clone(redraw.bundles.public) as PublicBundle;
    const v = b.log.findIndex((e) => e.kind === 'void');
    b.log[v]!.kind = 'memo';
    rehashChain(b.log, v);
    expectRule(b, 'kind', 'chain.kind');
    const c = clone(redraw.bundles.public) as PublicBundle;
    c.log[v]!.data.reason = 'changed-my-mind';
    rehashChain(c.log, v);
    expectRule(c, 'void-reason', 'chain.kind');
  });

  it('the internal people map: every ref of the log, each the ref of its open id', () => {
    const b = clone(redraw.bundles.internal) as InternalBundle;
    const [ref] = Object.keys(b.people);
    expect(b.log.every((e) => typeof e.data.by !== 'string' || b.people[e.data.by as string] !== undefined)).toBe(true);
    const missing = clone(b);
    delete missing.people[ref!];
    expectRule(missing, 'people-missing', 'people.refs');
    const wrong = clone(b);
    wrong.people[ref!]!.openId = 'ou_someoneelse';
    expectRule(wrong, 'people-wrong', 'people.refs');
  });
});

describe('a bundle made before the blind (no blindHash in its commitment)', () => {
  const { enterprises, staff } = makeRegistry('before-blind', { enterprises: 120, staff: 60, catalogue: true });
  const parameters = buildParameters({ from: '2024-03-15', ratio: 0.25, riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, excludeOwnCounty: true });
  const d = runSync(
    simulateSteps({
      drawId: 'old',
      campaign: { id: 'c-old', name: '旧数据包', year: 2024 },
      parameters,
      enterprises,
      staff,
      botValue: 'e'.repeat(64),
      blind: null,
      entropy: '1',
      liaison: { openId: 'ou_old', name: '联络员' },
      commitAt: new Date('2024-03-14T00:00:00Z'),
      revealAt: new Date('2024-03-14T00:10:00Z'),
    }),
  );

  it('has no blind, no listing hash, and unkeyed registry hashes', () => {
    expect(d.commitment.blindHash).toBeUndefined();
    expect(d.internal.blind).toBeUndefined();
    expect(d.log.at(-1)!.data.publicHash).toBeUndefined();
    expect(d.commitment.populationHash).toBe(jcsHash(d.internal.population));
  });

  it('passes both verifiers, internal and public', () => {
    expect(verifyV2(d.internal).problems).toEqual([]);
    expect(verifyV2(d.public).problems).toEqual([]);
  });

  pythonIt('passes the Python verifier too', () => {
    const files = [path.join(dir, 'old-internal.json'), path.join(dir, 'old-public.json')];
    writeFileSync(files[0]!, JSON.stringify(d.internal));
    writeFileSync(files[1]!, JSON.stringify(d.public));
    const r = runPython(files);
    expect(r.out).toContain('OK   bundle (internal)');
    expect(r.out).toContain('OK   bundle (public)');
    expect(r.code).toBe(0);
  });
});
