/**
 * The county's 监督检查情况汇报 (notice 四(四), due 11-15): `recordCountyReport` stores one sending (file name, its bytes
 * or Feishu file key, who, when) and tells the 市局联络员; `countyReportStatus` says which counties have sent it (the
 * 市局's /进度 shows it). Plain inputs: the chat (a county liaison sends the file; wired where file messages arrive)
 * and the CLI (`county-report add`) both call these.
 */
import type { Connection } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import { checkReportFileName, countyReportDue, MAX_REPORT_BYTES } from '../domain/countyReport';
import { YUNCHENG_COUNTIES } from '../domain/registryRows';
import { CITY_BUREAU } from '../domain/types';
import type { Logger } from '../logger';
import type { Outbox } from '../platform/outbox';
import { mayRecordCountyReport, type Actor } from '../policies';
import { campaignModel, type CampaignDoc } from '../store/campaign';
import { countyReportModel, type CountyReportDoc } from '../store/countyReport';
import { staffModel } from '../store/staff';
import { renderCard } from '../bot/cards';
import { md } from '../bot/cards';
import { findActiveCampaign } from './campaigns';
import { cityLiaisons } from './followup/common';

export interface CountyReportDeps {
  conn: Connection;
  now: () => Date;
  /** absent for the CLI (nobody is told) */
  outbox?: Outbox;
  log?: Logger;
}

export interface CountyReportInput {
  /** chat: the county liaison sending it (their county is the report's); absent for the CLI */
  actor?: Actor;
  /** CLI: the county */
  county?: string;
  campaignName?: string;
  fileName: unknown;
  data?: Uint8Array;
  fileKey?: string;
  /** chat: the message that carried the file */
  messageId?: string;
  /** CLI: who is recorded as the sender (default 命令行) */
  byName?: string;
}

export type CountyReportResult =
  | { ok: true; report: Omit<CountyReportDoc, 'data'>; campaign: Pick<CampaignDoc, '_id' | 'name' | 'year'>; due: string; late: boolean }
  | { ok: false; reason: string };

async function campaignFor(conn: Connection, name: string | undefined, today: string): Promise<CampaignDoc | null> {
  return name ? campaignModel(conn).findOne({ name }).sort({ year: -1 }).lean<CampaignDoc>() : findActiveCampaign(conn, today);
}

export async function recordCountyReport(deps: CountyReportDeps, input: CountyReportInput): Promise<CountyReportResult> {
  const now = deps.now();
  const today = shanghaiDate(now);
  let county: string;
  let by = 'CLI';
  let byName = input.byName?.trim() || '命令行';
  if (input.actor) {
    const actorCounty = input.actor.county ?? '';
    if (!mayRecordCountyReport(input.actor, actorCounty)) return { ok: false, reason: '只有县区联络员可以上报本县区的情况汇报' };
    county = actorCounty;
    by = input.actor.openId;
    const person = await staffModel(deps.conn).findOne({ openId: by }, { name: 1 }).lean();
    byName = person?.name ?? by;
  } else {
    county = (input.county ?? '').trim();
    if (!YUNCHENG_COUNTIES.includes(county)) return { ok: false, reason: `县区应为${YUNCHENG_COUNTIES.join('、')}之一，收到“${county}”` };
  }
  const name = checkReportFileName(input.fileName);
  if (!name.ok) return { ok: false, reason: name.error };
  if (!input.data && !input.fileKey) return { ok: false, reason: '没有收到文件内容' };
  if (input.data && input.data.length === 0) return { ok: false, reason: '文件是空的' };
  const keepBytes = input.data !== undefined && input.data.length <= MAX_REPORT_BYTES;
  if (input.data && !keepBytes && !input.fileKey) return { ok: false, reason: `文件超过 ${MAX_REPORT_BYTES / 1024 / 1024} MB，请压缩后重新上报` };
  const campaign = await campaignFor(deps.conn, input.campaignName, today);
  if (!campaign) return { ok: false, reason: input.campaignName ? `没有名为“${input.campaignName}”的专项` : '当前没有进行中的专项' };
  const created = await countyReportModel(deps.conn).create({
    campaignId: campaign._id,
    county,
    fileName: name.name,
    ...(input.fileKey ? { fileKey: input.fileKey } : {}),
    ...(input.messageId ? { messageId: input.messageId } : {}),
    ...(keepBytes ? { data: Buffer.from(input.data!) } : {}),
    ...(input.data ? { size: input.data.length } : {}),
    by,
    byName,
    at: now,
    on: today,
  });
  const { data: _omit, ...report } = created.toObject() as CountyReportDoc & { _id: unknown };
  void _omit;
  const due = countyReportDue(campaign);
  const late = today > due;
  deps.log?.info({ county, campaign: String(campaign._id), by, late }, 'county report recorded');
  if (deps.outbox) {
    for (const openId of await cityLiaisons(deps)) {
      await deps.outbox.sendCard(
        `report:told:${String(created._id)}:${openId}`,
        { openId },
        renderCard('message', {
          title: `情况汇报已上报：${county}`,
          color: late ? 'orange' : 'green',
          paragraphs: [
            `**${md(county)}** ${md(byName)} 于 ${today} 上报监督检查情况汇报“${md(name.name)}”${late ? `（截止 ${due}，已逾期）` : `（截止 ${due}）`}。`,
            '发送 /进度 查看各县区上报情况。',
          ],
        }),
      );
    }
  }
  return { ok: true, report, campaign: { _id: campaign._id, name: campaign.name, year: campaign.year }, due, late };
}

export interface CountyReportStatus {
  due: string;
  /** counties expected to report: every county with a liaison (and the official list) */
  counties: { county: string; latest?: { fileName: string; on: string; byName: string; late: boolean; count: number } }[];
}

/** Which counties have sent their 情况汇报 for a campaign (latest sending per county). */
export async function countyReportStatus(conn: Connection, campaign: Pick<CampaignDoc, '_id' | 'year' | 'to'>): Promise<CountyReportStatus> {
  const due = countyReportDue(campaign);
  const reports = await countyReportModel(conn).find({ campaignId: campaign._id }, { data: 0 }).sort({ at: -1 }).lean();
  const liaisonCounties = await staffModel(conn).distinct('county', { roles: '联络员', county: { $ne: CITY_BUREAU } });
  const names = [...YUNCHENG_COUNTIES, ...(liaisonCounties as string[]).filter((c) => !YUNCHENG_COUNTIES.includes(c)).sort()];
  return {
    due,
    counties: names.map((county) => {
      const mine = reports.filter((r) => r.county === county);
      const latest = mine[0];
      return latest
        ? { county, latest: { fileName: latest.fileName, on: latest.on, byName: latest.byName, late: latest.on > due, count: mine.length } }
        : { county };
    }),
  };
}

/** The latest report's bytes of a county (for the 市局 to download; absent when only a file key was kept). */
export async function latestCountyReport(conn: Connection, campaignId: CampaignDoc['_id'], county: string): Promise<CountyReportDoc | null> {
  return countyReportModel(conn).findOne({ campaignId, county }).sort({ at: -1 }).lean<CountyReportDoc>();
}
