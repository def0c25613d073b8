/**
 * The data of spotcheck-draw/2, field by field as docs/draw-spec.md defines it. Everything that is hashed is made of
 * strings, integers, booleans, null, arrays and objects (no fractions): see jcs.ts.
 */
import type { Catalogue } from '../catalogue';
import type { ProductCategory, RiskClass, StaffRole } from '../types';

export const ALGORITHM = 'spotcheck-draw/2';
export const BUNDLE_FORMAT = 'spotcheck-draw-bundle';
export const LOG_FORMAT = 'spotcheck-draw-log/1';
export const CITY = '市局';

/** Refused input (Chinese message). */
export class DrawError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrawError';
  }
}

// ---- inputs -----------------------------------------------------------------------------------------------------

/** One eligible enterprise (§2.1). */
export interface PopulationRow {
  uscc: string;
  name: string;
  licenceNo: string;
  product: string;
  category: ProductCategory;
  riskClass: RiskClass;
  county: string;
  validTo: string;
}

export const POPULATION_KEYS = ['category', 'county', 'licenceNo', 'name', 'product', 'riskClass', 'uscc', 'validTo'] as const;

export type ExclusionReason = 'expired' | 'invalid-code' | 'invalid-category' | 'invalid-class' | 'invalid-date' | 'duplicate';

/** A registry row left out of the population, with why (§2.2). */
export interface ExclusionRow {
  uscc: string;
  licenceNo: string;
  category: string;
  riskClass: string;
  validTo: string;
  reason: ExclusionReason;
}

/** One person of the staff registry holding 组长, 执法人员 or 专家 (§2.3). */
export interface StaffRow {
  openId: string;
  name: string;
  roles: StaffRole[];
  unit: string;
  county: string;
  businessLine: string | null;
  expertise: string | null;
  avoid: string[];
}

export type ExpertMode = 'none' | 'whenMatching' | 'required';

/** The parameters a draw commits to (§2.4). Ratios are integers in parts per million. */
export interface Parameters {
  campaignStart: string;
  ratiosPpm: { campaign: number; A: number; B: number; C: number; D: number };
  team: {
    /** 执法人员 slots besides the 组长 (k) */
    officers: number;
    /** how many of the k must be county staff (c, 1 ≤ c ≤ k): 由市、县两级执法监管人员组成 */
    countyOfficers: number;
    excludeOwnCounty: boolean;
    preferredBusinessLine: string | null;
    workloadSlack: number;
    expertMode: ExpertMode;
  };
  catalogue: { version: string; hash: string };
}

/** A public random source fixed before its value is known (§3.2). */
export interface SourcePart {
  name: string;
  format: string;
  /** a regular expression the entered value must match (JavaScript and Python `re` agree on the forms used), or null */
  pattern: string | null;
}

export interface PublicSource {
  parts: SourcePart[];
  /** YYYY-MM-DDTHH:mm+08:00 */
  announcedAt: string;
}

export interface CampaignRef {
  id: string;
  name: string;
  year: number;
}

/** What the preview commits to (§3.1). */
export interface Commitment {
  algorithm: typeof ALGORITHM;
  campaign: CampaignRef;
  attempt: number;
  populationHash: string;
  populationSize: number;
  staffHash: string;
  exclusionsHash: string;
  parametersHash: string;
  botValueHash: string;
  /** SHA-256 of the blind's 32 raw bytes (§3.1); absent in bundles made before the blind (§12.1) */
  blindHash?: string;
  source: PublicSource | null;
}

// ---- outputs ----------------------------------------------------------------------------------------------------

export interface StratumCount {
  category: ProductCategory;
  riskClass: RiskClass;
  size: number;
  base: number;
  topUp: number;
  count: number;
}

export interface Counts {
  population: number;
  target: number;
  strata: StratumCount[];
}

export type SlotRole = 'leader' | 'countyOfficer' | 'officer' | 'expert';

export interface ResultTeam {
  no: number;
  leader: string | null;
  officers: string[];
  expert: string | null;
  expertLevel: 'unit' | 'class' | null;
}

export interface Shortage {
  no: number;
  role: SlotRole;
  needed: number;
  assigned: number;
  blocking: boolean;
}

/** The recomputable outcome; resultHash = SHA-256(JCS(Result)) (§7). People appear as person refs (§2.5). */
export interface Result {
  algorithm: typeof ALGORITHM;
  seed: string;
  counts: Counts;
  selection: { no: number; uscc: string }[];
  teams: ResultTeam[];
  shortages: Shortage[];
  caps: { leader: number; officer: number; expert: Record<string, number> };
}

// ---- the log ----------------------------------------------------------------------------------------------------

/** One entry of a campaign's hash chain (§8), as hashed; `hash` is stored beside it. */
export interface LogEntry {
  format: typeof LOG_FORMAT;
  campaign: string;
  seq: number;
  prev: string;
  /** ISO 8601 UTC with milliseconds, as written by Date.prototype.toISOString */
  at: string;
  kind: string;
  data: Record<string, unknown>;
}

export type HashedLogEntry = LogEntry & { hash: string };

export interface CommitData {
  drawId: string;
  attempt: number;
  by: string;
  reason: string | null;
  commitment: Commitment;
  commitmentHash: string;
  parameters: Parameters;
}

export interface RevealData {
  drawId: string;
  attempt: number;
  commitSeq: number;
  commitmentHash: string;
  botValue: string;
  entropy: string;
  seed: string;
  resultHash: string;
  by: string;
  supersedes: number[];
  /** §9.2: H(JCS({firms, members, names})) of the public bundle's listing (absent before the blind, §12.1) */
  publicHash?: string;
  /** §9.2: whether the public listing shows names or pseudonyms */
  names?: 'names' | 'pseudonyms';
}

export type VoidReason = 'cancelled' | 'replaced' | 'registry-changed' | 'redraw-race';

export const VOID_REASONS: readonly VoidReason[] = ['cancelled', 'replaced', 'registry-changed', 'redraw-race'];

export interface VoidData {
  drawId: string;
  attempt: number;
  reason: VoidReason;
  note: string;
}

// ---- bundles ----------------------------------------------------------------------------------------------------

export interface BundleHashes {
  population: string;
  staff: string;
  exclusions: string;
  parameters: string;
  catalogue: string;
  commitment: string;
  botValue: string;
  result: string;
  /** §9.2: the public listing's hash, as the reveal logged it (absent before the blind, §12.1) */
  public?: string;
}

interface BundleCommon {
  format: typeof BUNDLE_FORMAT;
  algorithm: typeof ALGORITHM;
  drawId: string;
  campaign: CampaignRef;
  attempt: number;
  parameters: Parameters;
  source: PublicSource | null;
  commitment: Commitment;
  reveal: { botValue: string; entropy: string };
  seed: string;
  result: Result;
  hashes: BundleHashes;
  log: HashedLogEntry[];
  howToVerify: string;
}

/** Human-readable rendering of the result (not hashed; docs/draw-spec.md §9.1). */
export interface BundleDetails {
  selection: {
    no: number;
    uscc: string;
    name: string;
    licenceNo: string;
    county: string;
    product: string;
    category: ProductCategory;
    riskClass: RiskClass;
    stratum: string;
    rank: number;
    score: string;
    catalogue: string[];
  }[];
  teams: {
    no: number;
    uscc: string;
    name: string;
    county: string;
    members: { role: '组长' | '执法人员' | '专家'; ref: string; openId: string; name: string; unit: string; county: string }[];
    expertLevel: 'unit' | 'class' | null;
    complete: boolean;
  }[];
  shortages: { no: number; uscc: string; name: string; role: SlotRole; blocking: boolean; reason: string }[];
  unknownValues: { products: { value: string; firms: number }[]; expertise: { value: string; people: number }[] };
}

export interface InternalBundle extends BundleCommon {
  kind: 'internal';
  /** the draw's blind (§3.1), 64 hex; absent in bundles made before the blind (§12.1). Never published. */
  blind?: string;
  catalogue: Catalogue;
  population: PopulationRow[];
  exclusions: ExclusionRow[];
  staff: StaffRow[];
  /** everyone named by a ref in the log (the liaisons) */
  people: Record<string, { openId: string; name: string }>;
  details: BundleDetails;
}

export interface PublicMember {
  /** name or pseudonym, as the bureau chose */
  display: string;
  unit: string;
  level: '市局' | '县区';
}

export interface PublicFirm {
  no: number;
  uscc: string;
  name: string;
  licenceNo: string;
  county: string;
}

/** What the public bundle lists besides the result (§9.2); its hash is logged in the reveal. */
export interface PublicListing {
  firms: PublicFirm[];
  members: Record<string, PublicMember>;
  names: 'names' | 'pseudonyms';
}

export interface PublicBundle extends BundleCommon, PublicListing {
  kind: 'public';
}

export type Bundle = InternalBundle | PublicBundle;
