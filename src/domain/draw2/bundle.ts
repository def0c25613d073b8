/**
 * §9: the two bundles of a confirmed draw. The internal one carries every input (for the bureau and its discipline
 * office: 纪检); the public one what may be published. Both carry every hash and the campaign's log.
 */
import type { Catalogue } from '../catalogue';
import type { Computed } from './compute';
import { exclusionsHash, personRef, staffHash } from './inputs';
import { jcsHash, sha256Text, jcs } from './jcs';
import {
  ALGORITHM,
  BUNDLE_FORMAT,
  CITY,
  type BundleDetails,
  type BundleHashes,
  type CampaignRef,
  type Commitment,
  type ExclusionRow,
  type HashedLogEntry,
  type InternalBundle,
  type Parameters,
  type PopulationRow,
  type PublicBundle,
  type PublicMember,
  type StaffRow,
} from './model';
import { botValueHash, commitmentHash } from './seed';

export const HOW_TO_VERIFY_INTERNAL =
  '内部数据包（含企业信用风险等级、人员OpenID与回避名单，供市局和纪检部门核验，不得公开）。' +
  '核验：npm run cli -- draw verify <本文件>，逐项重算名录哈希、人员哈希、承诺、种子、抽中企业、检查组、结果哈希和抽取日志链；' +
  '算法见 docs/draw-spec.md（spotcheck-draw/2），docs/draw-vectors/verify.py 为独立实现。';

export const HOW_TO_VERIFY_PUBLIC =
  '公开数据包（可公开发布：抽中企业、各层企业数与抽取数、检查人员姓名或化名、全部哈希和抽取日志链，不含企业信用风险等级和人员OpenID）。' +
  '核验：npm run cli -- draw verify <本文件>，可核对日志链、承诺先于开奖、种子、结果哈希、各层抽取数和检查组构成；' +
  '抽中哪些企业、由谁检查需用内部数据包重算。算法见 docs/draw-spec.md（spotcheck-draw/2）。';

export interface BundleInput {
  drawId: string;
  campaign: CampaignRef;
  attempt: number;
  parameters: Parameters;
  catalogue: Catalogue;
  population: PopulationRow[];
  exclusions: ExclusionRow[];
  staff: StaffRow[];
  commitment: Commitment;
  botValue: string;
  entropy: string;
  computed: Computed;
  unknownValues: BundleDetails['unknownValues'];
  log: HashedLogEntry[];
  /** everyone named by `by` in the log */
  people: Record<string, { openId: string; name: string }>;
  names: 'names' | 'pseudonyms';
}

export function resultHash(result: unknown): string {
  return sha256Text(jcs(result));
}

export function bundleHashes(input: Pick<BundleInput, 'parameters' | 'catalogue' | 'exclusions' | 'staff' | 'commitment' | 'botValue' | 'computed'>): BundleHashes {
  const c = input.commitment;
  return {
    population: c.populationHash,
    staff: staffHash(input.staff),
    exclusions: exclusionsHash(input.exclusions),
    parameters: jcsHash(input.parameters),
    catalogue: input.parameters.catalogue.hash,
    commitment: commitmentHash(c),
    botValue: botValueHash(input.botValue),
    result: input.computed.resultHash,
  };
}

export function pseudonym(ref: string): string {
  return `检查人员${ref.slice(0, 6).toUpperCase()}`;
}

export function buildBundles(input: BundleInput): { internal: InternalBundle; public: PublicBundle } {
  const hashes = bundleHashes(input);
  const common = {
    format: BUNDLE_FORMAT,
    algorithm: ALGORITHM,
    drawId: input.drawId,
    campaign: input.campaign,
    attempt: input.attempt,
    parameters: input.parameters,
    source: input.commitment.source,
    commitment: input.commitment,
    reveal: { botValue: input.botValue, entropy: input.entropy },
    seed: input.computed.result.seed,
    result: input.computed.result,
    hashes,
    log: input.log,
  } as const;
  const internal: InternalBundle = {
    ...common,
    kind: 'internal',
    catalogue: input.catalogue,
    population: input.population,
    exclusions: input.exclusions,
    staff: input.staff,
    people: input.people,
    details: { ...input.computed.details, unknownValues: input.unknownValues },
    howToVerify: HOW_TO_VERIFY_INTERNAL,
  };
  const byRef = new Map(input.staff.map((s) => [personRef(s.openId), s]));
  const members: Record<string, PublicMember> = {};
  for (const t of input.computed.result.teams) {
    for (const ref of [t.leader, ...t.officers, t.expert]) {
      if (ref === null || members[ref] !== undefined) continue;
      const s = byRef.get(ref);
      if (!s) continue;
      members[ref] = { display: input.names === 'names' ? s.name : pseudonym(ref), unit: s.unit, level: s.county === CITY ? '市局' : '县区' };
    }
  }
  const pub: PublicBundle = {
    ...common,
    kind: 'public',
    firms: input.computed.selected.map((s) => ({ no: s.no, uscc: s.row.uscc, name: s.row.name, licenceNo: s.row.licenceNo, county: s.row.county })),
    members,
    names: input.names,
    howToVerify: HOW_TO_VERIFY_PUBLIC,
  };
  return { internal, public: pub };
}
