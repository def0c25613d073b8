/**
 * A draw made on the national “双随机、一公开” platform becomes the campaign's confirmed draw (docs/draw-spec.md §14):
 * a draw document of algorithm platform-import/1 (source “平台”), the same redraw rules as `/抽取 理由=…` (the
 * fence: unstarted tasks of the draw it replaces are voided, a started one blocks), one `platform` entry in the
 * campaign's hash chain, the internal and public bundles — and then the same dispatch as a draw of the bot
 * (dispatch.ts). Idempotent from the draw document on, so that the dispatch job finishes an import a crash
 * interrupted (resumeDispatch) and a second confirmation of the same upload never makes a second draw.
 */
import type { Connection, Types } from 'mongoose';
import { nextAttempt, isConfirmedDrawEntry } from '../../domain/draw2/chain';
import { ALGORITHM } from '../../domain/draw2/model';
import {
  buildPlatformBundles,
  PLATFORM_ALGORITHM,
  PLATFORM_LOG_KIND,
  platformListing,
  platformEntryData,
  type PlatformFile,
  type PlatformOutcome,
} from '../../domain/draw2/platform';
import type { Actor } from '../../policies';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import { appendChain, drawModel, loadChain, type DrawDoc } from '../../store/draw';
import { isDuplicateKeyError } from '../../store/processedEvents';
import { campaignRef, drawRefusal, refuse, type Refusal } from './context';
import { finishOnce } from './dispatch';
import { fence, peopleOf, withdrawFenced } from './fence';
import { gzJson, readGzJson } from './jsonSlices';

/** What an import keeps on its draw document until the bundles are written. */
export interface PlatformCore {
  outcome: PlatformOutcome;
  file: PlatformFile;
}

/**
 * One slot per campaign and attempt, whichever kind of draw takes it (the text names spotcheck-draw/2 because it
 * predates imported draws): a draw of the bot and an import racing for the same attempt cannot both be confirmed.
 */
export function attemptSlot(campaignId: Types.ObjectId, attempt: number): string {
  return `${String(campaignId)}:${ALGORITHM}:${attempt}`;
}

export async function importPlatformDraw(
  conn: Connection,
  now: Date,
  input: {
    actor: Actor;
    actorName: string;
    campaign: CampaignDoc;
    uploadId: Types.ObjectId;
    file: PlatformFile;
    outcome: PlatformOutcome;
    reason: string | null;
  },
): Promise<{ ok: true; draw: DrawDoc; already: boolean } | Refusal> {
  const denied = drawRefusal(input.actor);
  if (denied) return denied;
  const draws = drawModel(conn);
  const { campaign } = input;
  const existing = await existingPlatformImport(conn, input.uploadId);
  if (existing !== null) return existing.ok ? { ok: true, draw: existing.draw, already: true } : existing;

  // A pending preview of /抽取 can no longer be confirmed: this import is the campaign's draw now.
  const stale = await draws.find({ campaignId: campaign._id, status: 'previewed' }).sort({ createdAt: 1 }).lean<DrawDoc[]>();
  for (const d of stale) {
    const gone = await draws.updateOne({ _id: d._id, status: 'previewed' }, { $set: { status: 'abandoned' } });
    if (gone.modifiedCount > 0 && d.commitSeq !== undefined) {
      await appendChain(
        conn,
        campaign._id,
        'void',
        { drawId: String(d._id), attempt: d.attempt, reason: 'replaced', note: '被导入的监管平台抽取结果取代' },
        now,
        `void:${String(d._id)}`,
      );
    }
  }

  const attempt = nextAttempt(await loadChain(conn, campaign._id));
  const o = input.outcome;
  const byCounty = new Map<string, number>();
  for (const s of o.details.selection) byCounty.set(s.county, (byCounty.get(s.county) ?? 0) + 1);
  const summary = {
    selected: o.result.selection.length,
    teams: o.result.teams.length,
    byCounty: [...byCounty.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([county, n]) => ({ county, n })),
    shortages: 0,
  };
  const core: PlatformCore = { outcome: o, file: input.file };
  let draw: DrawDoc;
  try {
    const created = await draws.create({
      campaignId: campaign._id,
      attempt,
      status: 'confirmed',
      requestedBy: input.actor.openId,
      requestedByName: input.actorName,
      algorithm: PLATFORM_ALGORITHM,
      ...(input.reason ? { reason: input.reason } : {}),
      populationHash: o.selectionHash,
      staffHash: o.teamsHash,
      resultHash: o.resultHash,
      confirmedBy: input.actor.openId,
      confirmedAt: now,
      confirmedSlot: attemptSlot(campaign._id, attempt),
      coreGz: await gzJson(core),
      teamsGz: await gzJson({ selection: o.details.selection, teams: o.details.teams, shortages: o.details.shortages }),
      summary,
      platform: {
        uploadId: input.uploadId,
        fileName: input.file.name,
        size: input.file.size,
        sha256: input.file.sha256,
        selectionHash: o.selectionHash,
        teamsHash: o.teamsHash,
      },
    });
    draw = created.toObject() as DrawDoc;
  } catch (err) {
    if (isDuplicateKeyError(err)) {
      return refuse('已有抽取被确认', `本专项的第${attempt}次抽取刚刚已由他人确认，这份文件没有导入。请发送 /进度 查看情况，如仍需以平台结果为准，请重新发送文件。`);
    }
    throw err;
  }
  const finished = await finishPlatformImport(conn, draw, campaign, core);
  return finished.ok ? { ok: true, draw: finished.draw, already: false } : finished;
}

/**
 * The draw an earlier confirmation of this upload made (finished now if a crash interrupted it), or null: a click after
 * an interrupted import never makes a second draw.
 */
export async function existingPlatformImport(
  conn: Connection,
  uploadId: Types.ObjectId,
): Promise<{ ok: true; draw: DrawDoc; campaign: CampaignDoc } | Refusal | null> {
  const existing = await drawModel(conn).findOne({ 'platform.uploadId': uploadId }).lean<DrawDoc>();
  if (!existing) return null;
  if (existing.status !== 'confirmed' && existing.status !== 'superseded') {
    return refuse('没有导入', '这份文件的导入已被撤回：确认时已有任务开始检查。');
  }
  const campaign = await campaignModel(conn).findById(existing.campaignId).lean<CampaignDoc>();
  if (!campaign) return refuse('专项不存在', '这份文件导入的专项已不存在。');
  const finished = existing.bundleGz ? { ok: true as const, draw: existing } : await finishPlatformImport(conn, existing, campaign);
  return finished.ok ? { ok: true, draw: finished.draw, campaign } : finished;
}

/**
 * After the draw document: the redraw fence, the `platform` chain entry, the two bundles. Idempotent (the dispatch
 * job runs it again after a crash); once per process at a time (dispatch.ts finishOnce). `core` is what the caller
 * still has in memory.
 */
export function finishPlatformImport(
  conn: Connection,
  created: DrawDoc,
  campaign: CampaignDoc,
  core?: PlatformCore,
): Promise<{ ok: true; draw: DrawDoc } | Refusal> {
  return finishOnce(conn, created._id, () => finishCreated(conn, created, campaign, core));
}

async function finishCreated(
  conn: Connection,
  created: DrawDoc,
  campaign: CampaignDoc,
  core?: PlatformCore,
): Promise<{ ok: true; draw: DrawDoc } | Refusal> {
  const draws = drawModel(conn);
  let draw = created;
  if (!draw.fenced) {
    const f = await fence(conn, draw);
    if (f.started > 0) {
      // Nothing was logged for this import yet (the entry follows the fence): withdrawing it leaves no trace to void.
      await withdrawFenced(conn, draw);
      return refuse(
        '不能以平台结果替换',
        `确认时，第${f.attempt}次抽取的任务中已有${f.started}项开始检查，不能再替换（与 /抽取 重新抽取的规则相同）。这份文件没有导入。`,
      );
    }
    draw = (await draws.findOneAndUpdate({ _id: draw._id }, { $set: { fenced: true } }, { returnDocument: 'after' }).lean<DrawDoc>()) as DrawDoc;
  }
  let c = core;
  if (draw.revealSeq === undefined) {
    c ??= await readGzJson<PlatformCore>(draw.coreGz);
    const before = await loadChain(conn, draw.campaignId);
    const supersedes = before.filter((e) => isConfirmedDrawEntry(e) && e.data.drawId !== String(draw._id)).map((e) => e.data.attempt as number);
    const data = platformEntryData({
      drawId: String(draw._id),
      attempt: draw.attempt,
      byOpenId: draw.confirmedBy ?? draw.requestedBy,
      file: c.file,
      reason: draw.reason ?? null,
      outcome: c.outcome,
      supersedes,
      listing: platformListing(c.outcome.details, campaign.publicNames ?? 'pseudonyms'),
    });
    const entry = await appendChain(conn, draw.campaignId, PLATFORM_LOG_KIND, { ...data }, draw.confirmedAt ?? new Date(), `platform:${String(draw._id)}`);
    draw = (await draws.findOneAndUpdate({ _id: draw._id }, { $set: { revealSeq: entry.seq } }, { returnDocument: 'after' }).lean<DrawDoc>()) as DrawDoc;
  }
  if (!draw.bundleGz) {
    c ??= await readGzJson<PlatformCore>(draw.coreGz);
    const log = await loadChain(conn, draw.campaignId, draw.revealSeq);
    const logged = log.at(-1)?.data.names;
    const bundles = buildPlatformBundles({
      drawId: String(draw._id),
      campaign: campaignRef(campaign),
      attempt: draw.attempt,
      file: c.file,
      reason: draw.reason ?? null,
      outcome: c.outcome,
      log,
      people: await peopleOf(conn, log),
      // as the entry logged it (its hash covers the listing), whatever the campaign says now
      names: logged === 'names' || logged === 'pseudonyms' ? logged : (campaign.publicNames ?? 'pseudonyms'),
    });
    const bundleGz = await gzJson(bundles.internal);
    const publicBundleGz = await gzJson(bundles.public);
    draw = (await draws
      .findOneAndUpdate({ _id: draw._id }, { $set: { bundleGz, publicBundleGz }, $unset: { coreGz: 1 } }, { returnDocument: 'after' })
      .lean<DrawDoc>()) as DrawDoc;
  }
  return { ok: true, draw };
}
