/**
 * platform-import/1 (docs/draw-spec.md §14): a draw made on the national “双随机、一公开” platform and imported from
 * its export. The bot draws nothing: the result is the matched file, numbered, hashed, chained in the campaign's log
 * (entry kind `platform`) and packed into an internal and a public bundle. `verifyPlatform` checks what such a
 * bundle can show — the file's hash, the result's hashes and the log chain — and says plainly that the randomness
 * came from the platform and cannot be recomputed. Pure.
 */
import type { MatchedFirm, MemberRole } from '../platformDraw';
import type { ProductCategory, RiskClass } from '../types';
import { chainProblems, isConfirmedDrawEntry, logEntryProblems, peopleProblems, redrawReasonProblems, type RuleProblem } from './chain';
import { personRef } from './inputs';
import { cmpText, isHex64, jcs, jcsHash } from './jcs';
import { BUNDLE_FORMAT, CITY, type CampaignRef, type HashedLogEntry, type PublicMember } from './model';

export const PLATFORM_ALGORITHM = 'platform-import/1';
/** The chain entry of an imported draw (§14.3). */
export const PLATFORM_LOG_KIND = 'platform';
/** The draw's source as the log and the bundles name it. */
export const PLATFORM_SOURCE = '平台';

/** Said wherever such a draw is shown or verified. */
export const PLATFORM_RANDOMNESS =
  '本次抽取的随机性来自国家“双随机、一公开”监管平台：企业和检查人员是在平台上随机抽取、匹配的，本系统只导入了平台导出的结果，' +
  '没有进行随机抽取，也无法复算抽取过程。核验只检查数据包自身的哈希（导入文件的 SHA-256、抽取结果和检查组的哈希）与抽取日志链。';

export interface PlatformFile {
  name: string;
  size: number;
  /** hex SHA-256 of the file's bytes */
  sha256: string;
}

/** The hashed outcome (§14.2). People appear as refs (§2.5). */
export interface PlatformResult {
  algorithm: typeof PLATFORM_ALGORITHM;
  file: string;
  selection: { no: number; uscc: string; licenceNo: string; taskNo: string | null }[];
  teams: { no: number; members: { ref: string; role: MemberRole }[] }[];
}

/** The readable rendering of the result (internal bundle; also what the dispatch needs). Not hashed. */
export interface PlatformDetails {
  selection: {
    no: number;
    uscc: string;
    name: string;
    licenceNo: string;
    county: string;
    product: string;
    category: ProductCategory;
    riskClass: RiskClass;
    taskNo: string | null;
    /** the line of the file, and the 企业名称 as the file had it */
    line: number;
    fileName: string;
  }[];
  teams: {
    no: number;
    uscc: string;
    name: string;
    county: string;
    members: { role: MemberRole; ref: string; openId: string; name: string; unit: string; county: string }[];
  }[];
  /** the platform's teams are complete as imported: no shortages (kept for the dispatch's shape) */
  shortages: { no: number; blocking: boolean; reason: string }[];
  /** the warnings shown at the preview, by line */
  warnings: { line?: number; reason: string }[];
}

export interface PlatformOutcome {
  result: PlatformResult;
  details: PlatformDetails;
  selectionHash: string;
  teamsHash: string;
  resultHash: string;
}

/**
 * The result of a matched file: firms numbered by county, then 统一社会信用代码 (code-unit order), as the bot's own
 * draw numbers them (§5.2); each team in the file's order with its 组长 first.
 */
export function platformOutcome(firms: readonly MatchedFirm[], file: PlatformFile, warnings: PlatformDetails['warnings'] = []): PlatformOutcome {
  const ordered = [...firms].sort((a, b) => cmpText(a.enterprise.county, b.enterprise.county) || cmpText(a.enterprise.uscc, b.enterprise.uscc));
  const selection: PlatformResult['selection'] = [];
  const teams: PlatformResult['teams'] = [];
  const details: PlatformDetails = { selection: [], teams: [], shortages: [], warnings: [...warnings] };
  ordered.forEach((f, i) => {
    const no = i + 1;
    const e = f.enterprise;
    selection.push({ no, uscc: e.uscc, licenceNo: e.licenceNo, taskNo: f.taskNo });
    const members = f.team.map((m) => ({ role: m.role, ref: personRef(m.openId), openId: m.openId, name: m.name, unit: m.unit, county: m.county }));
    teams.push({ no, members: members.map((m) => ({ ref: m.ref, role: m.role })) });
    details.selection.push({
      no,
      uscc: e.uscc,
      name: e.name,
      licenceNo: e.licenceNo,
      county: e.county,
      product: e.product,
      category: e.category,
      riskClass: e.riskClass,
      taskNo: f.taskNo,
      line: f.line,
      fileName: f.fileName,
    });
    details.teams.push({ no, uscc: e.uscc, name: e.name, county: e.county, members });
  });
  const result: PlatformResult = { algorithm: PLATFORM_ALGORITHM, file: file.sha256, selection, teams };
  return { result, details, selectionHash: jcsHash(selection), teamsHash: jcsHash(teams), resultHash: jcsHash(result) };
}

/** The data of the `platform` chain entry (§14.3). */
export interface PlatformEntryData {
  algorithm: typeof PLATFORM_ALGORITHM;
  attempt: number;
  by: string;
  drawId: string;
  file: PlatformFile;
  firms: number;
  reason: string | null;
  resultHash: string;
  selectionHash: string;
  source: typeof PLATFORM_SOURCE;
  supersedes: number[];
  teamsHash: string;
  /** §14.4: H(JCS({firms, members, names})) of the public bundle's listing (absent in imports made before it) */
  publicHash?: string;
  names?: 'names' | 'pseudonyms';
}

/** What the public bundle of an import lists (§14.4); its hash is logged in the `platform` entry. */
export interface PlatformListing {
  firms: { county: string; licenceNo: string; name: string; no: number; taskNo: string | null; uscc: string }[];
  members: Record<string, PublicMember>;
  names: 'names' | 'pseudonyms';
}

/** §14.4: the public listing of an import, from its details (registry names, licences, counties; members). */
export function platformListing(details: Pick<PlatformDetails, 'selection' | 'teams'>, names: 'names' | 'pseudonyms'): PlatformListing {
  const firms = details.selection.map((s) => ({ county: s.county, licenceNo: s.licenceNo, name: s.name, no: s.no, taskNo: s.taskNo ?? null, uscc: s.uscc }));
  const found = new Map<string, PublicMember>();
  for (const t of details.teams) {
    for (const m of t.members) {
      if (found.has(m.ref)) continue;
      found.set(m.ref, { display: names === 'names' ? m.name : `检查人员${m.ref.slice(0, 6).toUpperCase()}`, level: m.county === CITY ? '市局' : '县区', unit: m.unit });
    }
  }
  const members: Record<string, PublicMember> = {};
  for (const ref of [...found.keys()].sort()) members[ref] = found.get(ref)!;
  return { firms, members, names };
}

export function platformListingHash(l: PlatformListing): string {
  return jcsHash({ firms: l.firms, members: l.members, names: l.names });
}

export function platformEntryData(input: {
  drawId: string;
  attempt: number;
  byOpenId: string;
  file: PlatformFile;
  reason: string | null;
  outcome: Pick<PlatformOutcome, 'result' | 'resultHash' | 'selectionHash' | 'teamsHash'>;
  supersedes: number[];
  /** the public listing (§14.4), its hash logged */
  listing: PlatformListing;
}): PlatformEntryData {
  return {
    publicHash: platformListingHash(input.listing),
    names: input.listing.names,
    algorithm: PLATFORM_ALGORITHM,
    attempt: input.attempt,
    by: personRef(input.byOpenId),
    drawId: input.drawId,
    file: { name: input.file.name, size: input.file.size, sha256: input.file.sha256 },
    firms: input.outcome.result.selection.length,
    reason: input.reason,
    resultHash: input.outcome.resultHash,
    selectionHash: input.outcome.selectionHash,
    source: PLATFORM_SOURCE,
    supersedes: input.supersedes,
    teamsHash: input.outcome.teamsHash,
  };
}

// ---- bundles (§14.4) -------------------------------------------------------------------------------------------

export const PLATFORM_HOW_TO_VERIFY_INTERNAL =
  '内部数据包（监管平台抽取结果的导入；含企业信用风险等级和人员OpenID，供市局和纪检部门核验，不得公开）。' +
  `核验：npm run cli -- draw verify <本文件> [--file <平台导出的原文件>]。${PLATFORM_RANDOMNESS}格式见 docs/draw-spec.md 第14节。`;

export const PLATFORM_HOW_TO_VERIFY_PUBLIC =
  '公开数据包（监管平台抽取结果的导入：抽中企业、检查人员姓名或化名、全部哈希和抽取日志链，可公开发布）。' +
  `核验：npm run cli -- draw verify <本文件>。${PLATFORM_RANDOMNESS}格式见 docs/draw-spec.md 第14节。`;

interface PlatformBundleCommon {
  format: typeof BUNDLE_FORMAT;
  algorithm: typeof PLATFORM_ALGORITHM;
  drawId: string;
  campaign: CampaignRef;
  attempt: number;
  source: typeof PLATFORM_SOURCE;
  randomness: string;
  file: PlatformFile;
  reason: string | null;
  result: PlatformResult;
  hashes: { file: string; selection: string; teams: string; result: string };
  log: HashedLogEntry[];
  howToVerify: string;
}

export interface PlatformInternalBundle extends PlatformBundleCommon {
  kind: 'internal';
  details: PlatformDetails;
  /** everyone named by a `by` ref in the log */
  people: Record<string, { openId: string; name: string }>;
}

export interface PlatformPublicBundle extends PlatformBundleCommon {
  kind: 'public';
  firms: { no: number; uscc: string; name: string; licenceNo: string; county: string; taskNo: string | null }[];
  members: Record<string, PublicMember>;
  names: 'names' | 'pseudonyms';
}

export function buildPlatformBundles(input: {
  drawId: string;
  campaign: CampaignRef;
  attempt: number;
  file: PlatformFile;
  reason: string | null;
  outcome: PlatformOutcome;
  log: HashedLogEntry[];
  people: Record<string, { openId: string; name: string }>;
  /** names or pseudonyms, as the `platform` entry logged it */
  names: 'names' | 'pseudonyms';
}): { internal: PlatformInternalBundle; public: PlatformPublicBundle } {
  const o = input.outcome;
  const common = {
    format: BUNDLE_FORMAT,
    algorithm: PLATFORM_ALGORITHM,
    drawId: input.drawId,
    campaign: input.campaign,
    attempt: input.attempt,
    source: PLATFORM_SOURCE,
    randomness: PLATFORM_RANDOMNESS,
    file: input.file,
    reason: input.reason,
    result: o.result,
    hashes: { file: input.file.sha256, selection: o.selectionHash, teams: o.teamsHash, result: o.resultHash },
    log: input.log,
  } as const;
  const listing = platformListing(o.details, input.names);
  return {
    internal: { ...common, kind: 'internal', details: o.details, people: input.people, howToVerify: PLATFORM_HOW_TO_VERIFY_INTERNAL },
    public: {
      ...common,
      kind: 'public',
      firms: listing.firms,
      members: listing.members,
      names: listing.names,
      howToVerify: PLATFORM_HOW_TO_VERIFY_PUBLIC,
    },
  };
}

// ---- verification (§14.5) ----------------------------------------------------------------------------------------

export interface PlatformVerification {
  ok: boolean;
  kind: 'internal' | 'public' | null;
  problems: RuleProblem[];
  summary: { attempt: number | null; selected: number; resultHash: string | null; fileSha256: string | null };
}

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

function hashOf(v: unknown): string {
  try {
    return jcsHash(v);
  } catch {
    return '';
  }
}

const MAX_ITEMS = 20;
const ROLES: readonly string[] = ['组长', '执法人员', '专家'];

/**
 * §14.5. `fileBytesSha256`: the SHA-256 of the platform's original export, when the verifier was given it
 * (`draw verify <bundle> --file <export>`), checked against the bundle (rule `file.bytes`).
 */
export function verifyPlatform(bundle: unknown, fileBytesSha256?: string): PlatformVerification {
  const problems: RuleProblem[] = [];
  const add = (rule: string, message: string): void => {
    problems.push({ rule, message });
  };
  const b = isRecord(bundle) ? bundle : {};
  const out = (kind: PlatformVerification['kind']): PlatformVerification => {
    const result = isRecord(b.result) ? b.result : {};
    const file = isRecord(b.file) ? b.file : {};
    return {
      ok: problems.length === 0,
      kind,
      problems,
      summary: {
        attempt: Number.isSafeInteger(b.attempt) ? (b.attempt as number) : null,
        selected: Array.isArray(result.selection) ? result.selection.length : 0,
        resultHash: isRecord(b.hashes) && typeof b.hashes.result === 'string' ? b.hashes.result : null,
        fileSha256: typeof file.sha256 === 'string' ? file.sha256 : null,
      },
    };
  };
  if (b.format !== BUNDLE_FORMAT || b.algorithm !== PLATFORM_ALGORITHM) {
    add('bundle.format', `文件不是 ${PLATFORM_ALGORITHM} 抽取数据包`);
    return out(null);
  }
  const kind = b.kind === 'internal' || b.kind === 'public' ? b.kind : null;
  if (kind === null) {
    add('bundle.format', '数据包类型（kind）应为 internal 或 public');
    return out(null);
  }
  const missing: string[] = [];
  const need = (field: string, ok: (v: unknown) => boolean): void => {
    if (!ok(b[field])) missing.push(field);
  };
  need('drawId', (v) => typeof v === 'string');
  need('campaign', (v) => isRecord(v) && typeof v.id === 'string');
  need('attempt', (v) => Number.isSafeInteger(v) && (v as number) >= 1);
  need('source', (v) => v === PLATFORM_SOURCE);
  need('file', (v) => isRecord(v) && typeof v.name === 'string' && Number.isSafeInteger(v.size) && isHex64(v.sha256));
  need('result', (v) => isRecord(v) && v.algorithm === PLATFORM_ALGORITHM && Array.isArray(v.selection) && Array.isArray(v.teams));
  need('hashes', isRecord);
  need('log', Array.isArray);
  if (kind === 'internal') {
    need('details', (v) => isRecord(v) && Array.isArray(v.selection) && Array.isArray(v.teams));
  } else {
    need('firms', Array.isArray);
    need('members', isRecord);
  }
  if (missing.length > 0) {
    add('bundle.format', `数据包缺少字段或字段格式错误：${missing.join('、')}`);
    return out(kind);
  }
  const campaign = b.campaign as CampaignRef;
  const file = b.file as unknown as PlatformFile;
  const R = b.result as unknown as PlatformResult;
  const hashes = b.hashes as Record<string, unknown>;
  const log = b.log as HashedLogEntry[];

  // ---- the log ---------------------------------------------------------------------------------------------------
  problems.push(...chainProblems(log, campaign.id));
  problems.push(...logEntryProblems(log));
  const idx = log.findIndex((e) => isRecord(e) && e.kind === PLATFORM_LOG_KIND && isRecord(e.data) && e.data.drawId === b.drawId);
  const entry = idx >= 0 ? (log[idx]!.data as unknown as PlatformEntryData) : null;
  if (entry === null) add('draw.platform', '日志中没有这次导入（监管平台抽取结果）的记录');
  else {
    if (idx !== log.length - 1) add('draw.platform', '导入记录应为数据包中日志的最后一条');
    const before = log.slice(0, idx).filter(isConfirmedDrawEntry).length;
    if (entry.attempt !== before + 1) add('attempt', `日志中这次导入之前有${before}次确认的抽取，本次应为第${before + 1}次，记录为第${String(entry.attempt)}次`);
    if (b.attempt !== entry.attempt) add('attempt', `数据包声明为第${String(b.attempt)}次抽取，日志记录为第${String(entry.attempt)}次`);
    if (entry.source !== PLATFORM_SOURCE || entry.algorithm !== PLATFORM_ALGORITHM) add('draw.platform', '导入记录的来源或算法不符');
    if (!same(entry.reason ?? null, b.reason ?? null)) add('draw.platform', '数据包中的重新抽取理由与日志不符');
  }
  problems.push(...redrawReasonProblems(log));

  // ---- the file ---------------------------------------------------------------------------------------------------
  if (file.sha256 !== hashes.file || R.file !== file.sha256) add('file.hash', '数据包中的文件哈希前后不一致');
  if (entry !== null && (!isRecord(entry.file) || entry.file.sha256 !== file.sha256 || entry.file.size !== file.size || entry.file.name !== file.name)) {
    add('file.hash', '导入文件的名称、大小或 SHA-256 与日志中记录的不符');
  }
  if (fileBytesSha256 !== undefined && fileBytesSha256 !== file.sha256) {
    add('file.bytes', `给出的文件 SHA-256 为 ${fileBytesSha256}，与数据包记录的导入文件（${file.sha256}）不是同一个文件`);
  }

  // ---- the result ------------------------------------------------------------------------------------------------
  const selectionHash = hashOf(R.selection);
  const teamsHash = hashOf(R.teams);
  const resultHash = hashOf(R);
  if (selectionHash !== hashes.selection || (entry !== null && entry.selectionHash !== selectionHash)) {
    add('result.hash', '抽中企业名单的哈希与日志中记录的不符（名单在导入后被改动过）');
  }
  if (teamsHash !== hashes.teams || (entry !== null && entry.teamsHash !== teamsHash)) add('result.hash', '检查组的哈希与日志中记录的不符（检查组在导入后被改动过）');
  if (resultHash !== hashes.result || (entry !== null && entry.resultHash !== resultHash)) add('result.hash', '抽取结果的哈希与日志中记录的不符');
  if (entry !== null && entry.firms !== R.selection.length) add('result.hash', `日志记录导入${String(entry.firms)}家企业，结果中有${R.selection.length}家`);

  // ---- structure ---------------------------------------------------------------------------------------------------
  let shown = 0;
  const bad = (message: string): void => {
    if (++shown <= MAX_ITEMS) add('teams.structure', message);
  };
  const codes = new Set<string>();
  R.selection.forEach((s, i) => {
    if (!isRecord(s) || s.no !== i + 1) bad(`第${i + 1}家抽中企业的序号应为${i + 1}`);
    else if (codes.has(s.uscc)) bad(`企业${s.uscc}出现了两次`);
    else codes.add(s.uscc);
  });
  if (R.teams.length !== R.selection.length) bad(`检查组${R.teams.length}个，与抽中企业${R.selection.length}家不符`);
  R.teams.forEach((t, i) => {
    if (!isRecord(t) || t.no !== i + 1 || !Array.isArray(t.members)) {
      bad(`第${i + 1}个检查组的格式或序号不正确`);
      return;
    }
    const refs = t.members.map((m) => m.ref);
    if (new Set(refs).size !== refs.length) bad(`第${t.no}号企业的检查组中有人重复`);
    if (t.members.filter((m) => m.role === '组长').length !== 1 || t.members[0]?.role !== '组长') bad(`第${t.no}号企业的检查组应有且只有一名组长（列在第一位）`);
    if (t.members.some((m) => !ROLES.includes(m.role))) bad(`第${t.no}号企业的检查组中有角色不是组长、执法人员或专家`);
  });
  if (shown > MAX_ITEMS) add('teams.structure', `……另有${shown - MAX_ITEMS}处不符合`);

  if (kind === 'public') {
    const pub = b as unknown as PlatformPublicBundle;
    const firms = pub.firms.map((f) => ({ no: f.no, uscc: f.uscc, licenceNo: f.licenceNo, taskNo: f.taskNo ?? null }));
    if (!same(firms, R.selection)) add('public.firms', '公开的抽中企业名单与结果中的不一致');
    const missingMembers = R.teams.flatMap((t) => t.members.map((m) => m.ref)).filter((ref) => !isRecord(pub.members[ref]));
    if (missingMembers.length > 0) add('public.firms', `${missingMembers.length}名检查组成员没有公开的姓名或化名`);
    if (entry !== null && entry.publicHash !== undefined) {
      let h = '';
      try {
        h = platformListingHash({ firms: pub.firms as PlatformListing['firms'], members: pub.members, names: pub.names });
      } catch {
        h = '';
      }
      if (h !== entry.publicHash) add('public.hash', '公开名单（企业名称、许可证编号、县区、任务编号、人员姓名或化名、单位、层级）的哈希与日志中导入时记录的不符（名单被改动过）');
      if (pub.names !== entry.names) add('public.hash', '公开名单显示姓名还是化名，与日志中导入时记录的不符');
    }
    return out(kind);
  }

  const ib = b as unknown as PlatformInternalBundle;
  peopleProblems(ib, log, add);
  const dSel = ib.details.selection.map((s) => ({ no: s.no, uscc: s.uscc, licenceNo: s.licenceNo, taskNo: s.taskNo ?? null }));
  const dTeams = ib.details.teams.map((t) => ({
    no: t.no,
    members: Array.isArray(t.members) ? t.members.map((m) => ({ ref: typeof m.openId === 'string' ? personRef(m.openId) : '', role: m.role })) : [],
  }));
  if (!same(dSel, R.selection) || !same(dTeams, R.teams)) {
    add('details.render', '数据包中供阅读的明细（企业、组员及其OpenID）与抽取结果不一致');
  }
  if (entry !== null && entry.publicHash !== undefined && (entry.names === 'names' || entry.names === 'pseudonyms')) {
    let h = '';
    try {
      h = platformListingHash(platformListing(ib.details, entry.names));
    } catch {
      h = '';
    }
    if (h !== entry.publicHash) add('public.hash', '按明细重建的公开名单的哈希与日志中导入时记录的不符');
  }
  return out(kind);
}

/** What `draw verify` prints for a platform bundle that passed. */
export function platformVerifiedLines(v: PlatformVerification, b: { attempt: number; hashes: { result: string }; file: PlatformFile }): string[] {
  return [
    `核验通过（监管平台抽取结果，${v.kind === 'public' ? '可公开数据包' : '内部数据包'}）：第${b.attempt}次抽取，${v.summary.selected}家企业；` +
      '导入文件的哈希、抽中企业名单和检查组的哈希与抽取日志一致，日志链完整。',
    `注意：${PLATFORM_RANDOMNESS}`,
    `导入文件 ${b.file.name}，SHA-256 ${b.file.sha256}（可与平台导出的原文件核对：draw verify <本文件> --file <原文件>）`,
    `结果哈希 ${b.hashes.result}`,
  ];
}
