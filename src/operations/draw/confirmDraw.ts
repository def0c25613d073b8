/**
 * `确认抽取`: the reveal (docs/draw-spec.md §3.3). Refused before the pinned source's time; refused and voided when
 * the registries or parameters changed since the commitment. Otherwise the draw is computed from the seed (the
 * commitment, the bot's value revealed now, and the public 种子), claimed once, fenced against inspections of the
 * draw it replaces, logged (reveal entry), packed into the internal and public bundles, and dispatched.
 */
import type { Connection, Types } from 'mongoose';
import { catalogueIndex } from '../../domain/catalogue';
import { buildBundles, publicListing } from '../../domain/draw2/bundle';
import { isConfirmedDrawEntry } from '../../domain/draw2/chain';
import { computeSteps, unknownValues, type Computed } from '../../domain/draw2/compute';
import { ALGORITHM, type BundleDetails, type Commitment, type ExclusionRow, type HashedLogEntry, type PublicListing, type PopulationRow, type StaffRow } from '../../domain/draw2/model';
import { announcedInstant, deriveSeed, entropyFor } from '../../domain/draw2/seed';
import { revealData } from '../../domain/draw2/session';
import { announcedText, describeSource } from '../../domain/draw2/sourceText';
import type { Outbox } from '../../platform/outbox';
import type { Actor } from '../../policies';
import type { Logger } from '../../logger';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import { appendChain, drawModel, loadChain, type DrawDoc } from '../../store/draw';
import { isDuplicateKeyError } from '../../store/processedEvents';
import { staffModel } from '../../store/staff';
import { taskModel } from '../../store/task';
import { campaignRef, drawRefusal, readRegistry, refuse, type Refusal } from './context';
import { dispatchDraw, dispatchRunning, finishOnce, finishRunning } from './dispatch';
import { fence, peopleOf, withdrawFenced } from './fence';
import { finishPlatformImport } from './platformImport';
import { PLATFORM_ALGORITHM } from '../../domain/draw2/platform';
import { gzJson, readGzJson } from './jsonSlices';
import { runSliced } from './slices';

export { DRAW_BUNDLE_SOURCE, drawBundleFile } from './dispatch';

export interface Confirmed {
  ok: true;
  draw: DrawDoc;
  campaign: CampaignDoc;
  /** true when this click found the draw already confirmed (a second click draws nothing) */
  already: boolean;
  /** counties whose task list could not be sent: nobody there is registered as 联络员 */
  countiesWithoutLiaison: string[];
  /**
   * Writing the tasks and queueing every message runs after the answer (a callback has 3 s); it is idempotent and
   * resumed after a crash (resumeDispatch), so callers may leave it running and only log a failure.
   */
  dispatch: Promise<void>;
}

/** What a claimed draw keeps until its bundles are written (to finish after a crash). */
interface Core {
  population: PopulationRow[];
  exclusions: ExclusionRow[];
  staff: StaffRow[];
  computed: Computed;
  unknown: BundleDetails['unknownValues'];
}

/** Counties (of the given list) where no staff member holds the 联络员 role. */
export async function countiesWithoutLiaison(conn: Connection, counties: Iterable<string>): Promise<string[]> {
  const liaisons = new Set((await staffModel(conn).find({ roles: '联络员' }, { county: 1 }).lean()).map((l) => l.county));
  return [...new Set(counties)].filter((c) => !liaisons.has(c)).sort();
}

export async function confirmDraw(
  conn: Connection,
  outbox: Outbox,
  now: Date,
  input: { actor: Actor; drawId: Types.ObjectId; entropy?: string },
): Promise<Confirmed | Refusal> {
  const denied = drawRefusal(input.actor);
  if (denied) return denied;
  const draws = drawModel(conn);
  const draw = await draws.findById(input.drawId).lean<DrawDoc>();
  if (!draw) return refuse('预览不存在', '找不到这次预览，请重新发送 /抽取。');
  const campaign = await campaignModel(conn).findById(draw.campaignId).lean<CampaignDoc>();
  if (!campaign) return refuse('专项不存在', '这次预览所属的专项已不存在，请重新发送 /抽取。');
  if (draw.status === 'confirmed') return alreadyConfirmed(conn, outbox, now, draw, campaign);
  if (draw.status !== 'previewed') {
    return refuse('预览已失效', '这次预览已被新的预览取代、已取消或已作废，未进行抽取。请使用最新的预览，或重新发送 /抽取。');
  }
  if (draw.algorithm !== ALGORITHM || draw.commitSeq === undefined || !draw.commitment || !draw.botValue || !draw.blind || !draw.commitmentHash) {
    return refuse('预览已失效', '这次预览没有完整记入抽取日志，不能确认。请重新发送 /抽取。');
  }
  const commitment = draw.commitment as Commitment;

  // A pinned source: not before its time, and the 种子 must be its value.
  const source = commitment.source;
  if (source !== null) {
    const at = announcedInstant(source.announcedAt);
    if (at !== null && now.getTime() < at.getTime()) {
      return refuse(
        '尚未开奖',
        `本次抽取以${describeSource(source)}为种子。请在 ${announcedText(source.announcedAt)}（北京时间）开奖之后，在预览卡片上填写开奖号码再确认。`,
      );
    }
  }
  const entered = input.entropy ?? draw.proposedEntropy ?? '';
  const entropy = entropyFor(source, entered);
  if (!entropy.ok) return refuse('种子有误', `${entropy.reason}。请在预览卡片上填写后再确认。`);
  if (source === null && entropy.entropy !== '' && !/^[\p{L}\p{N}._:+\-/]{1,64}$/u.test(entropy.entropy)) {
    return refuse('种子有误', '“种子”应为1–64个字母、数字或 .-_:+/。');
  }

  // The registries and parameters must be what the preview committed to.
  const registry = await readRegistry(conn, campaign, draw.blind);
  const changed: string[] = [];
  if (registry.populationHash !== commitment.populationHash) changed.push('检查对象名录库');
  if (registry.exclusionsHash !== commitment.exclusionsHash) changed.push('名录库中到期或无效的企业');
  if (registry.staffHash !== commitment.staffHash) changed.push('人员名录');
  if (registry.parametersHash !== commitment.parametersHash) changed.push('专项的抽取参数');
  if (changed.length > 0) {
    const gone = await draws.updateOne({ _id: draw._id, status: 'previewed' }, { $set: { status: 'abandoned' } });
    if (gone.modifiedCount > 0) {
      await appendChain(
        conn,
        campaign._id,
        'void',
        { drawId: String(draw._id), attempt: draw.attempt, reason: 'registry-changed', note: `预览之后${changed.join('、')}发生了变化` },
        now,
        `void:${String(draw._id)}`,
      );
    }
    return refuse(
      '预览已作废',
      `预览之后${changed.join('、')}发生了变化，这次预览（第${draw.attempt}次抽取）已作废，未进行抽取，作废已记入抽取日志。请重新发送 /抽取，按最新名录预览。`,
      draw.attempt,
    );
  }

  const previous = await drawModel(conn).find({ campaignId: campaign._id, status: 'confirmed' }).sort({ attempt: -1 }).lean<DrawDoc[]>();
  for (const p of previous) {
    const started = await taskModel(conn).countDocuments({ drawId: p._id, state: { $nin: ['待接收', '待检查', '已作废'] } });
    if (started > 0) {
      return refuse('不能重新抽取', `预览之后，第${p.attempt}次抽取的任务中已有${started}项开始检查，不能再重新抽取。这次预览未生效。`);
    }
  }

  // The draw itself (in slices: a large registry must not hold the service).
  const seed = deriveSeed(draw.commitmentHash, draw.botValue, entropy.entropy);
  const index = catalogueIndex();
  const computed = await runSliced(computeSteps(registry.population, registry.staff, registry.parameters, seed, index, draw.blind));
  const core: Core = {
    population: registry.population,
    exclusions: registry.exclusions,
    staff: registry.staff,
    computed,
    unknown: unknownValues(registry.population, registry.staff, index),
  };
  const byCounty = new Map<string, number>();
  for (const s of computed.selected) byCounty.set(s.row.county, (byCounty.get(s.row.county) ?? 0) + 1);
  const summary = {
    selected: computed.selected.length,
    teams: computed.result.teams.length,
    byCounty: [...byCounty.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([county, n]) => ({ county, n })),
    shortages: computed.result.shortages.length,
  };
  const teamsGz = await gzJson({ selection: computed.details.selection, teams: computed.details.teams, shortages: computed.details.shortages });
  const coreGz = await gzJson(core);

  let claimed: DrawDoc | null;
  try {
    claimed = await draws
      .findOneAndUpdate(
        { _id: draw._id, status: 'previewed' },
        {
          $set: {
            status: 'confirmed',
            entropy: entropy.entropy,
            seed,
            resultHash: computed.resultHash,
            confirmedBy: input.actor.openId,
            confirmedAt: now,
            confirmedSlot: `${String(campaign._id)}:${ALGORITHM}:${draw.attempt}`,
            coreGz,
            teamsGz,
            summary,
          },
        },
        { returnDocument: 'after' },
      )
      .lean<DrawDoc>();
  } catch (err) {
    if (isDuplicateKeyError(err)) {
      // Another preview of the same attempt (two /抽取 at once) was confirmed first: this one can never be confirmed,
      // so it is voided like any preview that will never be (docs/draw-spec.md §8.2), not left dangling in the log.
      const gone = await draws.updateOne({ _id: draw._id, status: 'previewed' }, { $set: { status: 'abandoned' } });
      if (gone.modifiedCount > 0) {
        await appendChain(
          conn,
          campaign._id,
          'void',
          { drawId: String(draw._id), attempt: draw.attempt, reason: 'replaced', note: `本专项的第${draw.attempt}次抽取已由另一次预览确认` },
          now,
          `void:${String(draw._id)}`,
        );
      }
      return refuse('已有抽取被确认', `本专项的第${draw.attempt}次抽取已由他人确认，这次预览已作废，未进行抽取。发送 /进度 查看情况。`, draw.attempt);
    }
    throw err;
  }
  if (!claimed) {
    // Lost a race with a second click on the same button: report what the winner did.
    const winner = await draws.findById(draw._id).lean<DrawDoc>();
    if (winner?.status === 'confirmed') return alreadyConfirmed(conn, outbox, now, winner, campaign);
    return refuse('预览已失效', '这次预览已被新的预览取代或已取消，未进行抽取。请重新发送 /抽取。');
  }

  const finished = await finishConfirmation(conn, claimed, campaign, core);
  if (!finished.ok) return finished;
  const missing = await countiesWithoutLiaison(conn, summary.byCounty.map((c) => c.county));
  const dispatch = dispatchDraw(conn, outbox, now, claimed._id).then(() => undefined);
  return { ok: true, draw: finished.draw, campaign, already: false, countiesWithoutLiaison: missing, dispatch };
}

async function alreadyConfirmed(conn: Connection, outbox: Outbox, now: Date, draw: DrawDoc, campaign: CampaignDoc): Promise<Confirmed | Refusal> {
  let current = draw;
  if (draw.algorithm === ALGORITHM && !draw.bundleGz) {
    // A confirmation interrupted part-way (crash): finish it now (idempotent), or join its finishing in this process.
    const finished = await finishConfirmation(conn, draw, campaign);
    if (!finished.ok) return finished;
    current = finished.draw;
  }
  // Dispatch is idempotent: finishing it here also repairs a confirmation interrupted by a crash.
  const dispatch = current.dispatchedAt ? Promise.resolve() : dispatchDraw(conn, outbox, now, current._id).then(() => undefined);
  const counties = current.summary?.byCounty.map((c) => c.county) ?? [];
  return { ok: true, draw: current, campaign, already: true, countiesWithoutLiaison: await countiesWithoutLiaison(conn, counties), dispatch };
}

/**
 * After the claim: the redraw fence, the reveal entry, the two bundles. Idempotent, so that the dispatch job can finish
 * a confirmation a crash interrupted; once per process at a time (a second call joins the running one, dispatch.ts
 * finishOnce). `core` is the computed draw when the caller still has it.
 */
export function finishConfirmation(
  conn: Connection,
  claimed: DrawDoc,
  campaign: CampaignDoc,
  core?: Core,
): Promise<{ ok: true; draw: DrawDoc } | Refusal> {
  return finishOnce(conn, claimed._id, () => finishClaimed(conn, claimed, campaign, core));
}

async function finishClaimed(
  conn: Connection,
  claimed: DrawDoc,
  campaign: CampaignDoc,
  core?: Core,
): Promise<{ ok: true; draw: DrawDoc } | Refusal> {
  const draws = drawModel(conn);
  let draw = claimed;
  if (!draw.fenced) {
    const f = await fence(conn, draw);
    if (f.started > 0) {
      if (await withdrawFenced(conn, draw)) {
        await appendChain(
          conn,
          draw.campaignId,
          'void',
          { drawId: String(draw._id), attempt: draw.attempt, reason: 'redraw-race', note: `确认时第${f.attempt}次抽取的任务中已有${f.started}项开始检查` },
          new Date(),
          `void:${String(draw._id)}`,
        );
      }
      return refuse('不能重新抽取', `确认时，第${f.attempt}次抽取的任务中已有${f.started}项开始检查，不能再重新抽取。这次预览已作废，未进行抽取。`, draw.attempt);
    }
    draw = (await draws.findOneAndUpdate({ _id: draw._id }, { $set: { fenced: true } }, { returnDocument: 'after' }).lean<DrawDoc>()) as DrawDoc;
  }

  const commitment = draw.commitment as Commitment;
  const before = await loadChain(conn, draw.campaignId);
  const supersedes = before.filter((e) => isConfirmedDrawEntry(e) && e.data.drawId !== String(draw._id)).map((e) => e.data.attempt as number);
  let reveal: HashedLogEntry;
  // The listing built for the reveal, reused for the bundles when its names setting is the one logged.
  let built: { names: 'names' | 'pseudonyms'; listing: PublicListing } | undefined;
  if (draw.revealSeq === undefined) {
    let c = core;
    if (c === undefined) c = await readGzJson<Core>(draw.coreGz);
    // The public listing (names or pseudonyms as the campaign says now) is fixed by its hash in the reveal (§9.2).
    const listingNames = campaign.publicNames ?? 'pseudonyms';
    const listing = publicListing(c.computed.result, c.population, c.staff, listingNames, c.computed.selected);
    built = { names: listingNames, listing };
    const data = revealData(
      String(draw._id),
      commitment,
      draw.commitSeq as number,
      draw.botValue as string,
      draw.entropy as string,
      c.computed,
      draw.confirmedBy ?? draw.requestedBy,
      supersedes,
      // (a draw claimed before the blind existed, finished after an upgrade, logs no listing: §12.1)
      draw.blind ? listing : null,
    );
    reveal = await appendChain(conn, draw.campaignId, 'reveal', { ...data }, draw.confirmedAt ?? new Date(), `reveal:${String(draw._id)}`);
    draw = (await draws.findOneAndUpdate({ _id: draw._id }, { $set: { revealSeq: reveal.seq } }, { returnDocument: 'after' }).lean<DrawDoc>()) as DrawDoc;
    core = c;
  }
  if (!draw.bundleGz) {
    const c = core ?? (await readGzJson<Core>(draw.coreGz));
    const log = await loadChain(conn, draw.campaignId, draw.revealSeq);
    // The listing as the reveal logged it: its names setting is the one hashed there, whatever the campaign says now.
    const logged = log.at(-1)?.data.names;
    const names = logged === 'names' || logged === 'pseudonyms' ? logged : (campaign.publicNames ?? 'pseudonyms');
    // The reveal logged publicHash(listing) (§9.2): the bundle's commitment section takes it rather than hashing again.
    const loggedHash = log.at(-1)?.data.publicHash;
    const bundles = buildBundles({
      drawId: String(draw._id),
      campaign: campaignRef(campaign),
      attempt: draw.attempt,
      parameters: draw.parameters!,
      catalogue: catalogueIndex().catalogue,
      population: c.population,
      exclusions: c.exclusions,
      staff: c.staff,
      commitment,
      botValue: draw.botValue as string,
      entropy: draw.entropy as string,
      computed: c.computed,
      unknownValues: c.unknown,
      log,
      people: await peopleOf(conn, log),
      blind: draw.blind ?? null,
      listing: built !== undefined && built.names === names ? built.listing : publicListing(c.computed.result, c.population, c.staff, names, c.computed.selected),
      ...(typeof loggedHash === 'string' ? { listingHash: loggedHash } : {}),
    });
    const bundleGz = await gzJson(bundles.internal);
    const publicBundleGz = await gzJson(bundles.public);
    draw = (await draws
      .findOneAndUpdate({ _id: draw._id }, { $set: { bundleGz, publicBundleGz }, $unset: { coreGz: 1 } }, { returnDocument: 'after' })
      .lean<DrawDoc>()) as DrawDoc;
  }
  return { ok: true, draw };
}

/** After a restart: finish any confirmed draw whose confirmation or dispatch was interrupted. */
export async function resumeDispatch(conn: Connection, outbox: Outbox, now: Date, log: Logger): Promise<number> {
  const pending = await drawModel(conn).find({ status: 'confirmed', dispatchedAt: { $exists: false } }).sort({ confirmedAt: 1 }).lean<DrawDoc[]>();
  let resumed = 0;
  for (const d of pending) {
    // the confirm's own finishing or dispatch is still running in this process (dispatch.ts)
    if (finishRunning(conn, d._id) || dispatchRunning(conn, d._id)) continue;
    try {
      if ((d.algorithm === ALGORITHM || d.algorithm === PLATFORM_ALGORITHM) && !d.bundleGz) {
        const campaign = await campaignModel(conn).findById(d.campaignId).lean<CampaignDoc>();
        if (!campaign) continue;
        const finished = d.algorithm === PLATFORM_ALGORITHM ? await finishPlatformImport(conn, d, campaign) : await finishConfirmation(conn, d, campaign);
        if (!finished.ok) {
          log.warn({ drawId: String(d._id), reason: finished.reason }, 'interrupted confirmation withdrawn');
          continue;
        }
      }
      await dispatchDraw(conn, outbox, now, d._id);
      resumed++;
    } catch (err) {
      // One draw that cannot be dispatched must not keep the service from starting.
      log.error({ err, drawId: String(d._id) }, 'draw dispatch could not be resumed');
    }
  }
  return resumed;
}
