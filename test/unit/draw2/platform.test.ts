/**
 * platform-import/1 (docs/draw-spec.md §14): the result of a matched file, its chain entry and bundles, and the
 * verifier — which passes an untouched bundle, names the rule a changed one breaks, and says the randomness came from
 * the platform. The independent Python verifier agrees on every case.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nextAttempt, nextEntry } from '../../../src/domain/draw2/chain';
import { personRef } from '../../../src/domain/draw2/inputs';
import { jcsHash } from '../../../src/domain/draw2/jcs';
import type { HashedLogEntry } from '../../../src/domain/draw2/model';
import {
  buildPlatformBundles,
  PLATFORM_RANDOMNESS,
  platformEntryData,
  platformListing,
  platformOutcome,
  platformVerifiedLines,
  verifyPlatform,
  type PlatformInternalBundle,
  type PlatformPublicBundle,
} from '../../../src/domain/draw2/platform';
import type { MatchedFirm } from '../../../src/domain/platformDraw';
import { pythonDescribe, pythonRules, runPython } from './python';

const CAMPAIGN = { id: '665f1c2ab4d0e8a1c9f3a7d2', name: '2024年专项', year: 2024 };
const FILE = { name: '平台抽取结果.xlsx', size: 2048, sha256: 'a'.repeat(64) };
const LIAISON = 'ou_liaison000000000000000000000c1';

function firm(uscc: string, county: string, taskNo: string | null, members: [string, '组长' | '执法人员' | '专家', string][]): MatchedFirm {
  return {
    line: 2,
    enterprise: { uscc, name: `企业${uscc.slice(-2)}`, licenceNo: `XK-${uscc.slice(-2)}`, product: '电线电缆', category: '工业产品', riskClass: 'C', county, validTo: '2027-01-01' },
    fileName: `企业${uscc.slice(-2)}`,
    taskNo,
    team: members.map(([openId, role, mCounty]) => ({ openId, name: `姓名${openId.slice(-2)}`, role, unit: `${mCounty}市场监督管理局`, county: mCounty })),
  };
}

const FIRMS: MatchedFirm[] = [
  firm('91140800MA0K000021', '盐湖区', 'T-2', [['ou_l1', '组长', '市局'], ['ou_o1', '执法人员', '永济市']]),
  firm('91140800MA0K000011', '永济市', 'T-1', [['ou_l2', '组长', '市局'], ['ou_o2', '执法人员', '盐湖区'], ['ou_x1', '专家', '市局']]),
  firm('91140800MA0K000031', '永济市', null, [['ou_l1', '组长', '市局'], ['ou_o2', '执法人员', '盐湖区']]),
];

/** A campaign chain with `before` entries (e.g. an earlier confirmed draw of the bot), then the import. */
function make(opts: { before?: HashedLogEntry[]; reason?: string | null; names?: 'names' | 'pseudonyms' } = {}) {
  const outcome = platformOutcome(FIRMS, FILE, [{ line: 3, reason: '企业名称与名录库不同' }]);
  const log = [...(opts.before ?? [])];
  const attempt = nextAttempt(log);
  const data = platformEntryData({
    drawId: 'd1',
    attempt,
    byOpenId: LIAISON,
    file: FILE,
    reason: opts.reason ?? null,
    outcome,
    supersedes: log.filter((e) => e.kind === 'reveal').map((e) => e.data.attempt as number),
    listing: platformListing(outcome.details, opts.names ?? 'pseudonyms'),
  });
  log.push(nextEntry(log.at(-1) ?? null, CAMPAIGN.id, new Date('2024-03-20T02:00:00.000Z'), 'platform', { ...data }));
  const bundles = buildPlatformBundles({
    drawId: 'd1',
    campaign: CAMPAIGN,
    attempt,
    file: FILE,
    reason: opts.reason ?? null,
    outcome,
    log,
    people: { [personRef(LIAISON)]: { openId: LIAISON, name: '许小颖' } },
    names: opts.names ?? 'pseudonyms',
  });
  return { outcome, log, ...bundles };
}

/** An earlier confirmed draw of the bot in the chain: its commit and its reveal, with the members §8.2 gives them. */
function earlierDraw(): HashedLogEntry[] {
  const commitment = { algorithm: 'spotcheck-draw/2', attempt: 1 };
  const commit = nextEntry(null, CAMPAIGN.id, new Date('2024-03-16T01:00:00.000Z'), 'commit', {
    attempt: 1,
    by: personRef(LIAISON),
    commitment,
    commitmentHash: jcsHash(commitment),
    drawId: 'd0',
    parameters: {},
    reason: null,
  });
  const reveal = nextEntry(commit, CAMPAIGN.id, new Date('2024-03-16T02:00:00.000Z'), 'reveal', {
    attempt: 1,
    botValue: '1'.repeat(64),
    by: personRef(LIAISON),
    commitSeq: 1,
    commitmentHash: jcsHash(commitment),
    drawId: 'd0',
    entropy: '',
    resultHash: '3'.repeat(64),
    seed: '2'.repeat(64),
    supersedes: [],
  });
  return [commit, reveal];
}

const clone = <T,>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const rules = (b: unknown, sha?: string) => verifyPlatform(b, sha).problems.map((p) => p.rule);

describe('the result of a matched file', () => {
  it('numbers the firms by county, then code; teams keep the file’s order with the 组长 first; people as refs', () => {
    const { outcome } = make();
    expect(outcome.result.selection).toEqual([
      // 永济市 (U+6C38) before 盐湖区 (U+76D0), then by code
      { no: 1, uscc: '91140800MA0K000011', licenceNo: 'XK-11', taskNo: 'T-1' },
      { no: 2, uscc: '91140800MA0K000031', licenceNo: 'XK-31', taskNo: null },
      { no: 3, uscc: '91140800MA0K000021', licenceNo: 'XK-21', taskNo: 'T-2' },
    ]);
    expect(outcome.result.teams[0]).toEqual({
      no: 1,
      members: [
        { ref: personRef('ou_l2'), role: '组长' },
        { ref: personRef('ou_o2'), role: '执法人员' },
        { ref: personRef('ou_x1'), role: '专家' },
      ],
    });
    expect(outcome.result.file).toBe(FILE.sha256);
    expect(outcome.selectionHash).toBe(jcsHash(outcome.result.selection));
    expect(outcome.teamsHash).toBe(jcsHash(outcome.result.teams));
    expect(outcome.resultHash).toBe(jcsHash(outcome.result));
    expect(JSON.stringify(outcome.result)).not.toContain('ou_');
  });

  it('the chain entry carries the file, the importer’s ref, the hashes and the source 平台 — no open id', () => {
    const { log, outcome } = make();
    expect(log[0]!.kind).toBe('platform');
    expect(log[0]!.data).toEqual({
      algorithm: 'platform-import/1',
      attempt: 1,
      by: personRef(LIAISON),
      drawId: 'd1',
      file: FILE,
      firms: 3,
      reason: null,
      resultHash: outcome.resultHash,
      selectionHash: outcome.selectionHash,
      source: '平台',
      supersedes: [],
      teamsHash: outcome.teamsHash,
      names: 'pseudonyms',
      publicHash: jcsHash({ firms: make().public.firms, members: make().public.members, names: 'pseudonyms' }),
    });
    expect(JSON.stringify(log)).not.toContain('ou_');
  });

  it('the public bundle carries no open id and no credit-risk class', () => {
    const { public: pub } = make();
    const text = JSON.stringify(pub);
    expect(text).not.toContain('ou_');
    expect(text).not.toContain('riskClass');
    expect(Object.keys(pub.members)).toHaveLength(5);
    expect(pub.members[personRef('ou_o1')]).toEqual({ display: `检查人员${personRef('ou_o1').slice(0, 6).toUpperCase()}`, unit: '永济市市场监督管理局', level: '县区' });
    expect(make({ names: 'names' }).public.members[personRef('ou_l1')]!.display).toBe('姓名l1');
  });
});

describe('verification', () => {
  it('passes both bundles as made, and says where the randomness came from', () => {
    const { internal, public: pub } = make();
    const v = verifyPlatform(internal);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, kind: 'internal', summary: { attempt: 1, selected: 3, fileSha256: FILE.sha256 } });
    expect(verifyPlatform(pub).problems).toEqual([]);
    expect(internal.randomness).toBe(PLATFORM_RANDOMNESS);
    const lines = platformVerifiedLines(v, internal);
    expect(lines[0]).toContain('核验通过（监管平台抽取结果，内部数据包）：第1次抽取，3家企业');
    expect(lines[1]).toContain('随机性来自国家“双随机、一公开”监管平台');
    expect(lines[1]).toContain('无法复算');
  });

  it('a changed selection line fails result.hash (and the public firms list no longer matches)', () => {
    const { internal, public: pub } = make();
    const b = clone(internal);
    b.result.selection[1]!.uscc = '91140800MA0K000041';
    expect(rules(b)).toContain('result.hash');
    const p = clone(pub);
    p.firms[0]!.uscc = '91140800MA0K000041';
    expect(rules(p)).toEqual(['public.firms', 'public.hash']);
  });

  it('every display field of the public bundle is covered by the listing hash logged in the platform entry', () => {
    const { internal, public: pub } = make();
    const ref = Object.keys(pub.members)[0]!;
    const edits: ((b: PlatformPublicBundle) => void)[] = [
      (b) => void (b.firms[0]!.name = '另一家企业'),
      (b) => void (b.firms[0]!.county = '夏县'),
      (b) => void (b.firms[0]!.licenceNo = 'XK-99'),
      (b) => void (b.firms[0]!.taskNo = 'T-9'),
      (b) => void (b.members[ref]!.display = '张三'),
      (b) => void (b.members[ref]!.unit = '某局'),
      (b) => void (b.members[ref]!.level = b.members[ref]!.level === '市局' ? '县区' : '市局'),
      (b) => void (b.names = 'names'),
    ];
    for (const edit of edits) {
      const p = clone(pub);
      edit(p);
      expect(rules(p)).toContain('public.hash');
    }
    // The internal bundle rebuilds the listing from its details: a changed unit there fails too.
    const i = clone(internal);
    i.details.teams[0]!.members[0]!.unit = '某局';
    expect(rules(i)).toContain('public.hash');
  });

  it('a moved team member fails result.hash; a team without its 组长 fails teams.structure too', () => {
    const b = clone(make().internal);
    b.result.teams[0]!.members.reverse();
    expect(rules(b)).toEqual(expect.arrayContaining(['result.hash', 'teams.structure', 'details.render']));
  });

  it('a changed file hash fails file.hash; --file with another file fails file.bytes', () => {
    const { internal } = make();
    const b = clone(internal);
    b.file.sha256 = 'b'.repeat(64);
    expect(rules(b)).toContain('file.hash');
    expect(rules(internal, 'c'.repeat(64))).toEqual(['file.bytes']);
    expect(rules(internal, FILE.sha256)).toEqual([]);
  });

  it('an edited log entry fails chain.hash; a dropped one chain.link / chain.seq', () => {
    const before = earlierDraw();
    const { internal } = make({ before, reason: '以平台抽取结果为准' });
    expect(verifyPlatform(internal).problems).toEqual([]);
    const edited = clone(internal);
    (edited.log[2]!.data as { firms: number }).firms = 2;
    expect(rules(edited)).toEqual(expect.arrayContaining(['chain.hash', 'result.hash']));
    const dropped = clone(internal);
    dropped.log.splice(0, 2); // the earlier draw's commit and reveal
    expect(rules(dropped)).toEqual(expect.arrayContaining(['chain.link', 'chain.seq', 'attempt', 'reveal.supersedes']));
  });

  it('counts earlier confirmed draws of either kind for the attempt, and a redraw needs its reason', () => {
    const before = earlierDraw();
    const { internal } = make({ before, reason: null });
    expect(internal.attempt).toBe(2);
    expect(rules(internal)).toEqual(['attempt.reason']);
    const claimed = clone(make({ before, reason: '以平台抽取结果为准' }).internal);
    claimed.attempt = 1;
    expect(rules(claimed)).toContain('attempt');
  });

  it('refuses what is not a platform bundle', () => {
    expect(rules({ format: 'spotcheck-draw-bundle', algorithm: 'spotcheck-draw/2' })).toEqual(['bundle.format']);
    const { internal } = make();
    const b = clone(internal) as Partial<PlatformInternalBundle>;
    delete b.file;
    expect(rules(b)).toEqual(['bundle.format']);
  });
});

pythonDescribe('the independent verifier (docs/draw-vectors/verify.py) agrees', () => {
  it('passes the bundles as made; fails a changed selection line, file hash, log entry and a redraw without reason', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-py-'));
    try {
      const write = (name: string, b: PlatformInternalBundle | PlatformPublicBundle): string => {
        const f = path.join(dir, name);
        writeFileSync(f, JSON.stringify(b));
        return f;
      };
      const { internal, public: pub } = make();
      const ok = runPython([write('internal.json', internal), write('public.json', pub)]);
      expect(ok.out).not.toContain('FAIL');
      expect(ok.code).toBe(0);
      const cases: [string, (b: PlatformInternalBundle) => void, string][] = [
        ['selection', (b) => void (b.result.selection[0]!.uscc = '91140800MA0K000041'), 'result.hash'],
        ['file', (b) => void (b.file.sha256 = 'b'.repeat(64)), 'file.hash'],
        ['log', (b) => void ((b.log[0]!.data as { firms: number }).firms = 9), 'chain.hash'],
      ];
      for (const [name, change, rule] of cases) {
        const b = clone(internal);
        change(b);
        expect(verifyPlatform(b).problems.map((p) => p.rule)).toContain(rule);
        const r = runPython([write(`${name}.json`, b)]);
        expect(r.code).not.toBe(0);
        expect(pythonRules(r.out)).toContain(rule);
      }
      // A changed display field of the public bundle, and one of the internal details, fail public.hash.
      const renamed = clone(pub);
      renamed.firms[0]!.name = '另一家企业';
      expect(pythonRules(runPython([write('renamed.json', renamed)]).out)).toContain('public.hash');
      const unit = clone(internal);
      unit.details.teams[0]!.members[0]!.unit = '某局';
      expect(pythonRules(runPython([write('unit.json', unit)]).out)).toContain('public.hash');
      const dropped = clone(internal);
      dropped.people = {};
      expect(pythonRules(runPython([write('people.json', dropped)]).out)).toContain('people.refs');
      const before = earlierDraw();
      const noReason = runPython([write('noreason.json', make({ before, reason: null }).internal)]);
      expect(pythonRules(noReason.out)).toEqual(['attempt.reason']);
      const withReason = runPython([write('reason.json', make({ before, reason: '以平台抽取结果为准' }).internal)]);
      expect(withReason.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
