/**
 * Loads a file of extra checklists (format: domain/extraChecklists.ts) into a campaign: the CLI
 * (`checklist import <file> [--campaign <名称>] [--dry-run]`) and, once file messages reach it, the chat (a
 * 市局联络员 sends the file) call this with plain inputs. A checklist of a name the campaign has is replaced; the
 * visits started before keep the lists they started with. A file with a bad row changes nothing.
 */
import type { Connection } from 'mongoose';
import { shanghaiDate } from '../../domain/calendar';
import {
  checkCampaignTotals,
  mapChecklistHeaders,
  parseChecklistRows,
  type ChecklistRow,
  type ExtraChecklist,
} from '../../domain/extraChecklists';
import { mayImportChecklists, type Actor } from '../../policies';
import type { CampaignDoc } from '../../store/campaign';
import { campaignModel } from '../../store/campaign';
import { extraChecklistModel } from '../../store/extraChecklist';
import { publishExtrasChange } from './extrasRevision';
import { findActiveCampaign } from '../campaigns';
import { formatOf, readCsv, readXlsx, RegistryFileError } from '../registryFile';

export interface ChecklistImportInput {
  /** the file's name (its extension decides CSV or XLSX) */
  fileName: string;
  data: Uint8Array;
  /** the campaign by name; default: the active one */
  campaignName?: string;
  /** who sends it (chat: must be a 市局联络员); absent for the CLI */
  actor?: Actor;
  dryRun?: boolean;
  now: Date;
}

export type ChecklistImportReport =
  | {
      ok: true;
      campaign: Pick<CampaignDoc, '_id' | 'name' | 'year'>;
      lists: (ExtraChecklist & { replaced: boolean })[];
      /** the campaign's lists after the import, in visit order */
      all: string[];
      dryRun: boolean;
    }
  | { ok: false; reason: string; problems?: { line: number; reason: string }[] };

async function readRows(fileName: string, data: Uint8Array): Promise<ChecklistRow[]> {
  const format = formatOf(fileName);
  const sheet = format === 'csv' ? readCsv(data) : await readXlsx(data);
  const [header, ...rest] = sheet;
  if (!header) throw new RegistryFileError('文件为空：第1行应为表头（检查表名称、序号、检查内容）');
  const mapped = mapChecklistHeaders(header.cells);
  if ('error' in mapped) throw new RegistryFileError(mapped.error);
  return rest.map((r) => ({
    line: r.line,
    cells: Object.fromEntries([...mapped.ok].map(([h, i]) => [h, r.cells[i] ?? ''])),
  }));
}

export async function importChecklists(conn: Connection, input: ChecklistImportInput): Promise<ChecklistImportReport> {
  if (input.actor && !mayImportChecklists(input.actor)) return { ok: false, reason: '只有市局联络员可以导入检查表' };
  const campaign = input.campaignName
    ? await campaignModel(conn).findOne({ name: input.campaignName }).sort({ year: -1 }).lean<CampaignDoc>()
    : await findActiveCampaign(conn, shanghaiDate(input.now));
  if (!campaign) {
    return { ok: false, reason: input.campaignName ? `没有名为“${input.campaignName}”的专项` : '当前没有进行中的专项，请先创建专项或用 --campaign 指定' };
  }
  let rows: ChecklistRow[];
  try {
    rows = await readRows(input.fileName, input.data);
  } catch (err) {
    if (err instanceof RegistryFileError) return { ok: false, reason: err.message };
    throw err;
  }
  const parsed = parseChecklistRows(rows);
  if (!parsed.ok) return { ok: false, reason: `检查表文件有 ${parsed.problems.length} 处问题，未导入`, problems: parsed.problems };

  const model = extraChecklistModel(conn);
  const existing = await model.find({ campaignId: campaign._id }).sort({ createdAt: 1, name: 1 }).lean();
  const names = new Set(parsed.lists.map((l) => l.name));
  const after = [...existing.filter((e) => !names.has(e.name)).map((e) => ({ name: e.name, items: e.items })), ...parsed.lists];
  const tooMany = checkCampaignTotals(after);
  if (tooMany) return { ok: false, reason: tooMany };
  const existingNames = new Set(existing.map((e) => e.name));
  const lists = parsed.lists.map((l) => ({ ...l, replaced: existingNames.has(l.name) }));
  const order = [...existing.map((e) => e.name), ...parsed.lists.map((l) => l.name).filter((n) => !existingNames.has(n))];
  if (!input.dryRun) {
    await model.init();
    try {
      for (const l of parsed.lists) {
        await model.updateOne(
          { campaignId: campaign._id, name: l.name },
          { $set: { items: l.items, importedBy: input.actor?.openId ?? 'CLI', fileName: input.fileName } },
          { upsert: true },
        );
      }
    } finally {
      // also after a failure part-way: whatever was written is seen by the next 开始检查 of every process
      await publishExtrasChange(conn, campaign._id);
    }
  }
  return { ok: true, campaign: { _id: campaign._id, name: campaign.name, year: campaign.year }, lists, all: order, dryRun: input.dryRun === true };
}

/** The campaign's extra checklists, in visit order. */
export async function listChecklists(conn: Connection, campaignName: string | undefined, now: Date) {
  const campaign = campaignName
    ? await campaignModel(conn).findOne({ name: campaignName }).sort({ year: -1 }).lean<CampaignDoc>()
    : await findActiveCampaign(conn, shanghaiDate(now));
  if (!campaign) return undefined;
  const lists = await extraChecklistModel(conn).find({ campaignId: campaign._id }).sort({ createdAt: 1, name: 1 }).lean();
  return { campaign, lists };
}

/** Removes one extra checklist of a campaign (visits started before keep it). */
export async function removeChecklist(conn: Connection, campaignName: string | undefined, name: string, now: Date): Promise<boolean | undefined> {
  const found = await listChecklists(conn, campaignName, now);
  if (!found) return undefined;
  const res = await extraChecklistModel(conn).deleteOne({ campaignId: found.campaign._id, name });
  if (res.deletedCount > 0) await publishExtrasChange(conn, found.campaign._id);
  return res.deletedCount > 0;
}

/** The report as lines (the CLI prints them; the chat card shows them). */
export function formatChecklistReport(r: ChecklistImportReport): string[] {
  if (!r.ok) return [r.reason, ...(r.problems ?? []).map((p) => `  第${p.line}行：${p.reason}`)];
  return [
    `${r.dryRun ? '检查通过（未写入）' : '已导入'}：专项“${r.campaign.name}”`,
    ...r.lists.map((l) => `  ${l.replaced ? '替换' : '新增'}“${l.name}”：${l.items.length} 项`),
    `本专项现有检查表（进一次门，查多项事，按检查顺序排在附件3/附件4 的 9 项之后）：${r.all.map((n) => `“${n}”`).join('、')}`,
    '已开始的检查不受影响，此后开始的检查会包含这些检查表。',
  ];
}
