/**
 * docs/draw-vectors: the bot's code rebuilds every vector byte for byte, its verifier accepts every bundle, and the
 * independent Python verifier (written from docs/draw-spec.md only) recomputes every vector and accepts a freshly
 * made bundle.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildVectors, VECTOR_DIR, vectorText } from '../../../scripts/drawVectors';
import { buildParameters } from '../../../src/domain/draw2/inputs';
import { simulateSteps } from '../../../src/domain/draw2/session';
import { runSync } from '../../../src/domain/draw2/steps';
import { verifyV2 } from '../../../src/domain/draw2/verify';
import { makeRegistry } from '../draw/generate';

import { pythonIt as withPython, runPython } from './python';

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
    const [first, redraw, short] = vectors as [(typeof vectors)[0], (typeof vectors)[0], (typeof vectors)[0]];
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
    writeFileSync(files[0]!, JSON.stringify(d.internal));
    writeFileSync(files[1]!, JSON.stringify(d.public));
    const r = runPython(files);
    expect(r.out).toContain('OK   bundle (internal)');
    expect(r.out).toContain('OK   bundle (public)');
    expect(r.code).toBe(0);
  });
});
