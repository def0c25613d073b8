/**
 * §10: `draw verify` for spotcheck-draw/2 bundles. Every check has a rule name; a failed check says which rule and
 * what was found. Never throws: a malformed bundle gives problems too.
 */
import { catalogueHash, indexCatalogue, type Catalogue } from '../catalogue';
import { isIsoDate } from '../population';
import { PRODUCT_CATEGORIES, RISK_CLASSES } from '../types';
import { isValidUscc } from '../uscc';
import { publicHash, publicListing, resultHash } from './bundle';
import { chainProblems, logEntryProblems, peopleProblems, redrawReasonProblems, type RuleProblem } from './chain';
import { computeSteps } from './compute';
import { computeCounts, stratumName, STRATA } from './counts';
import { exclusionsHash, parameterProblem, personRef, populationHashSteps, populationProblems, staffHash } from './inputs';
import { isHex64, jcs, jcsHash } from './jcs';
import {
  ALGORITHM,
  BUNDLE_FORMAT,
  CITY,
  type Bundle,
  type CommitData,
  type Commitment,
  type HashedLogEntry,
  type InternalBundle,
  type PopulationRow,
  type PublicBundle,
  type Result,
  type RevealData,
  type StaffRow,
} from './model';
import { announcedInstant, blindHash, botValueHash, commitmentHash, deriveSeed, entropyFor, sourceProblem } from './seed';
import { runSync } from './steps';

export interface Verification {
  ok: boolean;
  kind: 'internal' | 'public' | null;
  problems: RuleProblem[];
  /** checks a public bundle cannot do (Chinese) */
  notChecked: string[];
  summary: { attempt: number | null; selected: number; resultHash: string | null };
}

const MAX_ITEMS = 20;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  try {
    return jcs(a) === jcs(b);
  } catch {
    return false;
  }
}

export const PUBLIC_NOT_CHECKED = [
  '抽中的是哪些企业（需要内部数据包中的企业名录及其信用风险等级，以及不公开的盲值）',
  '检查组由哪些人组成（需要内部数据包中的人员名录、回避名单和专业领域）',
  '名录哈希、人员哈希、排除名单哈希与名录内容是否一致',
  '到期企业是否被正确排除',
  '公开名单中的企业名称、许可证编号、县区和人员单位与名录是否一致（公开数据包只能核对其哈希与日志一致）',
];

export function verifyV2(bundle: unknown): Verification {
  const problems: RuleProblem[] = [];
  const add = (rule: string, message: string): void => {
    problems.push({ rule, message });
  };
  const out = (kind: Verification['kind'], notChecked: string[] = []): Verification => {
    const b = isRecord(bundle) ? bundle : {};
    const result = isRecord(b.result) ? b.result : {};
    return {
      ok: problems.length === 0,
      kind,
      problems,
      notChecked,
      summary: {
        attempt: Number.isSafeInteger(b.attempt) ? (b.attempt as number) : null,
        selected: Array.isArray(result.selection) ? result.selection.length : 0,
        resultHash: isRecord(b.hashes) && typeof b.hashes.result === 'string' ? b.hashes.result : null,
      },
    };
  };
  if (!isRecord(bundle) || bundle.format !== BUNDLE_FORMAT || bundle.algorithm !== ALGORITHM) {
    add('bundle.format', `文件不是 ${ALGORITHM} 抽取数据包`);
    return out(null);
  }
  const kind = bundle.kind === 'internal' || bundle.kind === 'public' ? bundle.kind : null;
  if (kind === null) {
    add('bundle.format', '数据包类型（kind）应为 internal 或 public');
    return out(null);
  }
  const missing: string[] = [];
  const need = (field: string, ok: (v: unknown) => boolean): void => {
    if (!ok(bundle[field])) missing.push(field);
  };
  need('drawId', (v) => typeof v === 'string');
  need('campaign', (v) => isRecord(v) && typeof v.id === 'string');
  need('attempt', (v) => Number.isSafeInteger(v) && (v as number) >= 1);
  need('parameters', isRecord);
  need('commitment', isRecord);
  need('reveal', (v) => isRecord(v) && typeof v.botValue === 'string' && typeof v.entropy === 'string');
  need('seed', isHex64);
  need('result', (v) => isRecord(v) && isRecord(v.counts) && Array.isArray(v.selection) && Array.isArray(v.teams) && Array.isArray(v.shortages) && isRecord(v.caps));
  need('hashes', isRecord);
  need('log', Array.isArray);
  // A commitment with a blindHash is of the current form (§3.1); without one, a bundle made before the blind (§12.1).
  const blinded = isRecord(bundle.commitment) && bundle.commitment.blindHash !== undefined;
  if (kind === 'internal') {
    need('catalogue', isRecord);
    need('population', Array.isArray);
    need('exclusions', Array.isArray);
    need('staff', Array.isArray);
    need('people', isRecord);
    if (blinded) need('blind', isHex64);
  } else {
    need('firms', Array.isArray);
    need('members', isRecord);
    need('names', (v) => v === 'names' || v === 'pseudonyms');
  }
  if (missing.length > 0) {
    add('bundle.format', `数据包缺少字段或字段格式错误：${missing.join('、')}`);
    return out(kind);
  }
  const b = bundle as unknown as Bundle;
  const C = b.commitment as Commitment;
  const R = b.result as Result;

  // ---- the log -------------------------------------------------------------------------------------------------
  problems.push(...chainProblems(b.log, b.campaign.id));
  problems.push(...logEntryProblems(b.log));
  const log = b.log as HashedLogEntry[];
  const commitIdx = log.findIndex((e) => isRecord(e) && e.kind === 'commit' && isRecord(e.data) && e.data.drawId === b.drawId);
  const revealIdx = log.findIndex((e) => isRecord(e) && e.kind === 'reveal' && isRecord(e.data) && e.data.drawId === b.drawId);
  const commit = commitIdx >= 0 ? (log[commitIdx]!.data as unknown as CommitData) : null;
  const reveal = revealIdx >= 0 ? (log[revealIdx]!.data as unknown as RevealData) : null;
  if (commit === null) add('draw.commit', '日志中没有这次抽取的承诺（预览）记录');
  if (reveal === null) add('draw.reveal', '日志中没有这次抽取的揭示（确认）记录');
  if (commit !== null && reveal !== null) {
    if (revealIdx < commitIdx) add('draw.reveal', '确认记录早于预览记录');
    if (revealIdx !== log.length - 1) add('draw.reveal', '确认记录应为数据包中日志的最后一条');
    const voided = log.slice(commitIdx + 1, revealIdx).some((e) => e.kind === 'void' && isRecord(e.data) && e.data.drawId === b.drawId);
    if (voided) add('draw.reveal', '这次预览在确认前已被作废');
    if (reveal.commitSeq !== log[commitIdx]!.seq) add('draw.reveal', '确认记录指向的预览记录序号不符');
  }
  if (commit !== null) {
    // (that the commit's attempt is 1 + the confirmed draws before it: logEntryProblems, for every commit)
    if (b.attempt !== commit.attempt) add('attempt', `数据包声明为第${b.attempt}次抽取，日志记录为第${String(commit.attempt)}次`);
    if (C.attempt !== commit.attempt) add('attempt', `承诺中的抽取次数（${String(C.attempt)}）与日志不符`);
    if (reveal !== null && reveal.attempt !== commit.attempt) add('attempt', '确认记录的抽取次数与预览记录不符');
  }
  problems.push(...redrawReasonProblems(log));

  // ---- commitment, parameters, source --------------------------------------------------------------------------
  const pp = parameterProblem(b.parameters);
  if (pp !== null) add('parameters.valid', pp);
  let cHash = '';
  try {
    cHash = commitmentHash(C);
  } catch {
    add('commitment.hash', '承诺无法规范化');
  }
  if (cHash !== b.hashes.commitment) add('commitment.hash', '承诺的哈希与数据包中的承诺哈希不符');
  if (commit !== null) {
    if (!same(commit.commitment, C)) add('commitment.log', '数据包中的承诺与日志中预览时记录的承诺不一致');
    if (commit.commitmentHash !== cHash) add('commitment.log', '日志中记录的承诺哈希与重算不符');
    if (!same(commit.parameters, b.parameters)) add('parameters.hash', '数据包中的参数与预览时记录的参数不一致');
  }
  if (reveal !== null && reveal.commitmentHash !== cHash) add('commitment.log', '确认记录中的承诺哈希与重算不符');
  if (C.algorithm !== ALGORITHM) add('commitment.hash', '承诺中的算法版本不符');
  if (!same(C.campaign, b.campaign)) add('commitment.hash', '承诺中的专项与数据包不符');
  let pHash = '';
  try {
    pHash = jcsHash(b.parameters);
  } catch {
    pHash = '';
  }
  if (pHash !== C.parametersHash || pHash !== b.hashes.parameters) add('parameters.hash', '抽取参数的哈希与预览时承诺的不符（参数被改动过）');
  if (!same(b.source, C.source)) add('source.time', '数据包中的公开来源与承诺中的不一致');
  if (C.source !== null) {
    const sp = sourceProblem(C.source);
    if (sp !== null) add('source.time', sp);
    const at = announcedInstant(C.source.announcedAt);
    const commitAt = commitIdx >= 0 ? Date.parse(log[commitIdx]!.at) : NaN;
    const revealAt = revealIdx >= 0 ? Date.parse(log[revealIdx]!.at) : NaN;
    if (at !== null && !(commitAt < at.getTime())) add('source.time', `预览（承诺）应早于公开来源的开奖时间${C.source.announcedAt}`);
    if (at !== null && !(revealAt >= at.getTime())) add('source.time', `确认应在公开来源的开奖时间${C.source.announcedAt}之后`);
    if (sp === null) {
      const e = entropyFor(C.source, b.reveal.entropy);
      if (!e.ok || e.entropy !== b.reveal.entropy) add('source.time', `种子不是按公开来源书写的开奖号码：${e.ok ? '书写不规范' : e.reason}`);
    }
  }

  // ---- reveal, seed, result ------------------------------------------------------------------------------------
  let bvHash = '';
  try {
    bvHash = botValueHash(b.reveal.botValue);
  } catch {
    add('seed.derive', '揭示的随机值格式错误（应为64位十六进制）');
  }
  if (bvHash !== '' && (bvHash !== C.botValueHash || bvHash !== b.hashes.botValue)) {
    add('seed.derive', '揭示的随机值与预览时承诺的哈希不符');
  }
  const seed = deriveSeed(cHash, b.reveal.botValue, b.reveal.entropy);
  if (seed !== b.seed) add('seed.derive', '由承诺、随机值和公开种子计算的种子与数据包中的种子不符');
  if (reveal !== null) {
    if (reveal.botValue !== b.reveal.botValue || reveal.entropy !== b.reveal.entropy) add('seed.derive', '数据包中的随机值或种子与日志中确认时记录的不符');
    if (reveal.seed !== seed) add('seed.derive', '日志中确认时记录的种子与重算不符');
  }
  if (R.seed !== b.seed) add('result.hash', '结果中的种子与数据包的种子不符');
  let rHash = '';
  try {
    rHash = resultHash(R);
  } catch {
    add('result.hash', '结果无法规范化');
  }
  if (rHash !== b.hashes.result) add('result.hash', '结果的哈希与数据包中的结果哈希不符（结果在生成后被改动过）');
  if (reveal !== null && reveal.resultHash !== rHash) add('result.hash', '结果的哈希与日志中确认时记录的结果哈希不符');

  // ---- the public listing's hash (§9.2) ---------------------------------------------------------------------------
  if (blinded) {
    if (!isHex64(C.blindHash)) add('blind.hash', '承诺中的盲值哈希格式错误');
    if (reveal !== null && (reveal.publicHash === undefined || reveal.names === undefined)) add('public.hash', '确认记录中没有公开名单的哈希');
    if (reveal !== null && b.hashes.public !== reveal.publicHash) add('public.hash', '数据包中的公开名单哈希与日志中确认时记录的不符');
  } else if (reveal !== null && reveal.publicHash !== undefined) add('public.hash', '承诺中没有盲值哈希，确认记录却有公开名单哈希');

  // ---- counts (both kinds: from the strata sizes) ---------------------------------------------------------------
  const strata = Array.isArray(R.counts.strata) ? R.counts.strata : [];
  if (pp === null && strata.length === 8) {
    const want = computeCounts(
      strata.map((s) => s.size),
      b.parameters,
    );
    want.strata.forEach((s, i) => {
      const got = strata[i]!;
      if (got.category !== STRATA[i]!.category || got.riskClass !== STRATA[i]!.riskClass) add('counts.recompute', `第${i + 1}层应为${stratumName(STRATA[i]!)}`);
      else if (got.base !== s.base || got.topUp !== s.topUp || got.count !== s.count) {
        add('counts.recompute', `${stratumName(s)}类抽取数不一致（公布${String(got.count)}家，按比例和补足规则应为${s.count}家）`);
      }
    });
    if (R.counts.target !== want.target || R.counts.population !== want.population) add('counts.recompute', '总体企业数或全市应抽数与重算不符');
    const total = want.strata.reduce((a, s) => a + s.count, 0);
    if (R.selection.length !== total) add('counts.recompute', `抽中企业${R.selection.length}家，与各层抽取数合计${total}家不符`);
  } else if (strata.length !== 8) add('counts.recompute', '结果中应有8个分层');
  if (C.populationSize !== R.counts.population) add('counts.recompute', '承诺中的总体企业数与结果不符');

  // ---- team structure (both kinds) -------------------------------------------------------------------------------
  const levelOf = (ref: string): '市局' | '县区' | null => {
    if (kind === 'public') return (b as PublicBundle).members[ref]?.level ?? null;
    const s = staffByRef.get(ref);
    return s === undefined ? null : s.county === CITY ? '市局' : '县区';
  };
  const staffByRef = new Map<string, StaffRow>(kind === 'internal' ? (b as InternalBundle).staff.map((s) => [personRef(s.openId), s]) : []);
  structureProblems(R, b.parameters, levelOf, add);

  const notChecked: string[] = [];
  if (kind === 'public') {
    const pub = b as PublicBundle;
    const firms = pub.firms.map((f) => (isRecord(f) ? { no: f.no, uscc: f.uscc } : null));
    if (!same(firms, R.selection)) add('public.firms', '公开的抽中企业名单与结果中的不一致');
    const refs = new Set(R.teams.flatMap((t) => [t.leader, ...t.officers, t.expert]).filter((x): x is string => typeof x === 'string'));
    const listed = Object.keys(pub.members);
    if (listed.length !== refs.size || listed.some((r) => !refs.has(r))) add('public.firms', '公开的检查人员名单与检查组成员不一致');
    if (blinded && reveal !== null) {
      let h = '';
      try {
        h = publicHash({ firms: pub.firms, members: pub.members, names: pub.names });
      } catch {
        h = '';
      }
      if (h !== reveal.publicHash) add('public.hash', '公开名单（企业名称、许可证编号、县区、人员姓名或化名、单位、层级）的哈希与日志中确认时记录的不符（名单被改动过）');
      if (pub.names !== reveal.names) add('public.hash', '公开名单显示姓名还是化名，与日志中确认时记录的不符');
    }
    notChecked.push(...PUBLIC_NOT_CHECKED);
    return out(kind, notChecked);
  }

  // ---- internal: the inputs and the whole recomputation ---------------------------------------------------------
  const ib = b as InternalBundle;
  const blind = blinded ? (ib.blind as string) : null;
  if (blind !== null) {
    let h = '';
    try {
      h = blindHash(blind);
    } catch {
      h = '';
    }
    if (h !== C.blindHash) add('blind.hash', '数据包中的盲值与预览时承诺的盲值哈希不符');
  }
  peopleProblems(ib, log, add);
  let catHash = '';
  try {
    catHash = catalogueHash(ib.catalogue as Catalogue);
  } catch {
    catHash = '';
  }
  if (catHash !== b.parameters.catalogue?.hash || catHash !== b.hashes.catalogue) add('catalogue.hash', '产品目录的哈希与参数中记录的不符');
  const popProblems = populationProblems(ib.population, b.parameters.campaignStart);
  for (const p of popProblems.slice(0, MAX_ITEMS)) add('population.rows', p);
  let popHash = '';
  try {
    popHash = runSync(populationHashSteps(ib.population, blind));
  } catch {
    popHash = '';
  }
  if (popHash !== C.populationHash || popHash !== b.hashes.population) add('population.hash', '企业名录的哈希与预览时承诺的不符（名录被改动过）');
  if (ib.population.length !== C.populationSize) add('population.hash', '企业名录的家数与承诺不符');
  let sHash = '';
  try {
    sHash = staffHash(ib.staff, blind);
  } catch {
    sHash = '';
  }
  if (sHash !== C.staffHash || sHash !== b.hashes.staff) add('staff.hash', '人员名录的哈希与预览时承诺的不符（人员名录被改动过）');
  let eHash = '';
  try {
    eHash = exclusionsHash(ib.exclusions, blind);
  } catch {
    eHash = '';
  }
  if (eHash !== C.exclusionsHash || eHash !== b.hashes.exclusions) add('exclusions.hash', '排除名单的哈希与预览时承诺的不符');
  exclusionProblems(ib, add);

  if (problems.some((p) => ['parameters.valid', 'catalogue.hash', 'bundle.format'].includes(p.rule)) || popProblems.length > 0) {
    return out(kind);
  }
  let rebuilt;
  try {
    rebuilt = runSync(computeSteps(ib.population, ib.staff, b.parameters, b.seed, indexCatalogue(ib.catalogue), blind));
  } catch (e) {
    add('teams.recompute', `无法按数据包内的输入重算：${e instanceof Error ? e.message : String(e)}`);
    return out(kind);
  }
  const W = rebuilt.result;
  if (!same(W.counts, R.counts)) add('counts.recompute', '各层企业数或抽取数与按名录重算的不一致');
  let items = 0;
  const item = (rule: string, message: string): void => {
    items++;
    if (items <= MAX_ITEMS) add(rule, message);
  };
  if (!same(W.selection, R.selection)) {
    if (W.selection.length !== R.selection.length) add('selection.recompute', `抽中企业数量不一致（公布${R.selection.length}家，重算${W.selection.length}家）`);
    const n = Math.max(W.selection.length, R.selection.length);
    for (let i = 0; i < n; i++) {
      if (!same(W.selection[i], R.selection[i])) {
        item('selection.recompute', `第${i + 1}号抽中企业不一致（公布：${R.selection[i]?.uscc ?? '无'}；重算：${W.selection[i]?.uscc ?? '无'}）`);
      }
    }
  }
  if (!same(W.teams, R.teams)) {
    const n = Math.max(W.teams.length, R.teams.length);
    for (let i = 0; i < n; i++) {
      const w = W.teams[i];
      const r = R.teams[i];
      if (same(w, r)) continue;
      const parts: string[] = [];
      if (w?.leader !== r?.leader) parts.push('组长');
      if (!same(w?.officers, r?.officers)) parts.push('执法人员');
      if (w?.expert !== r?.expert) parts.push('专家');
      if (w?.expertLevel !== r?.expertLevel) parts.push('专家匹配层级');
      item('teams.recompute', `第${i + 1}号企业的检查组与重算不一致（${parts.join('、') || '组信息'}）`);
    }
  }
  if (!same(W.shortages, R.shortages)) add('shortages.recompute', '缺员情况与重算不一致');
  if (!same(W.caps, R.caps)) add('caps.recompute', '工作量上限与重算不一致');
  if (items > MAX_ITEMS) add('teams.recompute', `……另有${items - MAX_ITEMS}处不一致`);
  if (blinded && reveal !== null && (reveal.names === 'names' || reveal.names === 'pseudonyms')) {
    let h = '';
    try {
      h = publicHash(publicListing(R, ib.population as PopulationRow[], ib.staff, reveal.names));
    } catch {
      h = '';
    }
    if (h !== reveal.publicHash) add('public.hash', '按名录重建的公开名单（企业名称、许可证编号、县区、人员姓名或化名、单位、层级）的哈希与日志中确认时记录的不符');
  }
  const details = ib.details;
  if (!isRecord(details) || !same(details.selection, rebuilt.details.selection) || !same(details.teams, rebuilt.details.teams)) {
    add('details.render', '数据包中供阅读的明细（企业名称、组员姓名等）与重算结果不一致');
  }
  return out(kind);
}

/** teams.structure (§6.4): what every team must look like, checkable from refs and levels alone. */
function structureProblems(
  R: Result,
  p: InternalBundle['parameters'],
  levelOf: (ref: string) => '市局' | '县区' | null,
  add: (rule: string, message: string) => void,
): void {
  if (parameterProblem(p) !== null) return;
  const blocking = new Map<number, Set<string>>();
  for (const s of R.shortages) if (s.blocking) blocking.set(s.no, (blocking.get(s.no) ?? new Set()).add(s.role));
  const leaderLoad = new Map<string, number>();
  const officerLoad = new Map<string, number>();
  const expertLoad = new Map<string, number>();
  let shown = 0;
  const bad = (message: string): void => {
    if (++shown <= MAX_ITEMS) add('teams.structure', message);
  };
  R.teams.forEach((t, i) => {
    if (!isRecord(t) || t.no !== i + 1) {
      bad(`第${i + 1}个检查组的序号应为${i + 1}`);
      return;
    }
    const short = blocking.get(t.no) ?? new Set<string>();
    const people = [t.leader, ...(Array.isArray(t.officers) ? t.officers : []), t.expert].filter((x): x is string => typeof x === 'string');
    if (new Set(people).size !== people.length) bad(`第${t.no}号企业的检查组中有人重复`);
    if (t.leader === null) {
      if (!short.has('leader')) bad(`第${t.no}号企业的检查组没有组长，也没有记录缺员`);
    } else {
      if (levelOf(t.leader) !== '市局') bad(`第${t.no}号企业的组长不是市局人员`);
      leaderLoad.set(t.leader, (leaderLoad.get(t.leader) ?? 0) + 1);
    }
    const county = t.officers.filter((o) => levelOf(o) === '县区').length;
    if (county < p.team.countyOfficers && !short.has('countyOfficer')) {
      bad(`第${t.no}号企业的检查组没有县区执法人员（检查组应由市、县两级执法监管人员组成）`);
    }
    if (t.officers.length !== p.team.officers && !short.has('countyOfficer') && !short.has('officer')) {
      bad(`第${t.no}号企业的检查组执法人员为${t.officers.length}人，应为${p.team.officers}人`);
    }
    for (const o of t.officers) officerLoad.set(o, (officerLoad.get(o) ?? 0) + 1);
    if (t.expert !== null) expertLoad.set(t.expert, (expertLoad.get(t.expert) ?? 0) + 1);
  });
  for (const [ref, n] of leaderLoad) if (n > R.caps.leader) bad(`组长${ref}担任${n}次，超过工作量上限${R.caps.leader}次`);
  for (const [ref, n] of officerLoad) if (n > R.caps.officer) bad(`执法人员${ref}担任${n}次，超过工作量上限${R.caps.officer}次`);
  for (const [ref, n] of expertLoad) {
    const cap = R.caps.expert?.[ref];
    if (cap === undefined || n > cap) bad(`专家${ref}担任${n}次，超过其工作量上限${String(cap ?? 0)}次`);
  }
  if (shown > MAX_ITEMS) add('teams.structure', `……另有${shown - MAX_ITEMS}处不符合`);
}

/** exclusions.rows (§2.2): each exclusion holds for its stated reason. */
function exclusionProblems(b: InternalBundle, add: (rule: string, message: string) => void): void {
  const start = b.parameters.campaignStart;
  const inPopulation = new Map(b.population.map((r) => [r.uscc, r]));
  let shown = 0;
  for (const x of b.exclusions) {
    let ok = true;
    switch (x.reason) {
      case 'expired':
        ok = typeof x.validTo === 'string' && x.validTo < start;
        break;
      case 'duplicate': {
        const kept = inPopulation.get(x.uscc);
        ok = kept !== undefined && (kept.validTo > x.validTo || (kept.validTo === x.validTo && kept.licenceNo <= x.licenceNo));
        break;
      }
      case 'invalid-code':
        ok = !isValidUscc(x.uscc);
        break;
      case 'invalid-category':
        ok = !(PRODUCT_CATEGORIES as readonly string[]).includes(x.category);
        break;
      case 'invalid-class':
        ok = !(RISK_CLASSES as readonly string[]).includes(x.riskClass);
        break;
      case 'invalid-date':
        ok = !isIsoDate(x.validTo);
        break;
      default:
        ok = false;
    }
    if (!ok && ++shown <= MAX_ITEMS) add('exclusions.rows', `企业${x.uscc}（许可证${x.licenceNo}）的排除理由“${x.reason}”不成立`);
  }
}
