/**
 * A county's 情况汇报 sent in chat (notice 四(四), due 11-15): a county liaison sends a document; since a liaison may
 * send other files by mistake, it is not recorded at once. `receiveCountyReport` keeps the bytes (operations/setup/
 * uploads.ts: claimed once, SHA-256 checked, a newer file of the same county supersedes the older question, forgotten
 * after a week) and says what a confirm would do; `confirmCountyReport` records exactly that file with
 * `recordCountyReport` (operations/countyReports.ts, the CLI's operation too), which tells the 市局联络员;
 * `cancelCountyReport` drops it.
 *
 * A second report of a county does not replace the first: every sending is kept and the latest one counts (/进度
 * shows the latest and how many were sent). The question card says so.
 */
import type { Types } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import { countyReportDue, isReportFileType } from '../domain/countyReport';
import { recogniseHeader, SETUP_FILE_KINDS, SETUP_KIND_TITLES } from '../domain/setupFiles';
import { mayRecordCountyReport, type Actor } from '../policies';
import { campaignModel, type CampaignDoc } from '../store/campaign';
import { countyReportModel } from '../store/countyReport';
import { setupUploadModel, type SetupUploadDoc } from '../store/setupUpload';
import { findActiveCampaign } from './campaigns';
import { recordCountyReport, type CountyReportDeps, type CountyReportResult } from './countyReports';
import { formatOf, readSheetData, RegistryFileError } from './registryFile';
import { cancelUpload, claimUpload, finishUpload, keepUpload, releaseUpload, type ClaimRefusal } from './setup/uploads';

export interface ReportSender {
  actor: Actor;
  name: string;
}

/** The county's earlier sendings of this campaign (the latest first). */
export interface EarlierReports {
  count: number;
  latest?: { fileName: string; on: string; byName: string };
}

export type ReportReceived =
  | { ok: false; code: 'notLiaison' }
  | { ok: false; code: 'fileType' }
  | { ok: false; code: 'empty' }
  | { ok: false; code: 'noCampaign' }
  /** a registry, a holiday calendar or a checklist file: only the 市局联络员 imports those */
  | { ok: false; code: 'setupKind'; title: string }
  | {
      ok: true;
      upload: SetupUploadDoc;
      superseded: SetupUploadDoc[];
      county: string;
      campaign: Pick<CampaignDoc, '_id' | 'name' | 'year'>;
      due: string;
      earlier: EarlierReports;
    };

/**
 * A CSV saved by Excel in the Chinese system encoding (GBK/GB18030) is still a registry to the person who sent it: its
 * header is recognised in that encoding too, so a county liaison is told that only the 市局联络员 imports it rather
 * than asked to submit it as the county's report. Anything else is returned as it is.
 */
function legacyCsvAsUtf8(data: Buffer, format: 'csv' | 'xlsx'): Buffer {
  if (format !== 'csv') return data;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return data;
  } catch {
    try {
      return Buffer.from(new TextDecoder('gb18030', { fatal: true }).decode(data), 'utf8');
    } catch {
      return data;
    }
  }
}

/** Whether a spreadsheet's header row is one of the set-up kinds (a file that is not readable is not). */
async function setupKindOf(fileName: string, data: Buffer): Promise<string | undefined> {
  let format: 'csv' | 'xlsx';
  try {
    format = formatOf(fileName);
  } catch (err) {
    if (err instanceof RegistryFileError) return undefined;
    throw err;
  }
  try {
    const header = (await readSheetData(legacyCsvAsUtf8(data, format), format))[0];
    if (!header) return undefined;
    const r = recogniseHeader(header.cells);
    if ((SETUP_FILE_KINDS as readonly string[]).includes(r.kind)) return SETUP_KIND_TITLES[r.kind as (typeof SETUP_FILE_KINDS)[number]];
    return r.kind === 'incomplete' ? r.title : undefined;
  } catch {
    // Not readable as a sheet: a document like any other.
    return undefined;
  }
}

export async function earlierReports(deps: Pick<CountyReportDeps, 'conn'>, campaignId: Types.ObjectId, county: string): Promise<EarlierReports> {
  const model = countyReportModel(deps.conn);
  const count = await model.countDocuments({ campaignId, county });
  const latest = await model.findOne({ campaignId, county }, { fileName: 1, on: 1, byName: 1 }).sort({ at: -1 }).lean();
  return latest ? { count, latest: { fileName: latest.fileName, on: latest.on, byName: latest.byName } } : { count };
}

export async function receiveCountyReport(
  deps: CountyReportDeps,
  input: { messageId: string; fileKey: string; fileName: string; data: Buffer; by: ReportSender },
): Promise<ReportReceived> {
  const county = input.by.actor.county ?? '';
  if (!mayRecordCountyReport(input.by.actor, county)) return { ok: false, code: 'notLiaison' };
  if (!isReportFileType(input.fileName)) return { ok: false, code: 'fileType' };
  if (input.data.length === 0) return { ok: false, code: 'empty' };
  const setupKind = await setupKindOf(input.fileName, input.data);
  if (setupKind) return { ok: false, code: 'setupKind', title: setupKind };
  const campaign = await findActiveCampaign(deps.conn, shanghaiDate(deps.now()));
  if (!campaign) return { ok: false, code: 'noCampaign' };
  const kept = await keepUpload(
    deps.conn,
    {
      messageId: input.messageId,
      kind: 'countyReport',
      fileName: input.fileName,
      fileKey: input.fileKey,
      data: input.data,
      by: input.by.actor.openId,
      byName: input.by.name,
      county,
      campaignId: campaign._id,
    },
    deps.now(),
  );
  return {
    ok: true,
    upload: kept.upload,
    superseded: kept.superseded,
    county,
    campaign: { _id: campaign._id, name: campaign.name, year: campaign.year },
    due: countyReportDue(campaign),
    earlier: await earlierReports(deps, campaign._id, county),
  };
}

export type ReportConfirmed =
  | { ok: false; why: ClaimRefusal | 'notLiaison'; upload?: SetupUploadDoc }
  | { ok: false; why: 'refused'; upload: SetupUploadDoc; reason: string }
  | { ok: true; upload: SetupUploadDoc; result: Extract<CountyReportResult, { ok: true }>; earlier: EarlierReports };

async function uploadOf(deps: Pick<CountyReportDeps, 'conn'>, id: Types.ObjectId): Promise<SetupUploadDoc | null> {
  return setupUploadModel(deps.conn).findOne({ _id: id, kind: 'countyReport' }).lean<SetupUploadDoc>();
}

/** Whether `actor` may act on this question: a liaison of the county it was asked for. */
function mayAnswer(actor: Actor, upload: SetupUploadDoc): boolean {
  return upload.county !== undefined && mayRecordCountyReport(actor, upload.county);
}

export async function confirmCountyReport(deps: CountyReportDeps, input: { uploadId: Types.ObjectId; by: ReportSender }): Promise<ReportConfirmed> {
  const found = await uploadOf(deps, input.uploadId);
  if (!found) return { ok: false, why: 'missing' };
  if (!mayAnswer(input.by.actor, found)) return { ok: false, why: 'notLiaison', upload: found };
  const claim = await claimUpload(deps.conn, input.uploadId, ['countyReport'], deps.now());
  if (!claim.ok) return claim;
  const { upload, data } = claim;
  try {
    const campaign = upload.campaignId ? await campaignModel(deps.conn).findById(upload.campaignId).lean<CampaignDoc>() : null;
    if (!campaign) {
      await releaseUpload(deps.conn, upload._id);
      return { ok: false, why: 'refused', upload, reason: '这份文件对应的专项已不存在' };
    }
    const earlier = await earlierReports(deps, campaign._id, upload.county!);
    const result = await recordCountyReport(deps, {
      actor: input.by.actor,
      campaignName: campaign.name,
      fileName: upload.fileName,
      data,
      ...(upload.fileKey ? { fileKey: upload.fileKey } : {}),
      messageId: upload.messageId,
    });
    if (!result.ok) {
      await releaseUpload(deps.conn, upload._id);
      return { ok: false, why: 'refused', upload, reason: result.reason };
    }
    const done = await finishUpload(deps.conn, upload._id, { result: { size: data.length, reports: earlier.count + 1 }, by: input.by.actor.openId, byName: input.by.name }, deps.now());
    return { ok: true, upload: done, result, earlier };
  } catch (err) {
    await releaseUpload(deps.conn, upload._id).catch(() => undefined);
    throw err;
  }
}

export async function cancelCountyReport(
  deps: Pick<CountyReportDeps, 'conn' | 'now'>,
  input: { uploadId: Types.ObjectId; by: ReportSender },
): Promise<{ ok: true; upload: SetupUploadDoc } | { ok: false; why: ClaimRefusal | 'notLiaison'; upload?: SetupUploadDoc }> {
  const found = await uploadOf(deps, input.uploadId);
  if (!found) return { ok: false, why: 'missing' };
  if (!mayAnswer(input.by.actor, found)) return { ok: false, why: 'notLiaison', upload: found };
  return cancelUpload(deps.conn, input.uploadId, ['countyReport'], { openId: input.by.actor.openId, name: input.by.name }, deps.now());
}
