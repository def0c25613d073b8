/**
 * §9: the two bundles of a confirmed draw. The internal one carries every input (for the bureau and its discipline
 * office: 纪检); the public one what may be published. Both carry every hash and the campaign's log.
 */
import type { Catalogue } from '../catalogue';
import type { Computed } from './compute';
import { exclusionsHash, personRef, staffHash } from './inputs';
import { jcsHash } from './jcs';
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
  type PublicListing,
  type PublicMember,
  type Result,
  type StaffRow,
} from './model';
import { botValueHash, commitmentHash } from './seed';

export const HOW_TO_VERIFY_INTERNAL =
  '内部数据包（含企业信用风险等级、人员OpenID与回避名单，供市局和纪检部门核验，不得公开）。' +
  '核验：npm run cli -- draw verify <本文件>，逐项重算名录哈希、人员哈希、承诺、种子、抽中企业、检查组、结果哈希和抽取日志链；' +
  '算法见 docs/draw-spec.md（spotcheck-draw/2），docs/draw-vectors/verify.py 为独立实现。';

export const HOW_TO_VERIFY_PUBLIC =
  '公开数据包（可公开发布：抽中企业、各层企业数与抽取数、检查人员姓名或化名、全部哈希和抽取日志链；不含任何企业的信用风险等级、' +
  '选取分值和人员OpenID，名录哈希加了不公开的盲值，无法据此推算企业的风险等级）。' +
  '核验：npm run cli -- draw verify <本文件>，可核对日志链、承诺先于开奖、种子、结果哈希、各层抽取数、检查组构成和公开名单的哈希；' +
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
  /** the draw's blind (§3.1); null only to rebuild a bundle made before the blind (§12.1) */
  blind: string | null;
  /** the public listing as the reveal logged it (publicListing below) */
  listing: PublicListing;
  /** publicHash(listing) where the caller already computed it for the reveal (the same value; computed when absent) */
  listingHash?: string;
}

export function resultHash(result: unknown): string {
  return jcsHash(result);
}

export function bundleHashes(
  input: Pick<BundleInput, 'parameters' | 'catalogue' | 'exclusions' | 'staff' | 'commitment' | 'botValue' | 'computed' | 'blind' | 'listing' | 'listingHash'>,
): BundleHashes {
  const c = input.commitment;
  return {
    population: c.populationHash,
    staff: staffHash(input.staff, input.blind),
    exclusions: exclusionsHash(input.exclusions, input.blind),
    parameters: jcsHash(input.parameters),
    catalogue: input.parameters.catalogue.hash,
    commitment: commitmentHash(c),
    botValue: botValueHash(input.botValue),
    result: input.computed.resultHash,
    ...(input.blind === null ? {} : { public: input.listingHash ?? publicHash(input.listing) }),
  };
}

export function pseudonym(ref: string): string {
  return `检查人员${ref.slice(0, 6).toUpperCase()}`;
}

/**
 * §9.2: what the public bundle lists besides the result — each selected firm's registry name, licence and county (by
 * `no`), and for everyone in a team their display name (name or pseudonym), unit and level. Built from the committed
 * population and staff, so the internal bundle rebuilds it; its hash is logged in the reveal.
 */
export function publicListing(
  result: Pick<Result, 'selection' | 'teams'>,
  population: readonly PopulationRow[],
  staff: readonly StaffRow[],
  names: 'names' | 'pseudonyms',
  /**
   * the selected firms as the computation left them (compute.ts: in the selection's order, each with its row of this
   * population), for a population made by splitRegistry (one row per code): a firm whose row has its code is taken
   * from there instead of searching the population for it — the row the search would find
   */
  selected?: readonly { row: PopulationRow }[],
): PublicListing {
  let find: ((uscc: string) => PopulationRow | undefined) | null = null;
  const firms = result.selection.map((s, k) => {
    const known = selected?.[k]?.row;
    let r: PopulationRow | undefined;
    if (known !== undefined && known.uscc === s.uscc) r = known;
    else r = (find ??= rowFinder(population))(s.uscc);
    if (r === undefined) throw new Error(`selected firm ${s.uscc} is not in the population`);
    return { county: r.county, licenceNo: r.licenceNo, name: r.name, no: s.no, uscc: s.uscc };
  });
  const byRef = new Map(staff.map((s) => [personRef(s.openId), s]));
  const refs = new Set<string>();
  for (const t of result.teams) {
    if (t.leader !== null) refs.add(t.leader);
    for (const ref of t.officers) refs.add(ref);
    if (t.expert !== null) refs.add(t.expert);
  }
  const members: Record<string, PublicMember> = {};
  for (const ref of [...refs].sort()) {
    const s = byRef.get(ref);
    if (s === undefined) throw new Error(`team member ${ref} is not in the staff`);
    members[ref] = { display: names === 'names' ? s.name : pseudonym(ref), level: s.county === CITY ? '市局' : '县区', unit: s.unit };
  }
  return { firms, members, names };
}

/**
 * The population row of a code. A population in strictly increasing code order (as splitRegistry makes it) is
 * searched by halves; any other (a bundle under verification) goes through a map of its codes, the last row of a
 * code winning, as before.
 */
function rowFinder(population: readonly PopulationRow[]): (uscc: string) => PopulationRow | undefined {
  let increasing = true;
  for (let i = 1; i < population.length && increasing; i++) increasing = population[i - 1]!.uscc < population[i]!.uscc;
  if (increasing && population.every((r) => typeof r.uscc === 'string')) {
    // By halves, starting near the row found last when the code is greater (a selection comes in runs of increasing
    // codes: by county, then code): fewer and nearer rows touched than a search of the whole population each time.
    let last = 0;
    return (uscc) => {
      let lo = 0;
      let hi = population.length - 1;
      if (last < population.length && population[last]!.uscc < uscc) {
        lo = last + 1;
        let step = 1;
        while (lo + step - 1 <= hi && population[lo + step - 1]!.uscc < uscc) {
          lo += step;
          step *= 2;
        }
        hi = Math.min(hi, lo + step - 1);
      }
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const code = population[mid]!.uscc;
        if (code === uscc) {
          last = mid;
          return population[mid];
        }
        if (code < uscc) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    };
  }
  const rows = new Map(population.map((r) => [r.uscc, r]));
  return (uscc) => rows.get(uscc);
}

/** §9.2: publicHash = H(JCS({"firms", "members", "names"})). */
export function publicHash(l: PublicListing): string {
  return jcsHash({ firms: l.firms, members: l.members, names: l.names });
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
    ...(input.blind === null ? {} : { blind: input.blind }),
    catalogue: input.catalogue,
    population: input.population,
    exclusions: input.exclusions,
    staff: input.staff,
    people: input.people,
    details: { ...input.computed.details, unknownValues: input.unknownValues },
    howToVerify: HOW_TO_VERIFY_INTERNAL,
  };
  const pub: PublicBundle = {
    ...common,
    kind: 'public',
    firms: input.listing.firms,
    members: input.listing.members,
    names: input.listing.names,
    howToVerify: HOW_TO_VERIFY_PUBLIC,
  };
  return { internal, public: pub };
}
