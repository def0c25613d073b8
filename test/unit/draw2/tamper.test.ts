/**
 * `draw verify` names the rule a tampered bundle breaks (docs/draw-spec.md §10): a changed attempt number, a dropped
 * log entry, two leaders swapped between teams, an expert moved to another team, a changed parameter, a team without a
 * county officer — also when the forger recomputes every hash that covers the change. The Python verifier agrees.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildVectors } from '../../../scripts/drawVectors';
import type { Bundle, InternalBundle, PublicBundle } from '../../../src/domain/draw2/model';
import { jcsHash } from '../../../src/domain/draw2/jcs';
import { verifyV2 } from '../../../src/domain/draw2/verify';
import { runCli } from '../../../src/cli';
import { clone, rehashChain, rehashCommitment, rehashResult } from './forge';
import { pythonRules, runPython, runPythonTests } from './python';

const vectors = buildVectors();
const first = vectors[0]!;
const redraw = vectors[1]!;
const dir = mkdtempSync(path.join(os.tmpdir(), 'tamper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rules(b: unknown): string[] {
  return verifyV2(b).problems.map((p) => p.rule);
}

async function cliVerify(b: unknown, name: string): Promise<{ code: number; err: string; out: string }> {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(b));
  let out = '';
  let err = '';
  const code = await runCli(['draw', 'verify', file], { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: {} });
  return { code, err, out };
}

function pyRules(b: unknown, name: string): string[] | null {
  if (!runPythonTests) return null;
  const file = path.join(dir, `${name}-py.json`);
  writeFileSync(file, JSON.stringify(b));
  const r = runPython([file]);
  expect(r.code).not.toBe(0);
  return pythonRules(r.out);
}

function expectRule(b: unknown, name: string, rule: string): void {
  expect(rules(b)).toContain(rule);
  const py = pyRules(b, name);
  if (py !== null) expect(py).toContain(rule);
}

describe('tampered bundles are rejected, naming the rule', () => {
  it('the originals pass (so the failures below come from the tampering)', async () => {
    expect(rules(redraw.bundles.internal)).toEqual([]);
    const ok = await cliVerify(redraw.bundles.internal, 'ok');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('核验通过（内部数据包）：第2次抽取');
  });

  it('a changed attempt number: in the bundle, or in the log with the whole chain rehashed', async () => {
    const b = clone(redraw.bundles.internal) as InternalBundle;
    b.attempt = 3;
    expectRule(b, 'attempt-bundle', 'attempt');
    const cli = await cliVerify(b, 'attempt');
    expect(cli.code).not.toBe(0);
    expect(cli.err).toContain('核验不通过：规则 attempt');

    // A forger who rewrites the commitment and every log entry from there on still fails: the log shows one
    // confirmed draw before this commit, so this is attempt 2.
    const f = clone(redraw.bundles.public) as PublicBundle;
    f.attempt = 3;
    f.commitment.attempt = 3;
    rehashCommitment(f);
    const commit = f.log.findIndex((e) => e.kind === 'commit' && e.data.drawId === f.drawId);
    f.log[commit]!.data.attempt = 3;
    f.log.at(-1)!.data.attempt = 3;
    rehashChain(f.log, commit);
    expect(rules(f)).not.toContain('chain.hash');
    expectRule(f, 'attempt-forged', 'attempt');
  });

  it('a dropped log entry (the cancelled preview), with and without rehashing the rest', async () => {
    const b = clone(redraw.bundles.internal) as InternalBundle;
    b.log.splice(3, 1);
    expectRule(b, 'dropped', 'chain.link');
    expect(rules(b)).toContain('chain.seq');
    const cli = await cliVerify(b, 'dropped');
    expect(cli.err + cli.out).toContain('规则 chain.link');

    const f = clone(redraw.bundles.internal) as InternalBundle;
    f.log.splice(1, 1); // the first draw's reveal: now this would look like attempt 1
    for (let i = 0; i < f.log.length; i++) f.log[i]!.seq = i + 1;
    f.log.at(-1)!.data.commitSeq = f.log.findIndex((e) => e.kind === 'commit' && e.data.drawId === f.drawId) + 1;
    rehashChain(f.log);
    expectRule(f, 'dropped-forged', 'attempt');
  });

  it('two leaders swapped between teams, also with the result hash and the log rehashed', async () => {
    const b = clone(first.bundles.internal) as InternalBundle;
    const [x, y] = [b.result.teams[0]!, b.result.teams.find((t) => t.leader !== b.result.teams[0]!.leader)!];
    [x.leader, y.leader] = [y.leader, x.leader];
    expectRule(b, 'swap', 'result.hash');
    expect(rules(b)).toContain('teams.recompute');
    rehashResult(b);
    expect(rules(b)).not.toContain('result.hash');
    expectRule(b, 'swap-forged', 'teams.recompute');
    const cli = await cliVerify(b, 'swap-forged');
    expect(cli.code).not.toBe(0);
    expect(cli.err).toContain('规则 teams.recompute');
    expect(cli.err + cli.out).toMatch(/第\d+号企业的检查组与重算不一致（组长）/);
  });

  it('an expert reassigned to another team, also with every hash rehashed', () => {
    const b = clone(first.bundles.internal) as InternalBundle;
    const from = b.result.teams.find((t) => t.expert !== null)!;
    const to = b.result.teams.find((t) => t.expert === null)!;
    to.expert = from.expert;
    to.expertLevel = from.expertLevel;
    from.expert = null;
    from.expertLevel = null;
    rehashResult(b);
    expectRule(b, 'expert', 'teams.recompute');
    const messages = verifyV2(b).problems.filter((p) => p.rule === 'teams.recompute').map((p) => p.message);
    expect(messages.some((m) => m.includes(`第${from.no}号`) && m.includes('专家'))).toBe(true);
    expect(messages.some((m) => m.includes(`第${to.no}号`) && m.includes('专家'))).toBe(true);
  });

  it('a parameter changed: in the bundle, and in the commitment too with everything rehashed', () => {
    const b = clone(first.bundles.internal) as InternalBundle;
    b.parameters.ratiosPpm.A = 300_000;
    expectRule(b, 'param', 'parameters.hash');
    const f = clone(first.bundles.public) as PublicBundle;
    f.parameters.team.excludeOwnCounty = false;
    expectRule(f, 'param-public', 'parameters.hash');
    // Rewriting the commitment breaks the seed (it depends on the commitment hash).
    const g = clone(first.bundles.internal) as InternalBundle;
    g.parameters.ratiosPpm.A = 300_000;
    g.commitment.parametersHash = jcsHash(g.parameters);
    rehashCommitment(g);
    expect(rules(g)).not.toContain('parameters.hash');
    expectRule(g, 'param-forged', 'seed.derive');
  });

  it('a team without a county officer (市、县两级), checked from the public bundle alone', () => {
    const b = clone(first.bundles.public) as PublicBundle;
    const cityOfficer = Object.entries(b.members).find(([, m]) => m.level === '市局')![0];
    const team = b.result.teams.find((t) => t.leader !== cityOfficer)!;
    team.officers = [cityOfficer];
    rehashResult(b);
    expectRule(b, 'county', 'teams.structure');
  });

  it('the public bundle says which checks it cannot do', async () => {
    const ok = await cliVerify(first.bundles.public, 'public-ok');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('核验通过（可公开数据包）');
    expect(ok.out).toContain('可公开数据包无法核对的内容');
    expect(ok.out).toContain('抽中的是哪些企业');
  });

  it('a spotcheck-draw/1 bundle is still verified as before', async () => {
    const { buildBundle } = await import('../../../src/domain/bundle');
    const { makeRegistry } = await import('../draw/generate');
    const { enterprises, staff } = makeRegistry('v1-still', { enterprises: 200, staff: 80 });
    const v1 = buildBundle({ enterprises, staff, parameters: { riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, campaignRatio: 0.25 }, entropy: 'x' });
    const ok = await cliVerify(v1, 'v1');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('spotcheck-draw/1');
    const bad = clone(v1);
    bad.attempt = 2;
    const fail = await cliVerify(bad, 'v1-bad');
    expect(fail.code).not.toBe(0);
  });
});

export type { Bundle };
