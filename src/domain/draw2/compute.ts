/**
 * §5–§7: the selection (first random) and the teams (second random) from the seed, and the result they make.
 * Deterministic and pure; a generator so that long runs can yield (steps.ts).
 */
import { catalogueName, resolveProducts, type CatalogueIndex, type Resolution } from '../catalogue';
import { computeCounts, STRATA, strataSizes, stratumIndex, stratumName } from './counts';
import { personRef, tierOf } from './inputs';
import { cmpText, jcsHashSteps } from './jcs';
import {
  ALGORITHM,
  CITY,
  type BundleDetails,
  type Counts,
  type Parameters,
  type PopulationRow,
  type Result,
  type ResultTeam,
  type Shortage,
  type SlotRole,
  type StaffRow,
} from './model';
import { compareWords, wordsHex, type HmacSha256 } from './hmac';
import { keyedMac } from './seed';
import { SLICE, type Steps } from './steps';

export interface SelectedFirm {
  row: PopulationRow;
  no: number;
  stratum: string;
  rank: number;
  score: string;
}

export interface Computed {
  result: Result;
  /** SHA-256 of JCS(result) */
  resultHash: string;
  selected: SelectedFirm[];
  details: Omit<BundleDetails, 'unknownValues'>;
}

// ---- selection (§5) ----------------------------------------------------------------------------------------------

export function* selectSteps(population: readonly PopulationRow[], counts: Counts, seed: string, blind: string | null): Steps<SelectedFirm[]> {
  const mac = keyedMac(seed, 'select', blind);
  const n = population.length;
  // Each row's score as 8 words (hmac.ts; hex only for the rows chosen), and `lead`, its first 13 hex digits as a
  // number: the same order as the text where they differ, and much cheaper to compare.
  const words = new Int32Array(n * 8);
  const lead = new Float64Array(n);
  const groups: number[][] = STRATA.map(() => []);
  for (let i = 0; i < n; i++) {
    if (i % SLICE === 0) yield;
    const row = population[i] as PopulationRow;
    mac.macInto(row.uscc, words, i * 8);
    lead[i] = leadOf(words, i * 8);
    groups[stratumIndex(row)]?.push(i);
  }
  // Code order of the rows: their index where the population is in strictly increasing code order (as splitRegistry
  // makes it; a bundle under verification may not be).
  let increasing = true;
  for (let i = 1; i < n && increasing; i++) increasing = (population[i - 1] as PopulationRow).uscc < (population[i] as PopulationRow).uscc;
  const byCode = increasing ? (a: number, b: number) => a - b : (a: number, b: number) => cmpText(population[a]!.uscc, population[b]!.uscc);
  const chosen: number[] = [];
  const rank = new Int32Array(n);
  const stratum = new Int8Array(n);
  for (let s = 0; s < STRATA.length; s++) {
    yield;
    const group = groups[s] as number[];
    // (comparisons answer -1, 0 or 1: a difference of two leads would be a fresh heap number per comparison)
    group.sort((a, b) => {
      const x = lead[a]!;
      const y = lead[b]!;
      return x < y ? -1 : x > y ? 1 : compareWords(words, a * 8, words, b * 8) || byCode(a, b);
    });
    const take = (counts.strata[s] as { count: number }).count;
    for (let r = 0; r < take && r < group.length; r++) {
      const i = group[r] as number;
      chosen.push(i);
      rank[i] = r + 1;
      stratum[i] = s;
    }
  }
  yield;
  // By county, then code: counties ranked once (code-unit order).
  if (chosen.every((i) => typeof population[i]!.county === 'string')) {
    const counties = [...new Set(chosen.map((i) => population[i]!.county))].sort(cmpText);
    const countyRank = new Map(counties.map((c, r) => [c, r]));
    const cr = new Int32Array(n);
    for (const i of chosen) cr[i] = countyRank.get(population[i]!.county)!;
    chosen.sort((a, b) => cr[a]! - cr[b]! || byCode(a, b));
  } else chosen.sort((a, b) => cmpText(population[a]!.county, population[b]!.county) || byCode(a, b));
  const names = STRATA.map(stratumName);
  const out = new Array<SelectedFirm>(chosen.length);
  for (let k = 0; k < chosen.length; k++) {
    const i = chosen[k] as number;
    out[k] = { row: population[i] as PopulationRow, no: k + 1, stratum: names[stratum[i]!]!, rank: rank[i]!, score: wordsHex(words, i * 8) };
  }
  return out;
}

// ---- teams (§6) ---------------------------------------------------------------------------------------------------

/** The first 13 hex digits of the 8 words at `at` as a number. */
function leadOf(words: Int32Array, at: number): number {
  return (words[at]! >>> 0) * 0x100000 + (words[at + 1]! >>> 12);
}

/**
 * The entries of the team heaps (§6.2: a person, a load, and the priority HMAC(K(role), load + "|" + openId)), kept in
 * typed arrays and named by number: an entry costs no object and no copy of its priority, and the heaps hold small
 * integers. A draw of a city makes about three entries per selected firm; as objects (each with its own typed array)
 * they were most of what the team phase left to the garbage collector. Entries never change once made, so one entry
 * may sit in two heaps (the county officers' and all officers').
 */
class Entries {
  /** the person (index into the staff rows) */
  idx: Int32Array;
  load: Int32Array;
  /** tier × 2^32 + load: (tier, load) in one number */
  tl: Float64Array;
  /** the first 13 hex digits of the priority as a number (leadOf): the priority's order where they differ */
  lead: Float64Array;
  /** the priority's 8 words at entry × 8 (hmac.ts): compared as its hex text would be, without making the text */
  prio: Int32Array;
  private size = 0;

  constructor(
    private readonly openIds: readonly string[],
    /** the entries expected (more are made room for as needed) */
    capacity: number,
  ) {
    const n = Math.max(16, capacity);
    this.idx = new Int32Array(n);
    this.load = new Int32Array(n);
    this.tl = new Float64Array(n);
    this.lead = new Float64Array(n);
    this.prio = new Int32Array(8 * n);
  }

  /** A new entry: person `i` (of tier `tier`) at `load`, its priority from `mac`. */
  add(mac: HmacSha256, i: number, tier: number, load: number): number {
    if (this.size === this.idx.length) this.grow();
    const e = this.size++;
    mac.macInto(`${load}|${this.openIds[i]!}`, this.prio, e * 8);
    this.idx[e] = i;
    this.load[e] = load;
    this.tl[e] = tier * 0x100000000 + load;
    this.lead[e] = leadOf(this.prio, e * 8);
    return e;
  }

  private grow(): void {
    const n = this.idx.length * 2;
    this.idx = widened(this.idx, n);
    this.load = widened(this.load, n);
    this.tl = widened(this.tl, n);
    this.lead = widened(this.lead, n);
    this.prio = widened(this.prio, 8 * n);
  }

  /** Leaders and officers: tier, load, priority, openId (numbers first; the texts only where the numbers tie). */
  lessByTier(x: number, y: number): boolean {
    const a = this.tl[x]!;
    const b = this.tl[y]!;
    return a !== b ? a < b : this.lessByPriority(x, y);
  }

  /** Experts: load, priority, openId. */
  lessByLoad(x: number, y: number): boolean {
    const a = this.load[x]!;
    const b = this.load[y]!;
    return a !== b ? a < b : this.lessByPriority(x, y);
  }

  private lessByPriority(x: number, y: number): boolean {
    const a = this.lead[x]!;
    const b = this.lead[y]!;
    if (a !== b) return a < b;
    const o = compareWords(this.prio, x * 8, this.prio, y * 8);
    return o !== 0 ? o < 0 : this.openIds[this.idx[x]!]! < this.openIds[this.idx[y]!]!;
  }
}

/** A binary heap of entries (Entries), smallest first; pop gives -1 when empty. */
class Heap {
  private readonly a: number[] = [];
  constructor(
    private readonly entries: Entries,
    /** experts' order (Entries.lessByLoad); else leaders' and officers' (lessByTier) */
    private readonly byLoad: boolean,
  ) {}

  private less(x: number, y: number): boolean {
    return this.byLoad ? this.entries.lessByLoad(x, y) : this.entries.lessByTier(x, y);
  }

  push(e: number): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      const t = a[i]!;
      a[i] = a[p]!;
      a[p] = t;
      i = p;
    }
  }

  pop(): number {
    const a = this.a;
    if (a.length === 0) return -1;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        const t = a[i]!;
        a[i] = a[m]!;
        a[m] = t;
        i = m;
      }
    }
    return top;
  }
}

/** Teams formed between two yields (each takes a few HMACs). */
const TEAM_SLICE = 256;

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

interface Firm {
  sel: SelectedFirm;
  res: Resolution;
  /** the firm's county as a number (countyId in computeSteps) */
  county: number;
}

export function* computeSteps(
  population: readonly PopulationRow[],
  staff: readonly StaffRow[],
  p: Parameters,
  seed: string,
  index: CatalogueIndex,
  /** the draw's blind (§3.1); null for a bundle made before the blind (§12.1) */
  blind: string | null,
): Steps<Computed> {
  const counts = computeCounts(strataSizes(population), p);
  yield;
  const selected = yield* selectSteps(population, counts, seed, blind);

  // Inputs of the teams.
  const k = p.team.officers;
  const c = p.team.countyOfficers;
  const T = selected.length;
  const refs = staff.map((s) => personRef(s.openId));
  const avoid = staff.map((s) => new Set(s.avoid));
  const tiers = staff.map((s) => tierOf(s, p));
  const byProduct = new Map<string, Resolution>();
  const firms: Firm[] = selected.map((sel) => {
    let res = byProduct.get(sel.row.product);
    if (res === undefined) {
      res = resolveProducts(sel.row.product, index);
      byProduct.set(sel.row.product, res);
    }
    return { sel, res, county: -1 };
  });
  const leaders = staff.flatMap((s, i) => (s.roles.includes('组长') && s.county === CITY ? [i] : []));
  const officers = staff.flatMap((s, i) => (s.roles.includes('执法人员') ? [i] : []));
  const countyOfficers = officers.filter((i) => staff[i]!.county !== CITY);
  const experts = p.team.expertMode === 'none' ? [] : staff.flatMap((s, i) => (s.roles.includes('专家') ? [i] : []));
  const expertRes = new Map<number, Resolution>(experts.map((i) => [i, resolveProducts(staff[i]!.expertise, index)]));

  // Caps (§6.3).
  const slack = p.team.workloadSlack;
  const capLeader = leaders.length === 0 ? 0 : ceilDiv(T, leaders.length) + slack;
  const capOfficer =
    officers.length === 0
      ? 0
      : Math.max(ceilDiv(T * k, officers.length), countyOfficers.length === 0 ? 0 : ceilDiv(T * c, countyOfficers.length)) + slack;
  const demand = new Map<string, number>();
  for (let x = 0; x < firms.length; x++) for (const cls of firms[x]!.res.classes) demand.set(cls, (demand.get(cls) ?? 0) + 1);
  const supply = new Map<string, number>();
  for (const i of experts) for (const cls of expertRes.get(i)!.classes) supply.set(cls, (supply.get(cls) ?? 0) + 1);
  const capExpert = new Array<number>(staff.length).fill(0);
  for (const i of experts) {
    const classes = expertRes.get(i)!.classes;
    capExpert[i] = classes.length === 0 ? 0 : Math.max(...classes.map((cls) => ceilDiv(demand.get(cls) ?? 0, supply.get(cls)!))) + slack;
  }
  yield;

  // Loads and scores.
  const loadLeader = new Array<number>(staff.length).fill(0);
  const loadOfficer = new Array<number>(staff.length).fill(0);
  const loadExpert = new Array<number>(staff.length).fill(0);
  const macLeader = keyedMac(seed, 'leader', blind);
  const macOfficer = keyedMac(seed, 'officer', blind);
  const macExpert = keyedMac(seed, 'expert', blind);
  // One entry per person to start with, then one per slot filled (a leader, k officers and an expert per team).
  const entries = new Entries(
    staff.map((s) => s.openId),
    leaders.length + officers.length + experts.length + T * (k + 2),
  );
  /** An entry of a heap: priority = HMAC(K(role), load + "|" + openId) (§6.2). */
  const entry = (mac: HmacSha256, i: number, load: number): number => entries.add(mac, i, tiers[i]!, load);
  const leaderHeap = new Heap(entries, false);
  const countyHeap = new Heap(entries, false);
  const officerHeap = new Heap(entries, false);
  for (const i of leaders) leaderHeap.push(entry(macLeader, i, 0));
  for (const i of officers) {
    const e = entry(macOfficer, i, 0);
    if (k > c) officerHeap.push(e);
    if (staff[i]!.county !== CITY) countyHeap.push(e);
  }

  const ownCounty = (i: number, county: string): boolean => p.team.excludeOwnCounty && staff[i]!.county !== CITY && staff[i]!.county === county;
  // The same test as ownCounty with numbers: each county a number; a person's -1 when never excluded for it.
  const countyIds = new Map<string, number>();
  const countyId = (county: string): number => {
    let id = countyIds.get(county);
    if (id === undefined) countyIds.set(county, (id = countyIds.size));
    return id;
  };
  const staffCounty = staff.map((s) => (p.team.excludeOwnCounty && s.county !== CITY ? countyId(s.county) : -1));
  const avoidOf = avoid.map((a) => (a.size === 0 ? null : a));
  for (let x = 0; x < firms.length; x++) firms[x]!.county = countyId(firms[x]!.sel.row.county);
  const eligible = (i: number, f: Firm, team: readonly number[]): boolean => {
    if (team.includes(i)) return false;
    const a = avoidOf[i]!;
    if (a !== null && a.has(f.sel.row.uscc)) return false;
    const sc = staffCounty[i]!;
    return sc < 0 || sc !== f.county;
  };

  /** entries popped and put back after a pick (one list for all picks: a pick ends before the next starts) */
  const aside: number[] = [];
  const pick = (heap: Heap, loads: number[], cap: number, f: Firm, team: readonly number[]): number | null => {
    aside.length = 0;
    let chosen: number | null = null;
    for (let e = heap.pop(); e >= 0; e = heap.pop()) {
      const i = entries.idx[e]!;
      const load = entries.load[e]!;
      if (load !== loads[i] || load >= cap) continue; // stale, or full
      if (!eligible(i, f, team)) {
        aside.push(e);
        continue;
      }
      chosen = i;
      break;
    }
    for (let j = 0; j < aside.length; j++) heap.push(aside[j]!);
    return chosen;
  };
  const took = (i: number, role: 'leader' | 'officer'): void => {
    if (role === 'leader') {
      const load = ++loadLeader[i]!;
      if (load < capLeader) leaderHeap.push(entry(macLeader, i, load));
      return;
    }
    const load = ++loadOfficer[i]!;
    if (load < capOfficer) {
      const e = entry(macOfficer, i, load);
      // (the heap of all officers serves only the slots beyond the county ones)
      if (k > c) officerHeap.push(e);
      if (staff[i]!.county !== CITY) countyHeap.push(e);
    }
  };

  const expertCandidates = new Map<string, { unit: number[]; cls: number[] }>();
  // (by resolution too: firms of one product share theirs, byProduct above)
  const candidatesByRes = new Map<Resolution, { unit: number[]; cls: number[] }>();
  const candidatesFor = (f: Firm): { unit: number[]; cls: number[] } => {
    const known = candidatesByRes.get(f.res);
    if (known !== undefined) return known;
    const key = `${f.res.tokens.join(',')}|${f.res.classes.join(',')}`;
    let found = expertCandidates.get(key);
    if (found === undefined) {
      const unit: number[] = [];
      const cls: number[] = [];
      for (const i of experts) {
        const r = expertRes.get(i)!;
        if (r.tokens.some((t) => f.res.tokens.includes(t))) unit.push(i);
        else if (r.classes.some((x) => f.res.classes.includes(x))) cls.push(i);
      }
      found = { unit, cls };
      expertCandidates.set(key, found);
    }
    candidatesByRes.set(f.res, found);
    return found;
  };
  // Each expert's priority at their current load, computed when first needed.
  const prioExpert = new Int32Array(staff.length).fill(-1);
  const expertPrio = (i: number): number => {
    const load = loadExpert[i]!;
    let e = prioExpert[i]!;
    if (e < 0 || entries.load[e] !== load) prioExpert[i] = e = entry(macExpert, i, load);
    return e;
  };
  // Each candidate list as a heap by (load, priority, openId) (Entries.lessByLoad), kept lazily: an entry behind its
  // expert's load goes back in at the current load (a key only grows), one at or above the cap leaves (loads only
  // grow). The top entry that is current is then the smallest key of the list, as a scan of the whole list would find it.
  const expertHeaps = new Map<readonly number[], Heap>();
  const pickExpert = (list: readonly number[], f: Firm, team: readonly number[]): number | null => {
    let heap = expertHeaps.get(list);
    if (heap === undefined) {
      heap = new Heap(entries, true);
      for (const i of list) heap.push(expertPrio(i));
      expertHeaps.set(list, heap);
    }
    aside.length = 0;
    let chosen: number | null = null;
    for (let e = heap.pop(); e >= 0; e = heap.pop()) {
      const i = entries.idx[e]!;
      const load = loadExpert[i]!;
      if (load >= capExpert[i]!) continue; // full
      if (entries.load[e] !== load) {
        heap.push(expertPrio(i)); // behind
        continue;
      }
      aside.push(e); // (the chosen one too: behind once its load grows)
      if (eligible(i, f, team)) {
        chosen = i;
        break;
      }
    }
    for (let j = 0; j < aside.length; j++) heap.push(aside[j]!);
    return chosen;
  };

  // Team order (§6.1).
  const orderMac = keyedMac(seed, 'team-order', blind);
  // Each firm's key as 8 words at i × 8 (its hex text's order, compareWords), and its first 13 hex digits as a number.
  // The order is of firm indices (no object per firm).
  const orderWords = new Int32Array(firms.length * 8);
  const orderLead = new Float64Array(firms.length);
  const order = new Array<number>(firms.length);
  for (let i = 0; i < firms.length; i++) {
    orderMac.macInto(firms[i]!.sel.row.uscc, orderWords, i * 8);
    orderLead[i] = leadOf(orderWords, i * 8);
    order[i] = i;
  }
  yield;
  order.sort((a, b) => {
    const x = orderLead[a]!;
    const y = orderLead[b]!;
    return x < y ? -1 : x > y ? 1 : compareWords(orderWords, a * 8, orderWords, b * 8) || cmpText(firms[a]!.sel.row.uscc, firms[b]!.sel.row.uscc);
  });

  const teams = new Array<ResultTeam>(T);
  const members = new Array<{ leader: number | null; officers: number[]; expert: number | null }>(T);
  const shortages: Shortage[] = [];
  const reasons = new Map<string, string>();
  const explain = (role: SlotRole, f: Firm, team: readonly number[]): string => {
    const pool = role === 'leader' ? leaders : role === 'countyOfficer' ? countyOfficers : role === 'officer' ? officers : [];
    const loads = role === 'leader' ? loadLeader : loadOfficer;
    const cap = role === 'leader' ? capLeader : capOfficer;
    const what = role === 'leader' ? '市局组长' : role === 'countyOfficer' ? '县区执法人员' : '执法人员';
    if (role === 'expert') {
      if (f.res.tokens.length === 0) return `获证产品“${f.sel.row.product}”不在产品目录中，无法匹配专家`;
      const cand = candidatesFor(f);
      const count = cand.unit.length + cand.cls.length;
      const names = f.res.tokens.map((t) => catalogueName(t, index)).join('、');
      if (count === 0) return `专家库中没有专业领域为“${names}”或同一目录类别的专家`;
      return `可匹配“${names}”的专家${count}人均不可用（${parts(cand.unit, cand.cls, loadExpert, capExpert, -1)}）`;
    }
    if (pool.length === 0) return `名录中没有${what}`;
    return `候选${what}${pool.length}人均不可用（${parts(pool, [], loads, null, cap)}）`;

    /** Why the people of `list` then `more` are not available; each one's cap from `caps`, else `cap`. */
    function parts(list: readonly number[], more: readonly number[], ld: readonly number[], caps: readonly number[] | null, cap: number): string {
      let avoided = 0;
      let county = 0;
      let twice = 0;
      let busy = 0;
      const n = list.length + more.length;
      for (let x = 0; x < n; x++) {
        const i = x < list.length ? list[x]! : more[x - list.length]!;
        if (team.includes(i)) twice++;
        else if (avoid[i]!.has(f.sel.row.uscc)) avoided++;
        else if (ownCounty(i, f.sel.row.county)) county++;
        else if (ld[i]! >= (caps === null ? cap : caps[i]!)) busy++;
      }
      return [
        avoided > 0 ? `回避本企业${avoided}人` : '',
        county > 0 ? `本县区人员${county}人` : '',
        twice > 0 ? `已在本组${twice}人` : '',
        busy > 0 ? `已达工作量上限${busy}人` : '',
      ]
        .filter((x) => x !== '')
        .join('，');
    }
  };

  /** A slot of firm `f` left empty; the reason from the team as it stands. */
  const short = (f: Firm, team: readonly number[], role: SlotRole, needed: number, assigned: number, blocking: boolean): void => {
    const no = f.sel.no;
    shortages.push({ assigned, blocking, needed, no, role });
    reasons.set(`${no}|${role}`, explain(role, f, team));
  };
  /** the team being formed (one list for all firms: nothing keeps it) */
  const team: number[] = [];
  let step = 0;
  for (let x = 0; x < order.length; x++) {
    if (++step % TEAM_SLICE === 0) yield;
    const f = firms[order[x]!]!;
    const no = f.sel.no;
    team.length = 0;
    const leader = pick(leaderHeap, loadLeader, capLeader, f, team);
    if (leader !== null) {
      team.push(leader);
      took(leader, 'leader');
    } else short(f, team, 'leader', 1, 0, true);
    const offs: number[] = [];
    for (let j = 0; j < c; j++) {
      const o = pick(countyHeap, loadOfficer, capOfficer, f, team);
      if (o === null) break;
      offs.push(o);
      team.push(o);
      took(o, 'officer');
    }
    if (offs.length < c) short(f, team, 'countyOfficer', c, offs.length, true);
    const countyDone = offs.length;
    for (let j = 0; j < k - c; j++) {
      const o = pick(officerHeap, loadOfficer, capOfficer, f, team);
      if (o === null) break;
      offs.push(o);
      team.push(o);
      took(o, 'officer');
    }
    if (offs.length - countyDone < k - c) short(f, team, 'officer', k - c, offs.length - countyDone, true);
    let expert: number | null = null;
    let level: 'unit' | 'class' | null = null;
    if (p.team.expertMode !== 'none') {
      const cand = candidatesFor(f);
      expert = pickExpert(cand.unit, f, team);
      if (expert !== null) level = 'unit';
      else {
        expert = pickExpert(cand.cls, f, team);
        if (expert !== null) level = 'class';
      }
      if (expert !== null) {
        team.push(expert);
        loadExpert[expert]! += 1;
      } else short(f, team, 'expert', 1, 0, p.team.expertMode === 'required');
    }
    members[no - 1] = { leader, officers: offs, expert };
    teams[no - 1] = {
      expert: expert === null ? null : refs[expert]!,
      expertLevel: level,
      leader: leader === null ? null : refs[leader]!,
      no,
      officers: offs.map((o) => refs[o]!),
    };
  }
  yield;

  const roleOrder: Record<SlotRole, number> = { leader: 0, countyOfficer: 1, officer: 2, expert: 3 };
  shortages.sort((a, b) => a.no - b.no || roleOrder[a.role] - roleOrder[b.role]);
  const expertCaps: Record<string, number> = {};
  for (const i of experts) expertCaps[refs[i]!] = capExpert[i]!;

  // Members in canonical (sorted) order throughout: the canonical text is then JSON.stringify's (jcs.ts).
  const sortedCaps: Record<string, number> = {};
  for (const ref of Object.keys(expertCaps).sort()) sortedCaps[ref] = expertCaps[ref]!;
  const result: Result = {
    algorithm: ALGORITHM,
    caps: { expert: sortedCaps, leader: capLeader, officer: capOfficer },
    counts,
    seed,
    selection: selected.map((s) => ({ no: s.no, uscc: s.row.uscc })),
    shortages,
    teams,
  };

  // Details (not hashed): names and reasons for people to read.
  const blockingNos = new Set(shortages.filter((s) => s.blocking).map((s) => s.no));
  // One object per person and role, shared by the teams they serve in (same JSON, far fewer objects).
  type Member = BundleDetails['teams'][number]['members'][number];
  const memberCache: Record<'组长' | '执法人员' | '专家', (Member | undefined)[]> = { 组长: [], 执法人员: [], 专家: [] };
  const member = (i: number, role: '组长' | '执法人员' | '专家'): Member => {
    const cache = memberCache[role];
    let m = cache[i];
    if (m === undefined) {
      const s = staff[i]!;
      m = { role, ref: refs[i]!, openId: s.openId, name: s.name, unit: s.unit, county: s.county };
      cache[i] = m;
    }
    return m;
  };
  const teamMembers = (m: { leader: number | null; officers: number[]; expert: number | null }): Member[] => {
    const out: Member[] = [];
    if (m.leader !== null) out.push(member(m.leader, '组长'));
    for (const o of m.officers) out.push(member(o, '执法人员'));
    if (m.expert !== null) out.push(member(m.expert, '专家'));
    return out;
  };
  const details: Computed['details'] = { selection: [], teams: [], shortages: [] };
  for (let i = 0; i < selected.length; i++) {
    if (i % SLICE === 0) yield;
    const s = selected[i]!;
    details.selection.push({
      no: s.no,
      uscc: s.row.uscc,
      name: s.row.name,
      licenceNo: s.row.licenceNo,
      county: s.row.county,
      product: s.row.product,
      category: s.row.category,
      riskClass: s.row.riskClass,
      stratum: s.stratum,
      rank: s.rank,
      score: s.score,
      catalogue: firms[i]!.res.tokens,
    });
    const m = members[s.no - 1]!;
    details.teams.push({
      no: s.no,
      uscc: s.row.uscc,
      name: s.row.name,
      county: s.row.county,
      members: teamMembers(m),
      expertLevel: teams[s.no - 1]!.expertLevel,
      complete: !blockingNos.has(s.no),
    });
  }
  yield;
  for (const s of shortages) {
    const sel = selected[s.no - 1]!;
    details.shortages.push({ no: s.no, uscc: sel.row.uscc, name: sel.row.name, role: s.role, blocking: s.blocking, reason: reasons.get(`${s.no}|${s.role}`) ?? '' });
  }
  yield;
  const resultHash = yield* jcsHashSteps(result);
  return { result, resultHash, selected, details };
}

/** Registry values the catalogue does not know (§5.1), for the preview and the bundle's details. */
export function unknownValues(
  population: readonly Pick<PopulationRow, 'product'>[],
  staff: readonly Pick<StaffRow, 'roles' | 'expertise'>[],
  index: CatalogueIndex,
): BundleDetails['unknownValues'] {
  const products = new Map<string, number>();
  const cache = new Map<string, string[]>();
  // (indexed loops: this runs once per draw, often before it is optimised, where for…of allocates per step)
  for (let i = 0; i < population.length; i++) {
    const e = population[i]!;
    let unknown = cache.get(e.product);
    if (unknown === undefined) {
      unknown = resolveProducts(e.product, index).unknown;
      cache.set(e.product, unknown);
    }
    for (const u of unknown) products.set(u, (products.get(u) ?? 0) + 1);
  }
  const expertise = new Map<string, number>();
  for (const s of staff) {
    if (!s.roles.includes('专家')) continue;
    for (const u of resolveProducts(s.expertise, index).unknown) expertise.set(u, (expertise.get(u) ?? 0) + 1);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || cmpText(a[0], b[0]));
  return {
    products: sorted(products).map(([value, firms]) => ({ value, firms })),
    expertise: sorted(expertise).map(([value, people]) => ({ value, people })),
  };
}

/** A copy of `a` in a typed array of the same kind, `n` long (the rest zero). */
function widened<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (length: number) => T)(n);
  b.set(a);
  return b;
}
