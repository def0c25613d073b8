/**
 * A draw from preview to bundles in memory: the same steps the operations take with the database (preview = commit,
 * confirm = reveal), for the vectors, the benchmark and tests. Pure: time, random value and log are given.
 */
import { catalogueIndex, type CatalogueIndex } from '../catalogue';
import type { Enterprise } from '../types';
import { buildBundles, publicHash, publicListing } from './bundle';
import { isConfirmedDrawEntry, nextAttempt, nextEntry } from './chain';
import { computeSteps, unknownValues, type Computed } from './compute';
import { exclusionsHash, personRef, populationHashSteps, splitRegistry, staffHash, staffRows, type StaffInput } from './inputs';
import { jcsHash, sha256Text } from './jcs';
import type {
  CampaignRef,
  CommitData,
  Commitment,
  ExclusionRow,
  HashedLogEntry,
  InternalBundle,
  Parameters,
  PopulationRow,
  PublicBundle,
  PublicListing,
  PublicSource,
  RevealData,
  StaffRow,
} from './model';
import { blindHash, botValueHash, commitmentFor, commitmentHash, deriveSeed } from './seed';
import type { Steps } from './steps';

export interface Prepared {
  /** the blind the registry hashes are keyed with (§3.1); null: unkeyed (§12.1) */
  blind: string | null;
  population: PopulationRow[];
  exclusions: ExclusionRow[];
  staff: StaffRow[];
  populationHash: string;
  staffHash: string;
  exclusionsHash: string;
  parametersHash: string;
}

/** The inputs of a preview from the registries (§2), their hashes keyed with the draw's blind (§3.1). */
export function* prepareSteps(enterprises: readonly Enterprise[], staff: readonly StaffInput[], p: Parameters, blind: string | null): Steps<Prepared> {
  // (the population hashed as it is built: splitRegistry; in a second pass only where that could not be done)
  const split = yield* splitRegistry(enterprises, p.campaignStart, blind);
  const populationHash = split.populationHash ?? (yield* populationHashSteps(split.population, blind));
  const rows = staffRows(staff);
  return {
    blind,
    population: split.population,
    exclusions: split.exclusions,
    staff: rows,
    populationHash,
    staffHash: staffHash(rows, blind),
    exclusionsHash: exclusionsHash(split.exclusions, blind),
    parametersHash: jcsHash(p),
  };
}

export function commitmentOf(prep: Prepared, campaign: CampaignRef, attempt: number, botValue: string, source: PublicSource | null): Commitment {
  return commitmentFor({
    campaign,
    attempt,
    populationHash: prep.populationHash,
    populationSize: prep.population.length,
    staffHash: prep.staffHash,
    exclusionsHash: prep.exclusionsHash,
    parametersHash: prep.parametersHash,
    botValueHash: botValueHash(botValue),
    ...(prep.blind === null ? {} : { blindHash: blindHash(prep.blind) }),
    source,
  });
}

export function commitData(drawId: string, commitment: Commitment, p: Parameters, byOpenId: string, reason: string | null): CommitData {
  return { drawId, attempt: commitment.attempt, by: personRef(byOpenId), reason, commitment, commitmentHash: commitmentHash(commitment), parameters: p };
}

export function revealData(
  drawId: string,
  commitment: Commitment,
  commitSeq: number,
  botValue: string,
  entropy: string,
  computed: Computed,
  byOpenId: string,
  supersedes: number[],
  /** the public listing (§9.2); null only for a draw made before the blind (§12.1) */
  listing: PublicListing | null,
): RevealData {
  return {
    ...(listing === null ? {} : { publicHash: publicHash(listing), names: listing.names }),
    drawId,
    attempt: commitment.attempt,
    commitSeq,
    commitmentHash: commitmentHash(commitment),
    botValue,
    entropy,
    seed: computed.result.seed,
    resultHash: computed.resultHash,
    by: personRef(byOpenId),
    supersedes,
  };
}

export interface SimulatedDraw {
  prepared: Prepared;
  commitment: Commitment;
  computed: Computed;
  log: HashedLogEntry[];
  internal: InternalBundle;
  public: PublicBundle;
}

export interface SimulateInput {
  drawId: string;
  campaign: CampaignRef;
  parameters: Parameters;
  enterprises: readonly Enterprise[];
  staff: readonly StaffInput[];
  botValue: string;
  /**
   * the draw's blind (§3.1); null makes a bundle as before the blind (§12.1, for tests of old bundles); absent: one
   * derived from the bot value (simulations only — the bot draws its blind from the random source)
   */
  blind?: string | null;
  entropy: string;
  source?: PublicSource | null;
  liaison: { openId: string; name: string };
  /** the campaign's log before this preview (earlier attempts) */
  logBefore?: HashedLogEntry[];
  reason?: string | null;
  commitAt: Date;
  revealAt: Date;
  names?: 'names' | 'pseudonyms';
  index?: CatalogueIndex;
}

/** Preview, commit, reveal and both bundles, as a confirmed draw would leave them. */
export function* simulateSteps(given: SimulateInput): Steps<SimulatedDraw> {
  const input = { ...given, blind: given.blind === undefined ? sha256Text(`simulated-blind|${given.botValue}`) : given.blind };
  const index = input.index ?? catalogueIndex();
  const prepared = yield* prepareSteps(input.enterprises, input.staff, input.parameters, input.blind);
  const log = [...(input.logBefore ?? [])];
  const attempt = nextAttempt(log);
  const commitment = commitmentOf(prepared, input.campaign, attempt, input.botValue, input.source ?? null);
  const commit = nextEntry(log.at(-1) ?? null, input.campaign.id, input.commitAt, 'commit', {
    ...commitData(input.drawId, commitment, input.parameters, input.liaison.openId, input.reason ?? null),
  });
  log.push(commit);
  const seed = deriveSeed(commitmentHash(commitment), input.botValue, input.entropy);
  const computed = yield* computeSteps(prepared.population, prepared.staff, input.parameters, seed, index, input.blind);
  const supersedes = log.filter(isConfirmedDrawEntry).map((e) => e.data.attempt as number);
  const listing = publicListing(computed.result, prepared.population, prepared.staff, input.names ?? 'pseudonyms', computed.selected);
  const reveal = nextEntry(commit, input.campaign.id, input.revealAt, 'reveal', {
    ...revealData(input.drawId, commitment, commit.seq, input.botValue, input.entropy, computed, input.liaison.openId, supersedes, input.blind === null ? null : listing),
  });
  log.push(reveal);
  const bundles = buildBundles({
    drawId: input.drawId,
    campaign: input.campaign,
    attempt,
    parameters: input.parameters,
    catalogue: index.catalogue,
    population: prepared.population,
    exclusions: prepared.exclusions,
    staff: prepared.staff,
    commitment,
    botValue: input.botValue,
    entropy: input.entropy,
    computed,
    unknownValues: unknownValues(prepared.population, prepared.staff, index),
    log,
    people: { [personRef(input.liaison.openId)]: { openId: input.liaison.openId, name: input.liaison.name } },
    blind: input.blind,
    listing,
    ...(typeof reveal.data.publicHash === 'string' ? { listingHash: reveal.data.publicHash } : {}),
  });
  return { prepared, commitment, computed, log, internal: bundles.internal, public: bundles.public };
}
