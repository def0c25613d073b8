/**
 * docs/draw-vectors: the bot's code rebuilds every vector byte for byte, its verifier accepts every bundle, and the
 * independent Python verifier (written from docs/draw-spec.md only) recomputes every vector and accepts a freshly
 * made bundle.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildVectors, VECTOR_DIR, vectorText } from '../../../scripts/drawVectors';
import { buildParameters } from '../../../src/domain/draw2/inputs';
import { simulateSteps } from '../../../src/domain/draw2/session';
import { runSync } from '../../../src/domain/draw2/steps';
import { verifyV2 } from '../../../src/domain/draw2/verify';
import { makeRegistry } from '../draw/generate';

import { pythonIt as withPython, runPython, runPythonMutated } from './python';

describe('test vectors (docs/draw-vectors)', () => {
  const vectors = buildVectors();

  it.each(vectors.map((v) => [v.name, v] as const))('%s is rebuilt byte for byte', (name, v) => {
    expect(vectorText(v)).toBe(readFileSync(path.join(VECTOR_DIR, `${name}.json`), 'utf8'));
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: both bundles pass every rule', (_name, v) => {
    const internal = verifyV2(v.bundles.internal);
    const pub = verifyV2(v.bundles.public);
    expect(internal.problems).toEqual([]);
    expect(internal.kind).toBe('internal');
    expect(pub.problems).toEqual([]);
    expect(pub.kind).toBe('public');
    expect(pub.notChecked.length).toBeGreaterThan(0);
  });

  it('cover what the spec asks vectors to show', () => {
    const [first, redraw, short] = vectors as [(typeof vectors)[0], (typeof vectors)[0], (typeof vectors)[0], (typeof vectors)[0]];
    const counts = first.intermediate.counts as { strata: { topUp: number }[] };
    expect(counts.strata.some((s) => s.topUp > 0)).toBe(true);
    const levels = (first.intermediate.result as { teams: { expertLevel: string | null }[] }).teams.map((t) => t.expertLevel);
    expect(new Set(levels)).toEqual(new Set(['unit', 'class', null]));
    expect((first.intermediate.exclusions as { reason: string }[]).map((x) => x.reason).sort()).toEqual(['duplicate', 'expired']);
    const log = (redraw.bundles.internal as { log: { kind: string }[] }).log.map((e) => e.kind);
    expect(log).toEqual(['commit', 'reveal', 'commit', 'void', 'commit', 'reveal']);
    expect((redraw.inputs.source as { parts: unknown[] }).parts).toHaveLength(2);
    const roles = new Set((short.intermediate.result as { shortages: { role: string }[] }).shortages.map((s) => s.role));
    expect(roles).toEqual(new Set(['leader', 'countyOfficer', 'officer', 'expert']));
  });

  describe('v04 pins the tie-breaks (a vector must change when the rule changes)', () => {
    const ties = vectors.find((v) => v.name === 'v04-tie-breaks')!;
    type Mid = {
      counts: { strata: { category: string; riskClass: string; size: number; topUp: number }[] };
      exclusions: { uscc: string; licenceNo: string; validTo: string; riskClass: string; reason: string }[];
      population: { uscc: string; licenceNo: string; name: string }[];
      staff: { openId: string; county: string; roles: string[]; businessLine: string | null; expertise: string | null }[];
      refs: Record<string, string>;
      parameters: { team: { preferredBusinessLine: string } };
      result: { teams: { officers: string[]; expert: string | null }[] };
    };
    const mid = ties.intermediate as unknown as Mid;
    const byRef = new Map(mid.staff.map((s) => [mid.refs[s.openId]!, s]));

    it('the top-up: equal sizes everywhere, so the three top-ups go by the order D, C, … with 工业产品 first', () => {
      expect(new Set(mid.counts.strata.map((s) => s.size))).toEqual(new Set([2]));
      expect(mid.counts.strata.filter((s) => s.topUp > 0).map((s) => `${s.category}${s.riskClass}`)).toEqual(['工业产品C', '工业产品D', '食品相关产品D']);
    });

    it('duplicate licences: equal 有效期止 keeps the smaller 许可证编号, equal both the earlier row', () => {
      const dups = mid.exclusions.filter((x) => x.reason === 'duplicate');
      expect(dups).toHaveLength(2);
      const kept = mid.population.find((r) => r.uscc === dups[0]!.uscc)!;
      expect(dups.every((d) => d.validTo === '2026-01-01')).toBe(true);
      expect(dups.map((d) => d.licenceNo).sort()).toEqual([kept.licenceNo, '（晋）XK00-000-00900'].sort());
      expect(kept.name).toBe('测试企业101有限公司');
      // a missing 信用风险等级 and 有效期止 are written as empty text
      expect(mid.exclusions.find((x) => x.reason === 'invalid-class')).toMatchObject({ riskClass: '', validTo: '' });
    });

    it('experts of one unit on both business lines serve (no tier for experts); extra officers come from city and county', () => {
      const line = mid.parameters.team.preferredBusinessLine;
      const experts = new Set(mid.result.teams.map((t) => t.expert).filter((x): x is string => x !== null));
      const tiers = new Set([...experts].map((r) => (byRef.get(r)!.businessLine === line ? 0 : 1)));
      expect(tiers).toEqual(new Set([0, 1]));
      const extra = new Set(mid.result.teams.map((t) => byRef.get(t.officers[1]!)!.county === '市局'));
      expect(extra).toEqual(new Set([true, false]));
      // white space (§1): U+FEFF and U+3000 only is null; U+0085 is not white space
      expect(mid.staff.find((s) => s.openId === 'ou_vector0024')!.businessLine).toBeNull();
      expect(mid.staff.find((s) => s.openId === 'ou_vector0028')!.businessLine).toBe('\u0085');
    });

    let unmutatedV04: ReturnType<typeof runPython> | undefined;
    withPython.each([
      ['topup-class', 'the top-up order by class reversed'],
      ['topup-category', '食品相关产品 before 工业产品 in the top-up'],
      ['duplicate-licence', 'the larger 许可证编号 kept'],
      ['duplicate-order', 'the later of two equal rows kept'],
      ['expert-tier', 'the business line in the expert key'],
      ['extra-pool-county', 'extra officer slots from county staff only'],
      ['extra-pool-city', 'extra officer slots from city staff only'],
      ['whitespace', "Python's str.strip for white space"],
      ['missing-text', 'missing values written as str(None)'],
    ])('the Python verifier with %s (%s) rejects v04', (mutation) => {
      const file = path.join(VECTOR_DIR, 'v04-tie-breaks.json');
      // unmutated, the verifier accepts v04 (run once for all the mutations: same file, same verifier)
      unmutatedV04 ??= runPython([file]);
      expect(unmutatedV04.code).toBe(0);
      const r = runPythonMutated([file], mutation);
      expect(r.out).toContain('FAIL vector');
      expect(r.out).toMatch(/rule vector\./);
      expect(r.code).not.toBe(0);
    });
  });

  withPython('the independent Python verifier recomputes every vector', () => {
    const r = runPython(vectors.map((v) => path.join(VECTOR_DIR, `${v.name}.json`)));
    expect(r.out).not.toContain('FAIL');
    expect(r.out.match(/^OK {3}vector/gm)).toHaveLength(vectors.length);
    expect(r.code).toBe(0);
  });

  withPython('the independent Python verifier accepts a freshly made draw of 600 enterprises, both bundles', () => {
    const { enterprises, staff } = makeRegistry('fresh-for-python', { enterprises: 600, staff: 160, catalogue: true });
    const parameters = buildParameters({ from: '2024-03-15', ratio: 0.25, riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, excludeOwnCounty: true });
    const d = runSync(
      simulateSteps({
        drawId: 'fresh',
        campaign: { id: 'c-fresh', name: '新抽取', year: 2024 },
        parameters,
        enterprises,
        staff,
        botValue: 'f'.repeat(64),
        entropy: '8/8',
        liaison: { openId: 'ou_someone', name: '联络员' },
        commitAt: new Date('2024-03-14T00:00:00Z'),
        revealAt: new Date('2024-03-14T00:10:00Z'),
      }),
    );
    expect(d.computed.result.teams.length).toBeGreaterThan(100);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fresh-'));
    const files = [path.join(dir, 'internal.json'), path.join(dir, 'public.json')];
    let r: ReturnType<typeof runPython>;
    try {
      writeFileSync(files[0]!, JSON.stringify(d.internal));
      writeFileSync(files[1]!, JSON.stringify(d.public));
      r = runPython(files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(r.out).toContain('OK   bundle (internal)');
    expect(r.out).toContain('OK   bundle (public)');
    expect(r.code).toBe(0);
  });
});
