/**
 * The published draw bundle: everything a third party needs to recompute a draw, and the check that does it.
 *
 * resultHash = SHA-256 (hex) of canonicalJson({
 *   algorithmVersion, attempt, prevLogHash, parameters, entropy, seed, populationHash, staffHash,
 *   counts, selection, teams, shortages, workloadCaps
 * }) — every field of the bundle except the two lists (bound through their hashes), the constant `format` and
 * `howToVerify`, and resultHash itself. The hash therefore changes with any input (an enterprise, a person, the
 * entropy, a parameter, the attempt number, the previous log hash) and with any output.
 */
import { canonicalJson, hashCanonical, isHex64, sha256Hex } from './canonical';
import {
  ALGORITHM_VERSION,
  DrawInputError,
  canonicalPopulation,
  computeCounts,
  deriveSeed,
  populationHash,
  selectEnterprises,
  strataSizes,
  type CanonicalEnterprise,
  type DrawCounts,
  type EnterpriseLike,
  type RiskRatios,
  type SelectedEnterprise,
} from './draw';
import {
  canonicalStaffList,
  formTeams,
  normalizeTeamRules,
  staffHash,
  type CanonicalStaff,
  type StaffLike,
  type Team,
  type TeamMember,
  type TeamRole,
  type TeamRules,
  type TeamShortage,
} from './teams';
import { RISK_CLASSES } from './types';

export const BUNDLE_FORMAT = 'spotcheck-draw-bundle';

export interface DrawParameters {
  riskRatios: RiskRatios;
  campaignRatio: number;
  teamRules: TeamRules;
}

export interface DrawParametersInput {
  riskRatios: RiskRatios;
  campaignRatio: number;
  teamRules?: Partial<TeamRules>;
}

export interface DrawInput {
  /** The eligible population (see eligiblePopulation). */
  enterprises: readonly EnterpriseLike[];
  staff: readonly StaffLike[];
  parameters: DrawParametersInput;
  /** Public entropy exactly as announced (e.g. a lottery result) or a generated random value. */
  entropy: string;
  /** 1 for the first attempt of a campaign's draw, 2 for the next … (default 1). */
  attempt?: number;
  /** Hash of the previous entry of the draw log (null: none). */
  prevLogHash?: string | null;
}

export interface DrawBundle {
  format: typeof BUNDLE_FORMAT;
  algorithmVersion: string;
  attempt: number;
  prevLogHash: string | null;
  parameters: DrawParameters;
  entropy: string;
  seed: string;
  populationHash: string;
  population: CanonicalEnterprise[];
  staffHash: string;
  staff: CanonicalStaff[];
  counts: DrawCounts;
  selection: SelectedEnterprise[];
  teams: Team[];
  shortages: TeamShortage[];
  workloadCaps: Record<TeamRole, number>;
  /** No shortage: every team is complete (otherwise the draw must be refused). */
  complete: boolean;
  resultHash: string;
  howToVerify: string;
}

export const HOW_TO_VERIFY =
  '核验方法：1. 将population按统一社会信用代码排序后做规范化JSON（键名排序、无空白），其SHA-256应等于populationHash；' +
  '2. seed = SHA-256(规范化JSON{"algorithm","entropy","populationHash"})；' +
  '3. 按parameters计算各层抽取数（风险等级比例向上取整，不足全市比例的逐家补足）；' +
  '4. 每层按HMAC-SHA256(seed, 统一社会信用代码)从小到大排序，取前若干家；' +
  '5. 按算法说明用seed派生的子种子组建检查组；' +
  '6. 对上述结果做规范化JSON求SHA-256，应等于resultHash。可用命令 npm run cli -- draw verify <文件> 自动核验。';

export function normalizeParameters(p: DrawParametersInput): DrawParameters {
  if (p === null || typeof p !== 'object') throw new DrawInputError('抽取参数缺失');
  if (p.riskRatios === null || typeof p.riskRatios !== 'object') throw new DrawInputError('缺少风险等级抽查比例');
  const riskRatios = {} as RiskRatios;
  for (const rc of RISK_CLASSES) riskRatios[rc] = p.riskRatios[rc];
  return { riskRatios, campaignRatio: p.campaignRatio, teamRules: normalizeTeamRules(p.teamRules) };
}

type HashedPart = Omit<DrawBundle, 'format' | 'population' | 'staff' | 'complete' | 'resultHash' | 'howToVerify'>;

/** The resultHash of a bundle's fields (see the module comment). */
export function computeResultHash(b: HashedPart): string {
  // Exactly the bytes of canonicalJson({algorithmVersion, …, workloadCaps}) (a test checks it), written out so that
  // the two large lists go through JSON.stringify's fast path: their items are rebuilt with keys in sorted order.
  const text =
    `{"algorithmVersion":${JSON.stringify(b.algorithmVersion)}` +
    `,"attempt":${JSON.stringify(b.attempt)}` +
    `,"counts":${canonicalJson(b.counts)}` +
    `,"entropy":${JSON.stringify(b.entropy)}` +
    `,"parameters":${canonicalJson(b.parameters)}` +
    `,"populationHash":${JSON.stringify(b.populationHash)}` +
    `,"prevLogHash":${JSON.stringify(b.prevLogHash)}` +
    `,"seed":${JSON.stringify(b.seed)}` +
    `,"selection":${JSON.stringify(b.selection.map(sortedSelected))}` +
    `,"shortages":${canonicalJson(b.shortages)}` +
    `,"staffHash":${JSON.stringify(b.staffHash)}` +
    `,"teams":${JSON.stringify(b.teams.map(sortedTeam))}` +
    `,"workloadCaps":${canonicalJson(b.workloadCaps)}}`;
  return sha256Hex(text);
}

/** The resultHash written the slow, obviously canonical way (for tests and as the definition). */
export function computeResultHashReference(b: HashedPart): string {
  return hashCanonical({
    algorithmVersion: b.algorithmVersion,
    attempt: b.attempt,
    prevLogHash: b.prevLogHash,
    parameters: b.parameters,
    entropy: b.entropy,
    seed: b.seed,
    populationHash: b.populationHash,
    staffHash: b.staffHash,
    counts: b.counts,
    selection: b.selection,
    teams: b.teams,
    shortages: b.shortages,
    workloadCaps: b.workloadCaps,
  });
}

// Keys inserted in sorted order: JSON.stringify then writes them canonically.
function sortedSelected(e: SelectedEnterprise): Record<string, unknown> {
  return {
    category: e.category,
    county: e.county,
    licenceNo: e.licenceNo,
    name: e.name,
    no: e.no,
    product: e.product,
    rank: e.rank,
    riskClass: e.riskClass,
    score: e.score,
    stratum: e.stratum,
    uscc: e.uscc,
  };
}

function sortedMember(m: TeamMember | null): Record<string, unknown> | null {
  return m === null ? null : { county: m.county, name: m.name, openId: m.openId, unit: m.unit };
}

function sortedTeam(t: Team): Record<string, unknown> {
  return {
    category: t.category,
    complete: t.complete,
    county: t.county,
    expert: sortedMember(t.expert),
    expertMatch: t.expertMatch,
    leader: sortedMember(t.leader),
    name: t.name,
    no: t.no,
    officers: t.officers.map(sortedMember),
    uscc: t.uscc,
  };
}

/** Runs the whole draw (counts, selection, teams) and packs it with its inputs. Pure and deterministic. */
export function buildBundle(input: DrawInput): DrawBundle {
  const attempt = input.attempt ?? 1;
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new DrawInputError('抽取次数应为正整数');
  const prevLogHash = input.prevLogHash ?? null;
  if (prevLogHash !== null && !isHex64(prevLogHash)) throw new DrawInputError('前一条日志哈希格式错误');
  const parameters = normalizeParameters(input.parameters);

  const population = canonicalPopulation(input.enterprises);
  const popHash = populationHash(population);
  const seed = deriveSeed(input.entropy, popHash);
  const counts = computeCounts(strataSizes(population), parameters);
  const selection = selectEnterprises(population, counts, seed);

  const staff = canonicalStaffList(input.staff);
  const teamsResult = formTeams(selection, staff, parameters.teamRules, seed);

  const hashed: HashedPart = {
    algorithmVersion: ALGORITHM_VERSION,
    attempt,
    prevLogHash,
    parameters,
    entropy: input.entropy,
    seed,
    populationHash: popHash,
    staffHash: staffHash(staff),
    counts,
    selection,
    teams: teamsResult.teams,
    shortages: teamsResult.shortages,
    workloadCaps: teamsResult.caps,
  };
  return {
    format: BUNDLE_FORMAT,
    ...hashed,
    population,
    staff,
    complete: teamsResult.shortages.length === 0,
    resultHash: computeResultHash(hashed),
    howToVerify: HOW_TO_VERIFY,
  };
}

export interface BundleVerification {
  ok: boolean;
  /** Chinese, human-readable, e.g. '第3号抽中企业不一致（公布：…；重算：…）'. */
  problems: string[];
}

const MAX_ITEM_PROBLEMS = 20;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Equality of JSON values as canonical JSON sees it (key order and undefined properties do not matter). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const k of Object.keys(ra)) {
    if (ra[k] === undefined) continue;
    defined++;
    if (!Object.prototype.hasOwnProperty.call(rb, k) || !same(ra[k], rb[k])) return false;
  }
  for (const k of Object.keys(rb)) if (rb[k] !== undefined) defined--;
  return defined === 0;
}

const HASHED_FIELDS = [
  'algorithmVersion', 'attempt', 'prevLogHash', 'parameters', 'entropy', 'seed', 'populationHash', 'staffHash',
  'counts', 'selection', 'teams', 'shortages', 'workloadCaps',
] as const;

function describe(e: unknown): string {
  if (isRecord(e) && typeof e.name === 'string' && typeof e.uscc === 'string') return `${e.name}（${e.uscc}）`;
  return '无';
}

function memberIds(team: unknown, field: 'leader' | 'expert'): string {
  if (!isRecord(team)) return '';
  const m = team[field];
  return isRecord(m) && typeof m.openId === 'string' ? m.openId : '';
}

function officerIds(team: unknown): string {
  if (!isRecord(team) || !Array.isArray(team.officers)) return '';
  return team.officers.map((o) => (isRecord(o) && typeof o.openId === 'string' ? o.openId : '?')).join(',');
}

/**
 * Recomputes the draw from the bundle's own inputs and compares everything. Never throws: a malformed bundle gives
 * problems too.
 */
export function verifyBundle(bundle: unknown): BundleVerification {
  const problems: string[] = [];
  const done = (): BundleVerification => ({ ok: problems.length === 0, problems });
  if (!isRecord(bundle)) {
    problems.push('文件不是有效的抽取结果包（应为JSON对象）');
    return done();
  }
  if (bundle.format !== BUNDLE_FORMAT) problems.push(`文件格式标识不是${BUNDLE_FORMAT}`);
  if (bundle.algorithmVersion !== ALGORITHM_VERSION) {
    problems.push(`不支持的算法版本：${String(bundle.algorithmVersion)}（本程序支持${ALGORITHM_VERSION}）`);
    return done();
  }
  const missing: string[] = [];
  const need = (field: string, ok: (v: unknown) => boolean): void => {
    if (!ok(bundle[field])) missing.push(field);
  };
  const isText = (v: unknown): boolean => typeof v === 'string';
  need('attempt', (v) => Number.isSafeInteger(v) && (v as number) >= 1);
  need('prevLogHash', (v) => v === null || isHex64(v));
  need('parameters', isRecord);
  need('entropy', isText);
  need('seed', isHex64);
  need('populationHash', isHex64);
  need('population', Array.isArray);
  need('staffHash', isHex64);
  need('staff', Array.isArray);
  need('counts', isRecord);
  need('selection', Array.isArray);
  need('teams', Array.isArray);
  need('shortages', Array.isArray);
  need('workloadCaps', isRecord);
  need('resultHash', isHex64);
  if (missing.length > 0) {
    problems.push(`抽取结果包缺少字段或字段格式错误：${missing.join('、')}`);
    return done();
  }
  const b = bundle as unknown as DrawBundle;

  // Recompute from the inputs.
  let rebuilt: DrawBundle | null = null;
  let rebuildError = '';
  try {
    rebuilt = buildBundle({
      enterprises: b.population,
      staff: b.staff,
      parameters: b.parameters as DrawParametersInput,
      entropy: b.entropy,
      attempt: b.attempt,
      prevLogHash: b.prevLogHash,
    });
  } catch (e) {
    rebuildError = e instanceof Error ? e.message : String(e);
  }

  // The declared result hash against the declared content (when that content equals the recomputed one, the
  // recomputed hash stands for it and the second canonicalisation is saved).
  let declaredHashOk: boolean;
  if (rebuilt !== null && HASHED_FIELDS.every((f) => same(rebuilt[f], b[f]))) {
    declaredHashOk = rebuilt.resultHash === b.resultHash;
  } else {
    try {
      declaredHashOk = computeResultHash(b) === b.resultHash;
    } catch {
      declaredHashOk = false;
    }
  }
  if (!declaredHashOk) problems.push('结果哈希与包内容不符（包内容在生成后被修改过）');
  if (rebuilt === null) {
    problems.push(`无法按包内输入重算：${rebuildError}`);
    return done();
  }

  if (rebuilt.populationHash !== b.populationHash) {
    problems.push(
      `名录哈希不一致：包内企业名录重算的哈希为${rebuilt.populationHash}，与公布的名录哈希${b.populationHash}不符（名录被修改过）`,
    );
  }
  let seedFromDeclared = '';
  try {
    seedFromDeclared = deriveSeed(b.entropy, b.populationHash);
  } catch {
    seedFromDeclared = '';
  }
  if (seedFromDeclared !== b.seed) problems.push('种子不一致：由公开随机数和名录哈希计算的种子与公布的种子不符');
  if (rebuilt.staffHash !== b.staffHash) problems.push('人员名录哈希不一致：包内人员名录与公布的哈希不符（人员名录被修改过）');
  if (!same(rebuilt.parameters, b.parameters)) problems.push('抽取参数不完整或不规范（与重算时采用的参数不一致）');

  // Counts.
  const declaredStrata = Array.isArray(b.counts.strata) ? b.counts.strata : [];
  for (const s of rebuilt.counts.strata) {
    const d: unknown = declaredStrata.find((x: unknown) => isRecord(x) && x.label === s.label);
    const declaredCount = isRecord(d) ? d.count : undefined;
    if (declaredCount !== s.count) {
      problems.push(`${s.label}抽取数不一致（公布${String(declaredCount ?? '无')}家，重算${s.count}家）`);
    }
  }
  if (!same(rebuilt.counts, b.counts)) {
    if (rebuilt.counts.total !== b.counts.total) {
      problems.push(`抽取总数不一致（公布${String(b.counts.total)}家，重算${rebuilt.counts.total}家）`);
    } else if (!problems.some((p) => p.includes('抽取数不一致'))) {
      problems.push('抽取数的计算说明与重算结果不一致');
    }
  }

  // Selection.
  let itemProblems = 0;
  const item = (text: string): void => {
    itemProblems++;
    if (itemProblems <= MAX_ITEM_PROBLEMS) problems.push(text);
  };
  if (rebuilt.selection.length !== b.selection.length) {
    problems.push(`抽中企业数量不一致（公布${b.selection.length}家，重算${rebuilt.selection.length}家）`);
  }
  const n = same(rebuilt.selection, b.selection) ? 0 : Math.max(rebuilt.selection.length, b.selection.length);
  for (let i = 0; i < n; i++) {
    const want = rebuilt.selection[i];
    const got: unknown = b.selection[i];
    if (same(want, got)) continue;
    const gotUscc = isRecord(got) ? got.uscc : undefined;
    if (want !== undefined && gotUscc === want.uscc) item(`第${i + 1}号抽中企业信息不一致（${describe(want)}）`);
    else item(`第${i + 1}号抽中企业不一致（公布：${describe(got)}；重算：${describe(want)}）`);
  }

  // Teams.
  const m = same(rebuilt.teams, b.teams) ? 0 : Math.max(rebuilt.teams.length, b.teams.length);
  if (rebuilt.teams.length !== b.teams.length) {
    problems.push(`检查组数量不一致（公布${b.teams.length}个，重算${rebuilt.teams.length}个）`);
  }
  for (let i = 0; i < m; i++) {
    const want = rebuilt.teams[i];
    const got: unknown = b.teams[i];
    if (same(want, got)) continue;
    const parts: string[] = [];
    if (memberIds(want, 'leader') !== memberIds(got, 'leader')) parts.push('组长');
    if (officerIds(want) !== officerIds(got)) parts.push('执法人员');
    if (memberIds(want, 'expert') !== memberIds(got, 'expert')) parts.push('专家');
    item(`第${i + 1}号企业的检查组不一致（${parts.length > 0 ? parts.join('、') : '组信息'}）`);
  }
  if (itemProblems > MAX_ITEM_PROBLEMS) problems.push(`……另有${itemProblems - MAX_ITEM_PROBLEMS}处不一致`);

  if (!same(rebuilt.shortages, b.shortages)) problems.push('缺员情况与重算结果不一致');
  if (!same(rebuilt.workloadCaps, b.workloadCaps)) problems.push('工作量上限与重算结果不一致');
  if (b.complete !== rebuilt.complete) problems.push('“是否全部组齐”标记与重算结果不一致');
  if (rebuilt.resultHash !== b.resultHash && declaredHashOk && problems.length === 0) {
    problems.push('结果哈希与重算结果不一致');
  }
  return done();
}
