/**
 * A set-up file sent in chat, from receipt to import: `receiveSetupFile` previews it (a dry run) and keeps the bytes
 * of an importable file; `confirmSetupUpload` imports exactly those bytes (checked against the preview's SHA-256),
 * once; `cancelSetupUpload` drops the preview. Who may do this is the caller's check (policies.ts maySetUp).
 * Kinds: the registries, the holiday calendar, and the extra checklists of the active campaign (进一次门，查多项事:
 * previewed and imported by operations/checklists/importChecklists.ts, the same operation as the CLI's).
 */
import type { Types } from 'mongoose';
import { shanghaiDate } from '../../domain/calendar';
import type { Actor } from '../../policies';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import type { SetupUploadDoc } from '../../store/setupUpload';
import { findActiveCampaign } from '../campaigns';
import { importChecklists, type ChecklistImportReport } from '../checklists/importChecklists';
import { countyLiaisonKeys, handOverToNewLiaisons, type HandOverRun } from '../followup/handOver';
import {
  fileFailure,
  importCalendarYear,
  logRegistryImport,
  previewCalendar,
  readSetupFile,
  registryCounts,
  registryImportable,
  runRegistry,
  type CalendarImport,
  type CalendarPreview,
  type ReadRefusal,
  type RegistryOutcome,
  type SetupDeps,
} from './setupFiles';
import { receivePlatformDraw, type PlatformReceived } from './platformDraw';
import { SETUP_FILE_KINDS } from '../../domain/setupFiles';
import { cancelUpload, claimUpload, finishUpload, keepUpload, releaseUpload, sha256Hex, type ClaimRefusal } from './uploads';

export interface Sender {
  openId: string;
  name: string;
  /** who it is (the checklist import checks it again: operations/checklists/importChecklists.ts) */
  actor: Actor;
}

/** The chat's words for “no campaign to load the lists into” (the CLI's own names its --campaign option). */
export const NO_CAMPAIGN_FOR_CHECKLISTS = '当前没有进行中的专项：请先发送 /专项 新建 创建本年度专项，再发送检查表文件';

type ChecklistReportOk = Extract<ChecklistImportReport, { ok: true }>;

/** What a checklist import changed, for the import log and the upload. */
export function checklistCounts(r: ChecklistReportOk): Record<string, number> {
  return {
    lists: r.lists.length,
    items: r.lists.reduce((n, l) => n + l.items.length, 0),
    replaced: r.lists.filter((l) => l.replaced).length,
  };
}

export type Received =
  | { ok: false; refusal: ReadRefusal }
  | { ok: true; kind: 'enterprises' | 'staff'; outcome: RegistryOutcome; upload?: SetupUploadDoc; superseded: SetupUploadDoc[] }
  | { ok: true; kind: 'calendar'; preview: CalendarPreview; upload?: SetupUploadDoc; superseded: SetupUploadDoc[] }
  | { ok: true; kind: 'checklists'; report: ChecklistImportReport; upload?: SetupUploadDoc; superseded: SetupUploadDoc[] }
  | PlatformReceived;

export async function receiveSetupFile(
  deps: SetupDeps,
  input: { messageId: string; fileName: string; data: Buffer; by: Sender },
): Promise<Received> {
  const read = await readSetupFile(input.fileName, input.data);
  if (!read.ok) return read;
  // The platform's draw is confirmed through its own action (it needs the actor and, for a redraw, a reason).
  if (read.kind === 'platformDraw') return receivePlatformDraw(deps, { ...input, actor: input.by.actor, sheet: read.sheet });
  const keep = (kind: 'enterprises' | 'staff' | 'calendar' | 'checklists', campaignId?: Types.ObjectId) =>
    keepUpload(
      deps.conn,
      { messageId: input.messageId, kind, fileName: input.fileName, data: input.data, by: input.by.openId, byName: input.by.name, campaignId },
      deps.now(),
    );
  if (read.kind === 'checklists') {
    if (!(await findActiveCampaign(deps.conn, shanghaiDate(deps.now())))) {
      return { ok: true, kind: 'checklists', report: { ok: false, reason: NO_CAMPAIGN_FOR_CHECKLISTS }, superseded: [] };
    }
    const report = await importChecklists(deps.conn, { fileName: input.fileName, data: input.data, actor: input.by.actor, now: deps.now(), dryRun: true });
    if (!report.ok) return { ok: true, kind: 'checklists', report, superseded: [] };
    const kept = await keep('checklists', report.campaign._id);
    return { ok: true, kind: 'checklists', report, upload: kept.upload, superseded: kept.superseded };
  }
  if (read.kind === 'calendar') {
    const preview = await previewCalendar(deps, read.sheet);
    if (!preview.result.ok) return { ok: true, kind: 'calendar', preview, superseded: [] };
    const kept = await keep('calendar');
    return { ok: true, kind: 'calendar', preview, upload: kept.upload, superseded: kept.superseded };
  }
  let outcome: RegistryOutcome;
  try {
    outcome = await runRegistry(deps, read.kind, read.sheet, true);
  } catch (err) {
    const message = fileFailure(err);
    if (message !== undefined) return { ok: false, refusal: { code: 'unreadable', message } };
    throw err;
  }
  if (!registryImportable(outcome)) return { ok: true, kind: read.kind, outcome, superseded: [] };
  const kept = await keep(read.kind);
  return { ok: true, kind: read.kind, outcome, upload: kept.upload, superseded: kept.superseded };
}

export type Confirmed =
  /** `reason`: why a file that previewed well cannot be imported now (e.g. the campaign's checklists changed) */
  | { ok: false; why: ClaimRefusal | 'changed'; upload?: SetupUploadDoc; reason?: string[] }
  | { ok: true; kind: 'checklists'; upload: SetupUploadDoc; report: ChecklistReportOk }
  /** `handedOver`: a staff registry that registered county liaisons: the tasks waiting for their 附件2 were sent to them */
  | { ok: true; kind: 'enterprises' | 'staff'; upload: SetupUploadDoc; outcome: RegistryOutcome; handedOver?: HandOverRun }
  | { ok: true; kind: 'calendar'; upload: SetupUploadDoc; imported: CalendarImport };

/** What 确认导入 imports (a platform draw has its own button, platformDraw.ts; a 情况汇报 its own, countyReports) */
const IMPORTED_HERE = SETUP_FILE_KINDS.filter((k) => k !== 'platformDraw');

export async function confirmSetupUpload(deps: SetupDeps, input: { uploadId: Types.ObjectId; by: Sender }): Promise<Confirmed> {
  const claim = await claimUpload(deps.conn, input.uploadId, IMPORTED_HERE, deps.now());
  if (!claim.ok) return claim;
  const { upload, data } = claim;
  try {
    const read = await readSetupFile(upload.fileName, data);
    if (!read.ok || read.kind !== upload.kind || read.kind === 'platformDraw') {
      await releaseUpload(deps.conn, upload._id);
      return { ok: false, why: 'changed', upload };
    }
    if (read.kind === 'calendar') {
      const preview = await previewCalendar(deps, read.sheet);
      if (!preview.result.ok) {
        await releaseUpload(deps.conn, upload._id);
        return { ok: false, why: 'changed', upload };
      }
      const imported = await importCalendarYear(deps, {
        calendar: preview.result.calendar,
        fileName: upload.fileName,
        size: data.length,
        sha256: sha256Hex(data),
        source: 'chat',
        by: input.by.openId,
        byName: input.by.name,
      });
      const done = await finishUpload(
        deps.conn,
        upload._id,
        { result: { ...imported.log.counts, year: imported.calendar.year }, by: input.by.openId, byName: input.by.name },
        deps.now(),
      );
      return { ok: true, kind: 'calendar', upload: done, imported };
    }
    if (read.kind === 'checklists') return await confirmChecklists(deps, upload, data, input.by);
    const liaisonsBefore = read.kind === 'staff' ? await countyLiaisonKeys(deps) : undefined;
    const outcome = await runRegistry(deps, read.kind, read.sheet, false);
    const counts = registryCounts(outcome);
    await logRegistryImport(deps.conn, { kind: read.kind, fileName: upload.fileName, data, by: input.by.openId, byName: input.by.name, counts }, deps.now());
    const done = await finishUpload(deps.conn, upload._id, { result: counts, by: input.by.openId, byName: input.by.name }, deps.now());
    const handedOver = liaisonsBefore ? await handOverToNewLiaisons(deps, liaisonsBefore) : undefined;
    return { ok: true, kind: read.kind, upload: done, outcome, ...(handedOver ? { handedOver } : {}) };
  } catch (err) {
    await releaseUpload(deps.conn, upload._id).catch(() => undefined);
    throw err;
  }
}

/** Imports the previewed checklists into the campaign they were previewed for (another one is refused). */
async function confirmChecklists(deps: SetupDeps, upload: SetupUploadDoc, data: Buffer, by: Sender): Promise<Confirmed> {
  const campaign = upload.campaignId ? await campaignModel(deps.conn).findById(upload.campaignId).lean<CampaignDoc>() : null;
  if (!campaign) {
    await releaseUpload(deps.conn, upload._id);
    return { ok: false, why: 'changed', upload, reason: ['预览时的专项已不存在'] };
  }
  const report = await importChecklists(deps.conn, { fileName: upload.fileName, data, actor: by.actor, campaignName: campaign.name, now: deps.now() });
  if (!report.ok || String(report.campaign._id) !== String(campaign._id)) {
    await releaseUpload(deps.conn, upload._id);
    return { ok: false, why: 'changed', upload, reason: report.ok ? [`专项“${campaign.name}”无法唯一确定`] : [report.reason, ...(report.problems ?? []).map((p) => `第${p.line}行：${p.reason}`)] };
  }
  const counts = checklistCounts(report);
  await logRegistryImport(deps.conn, { kind: 'checklists', fileName: upload.fileName, data, by: by.openId, byName: by.name, counts }, deps.now());
  const done = await finishUpload(deps.conn, upload._id, { result: counts, by: by.openId, byName: by.name }, deps.now());
  return { ok: true, kind: 'checklists', upload: done, report };
}

/** 取消 on a set-up preview (registries, calendar, checklists, and a platform draw's): never a county's 情况汇报. */
export function cancelSetupUpload(deps: SetupDeps, input: { uploadId: Types.ObjectId; by: Sender }) {
  return cancelUpload(deps.conn, input.uploadId, SETUP_FILE_KINDS, { openId: input.by.openId, name: input.by.name }, deps.now());
}
