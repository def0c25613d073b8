/**
 * import enterprises <file>: validate every row, upsert the good ones by 统一社会信用代码 (batched bulkWrites,
 * rowUpsert.ts), report the rejected ones with their line numbers. Rows absent from the file are never deleted.
 * `dryRun` writes nothing and reports the same counts (inserted/updated predicted from the registry).
 */
import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import { resolveProducts } from '../domain/catalogue';
import { shanghaiDate } from '../domain/calendar';
import {
  ENTERPRISE_SPEC,
  enterpriseValidator,
  licenceKey,
  type EnterpriseHeader,
  type RowRejection,
  type SourceRow,
  type ValidRow,
} from '../domain/registryRows';
import type { Enterprise } from '../domain/types';
import { enterpriseModel, type EnterpriseDoc } from '../store/enterprise';
import { findActiveCampaign } from './campaigns';
import { readRegistryFile, type RegistryFormat } from './registryFile';
import { rowUpsert, upsertRows, validateInTurns, type ImportCounts } from './rowUpsert';

export interface ImportOptions {
  dryRun?: boolean;
  /** For "today" (which campaign is active); defaults to the clock. */
  now?: Date;
}

export type { ImportCounts } from './rowUpsert';

export interface ExpiredLicence {
  line: number;
  uscc: string;
  name: string;
  licenceNo: string;
  validTo: string;
}

export interface EnterpriseImportReport {
  file?: string;
  format?: RegistryFormat;
  dryRun: boolean;
  /** Data rows in the file (empty rows not counted). */
  total: number;
  imported: ImportCounts;
  rejected: RowRejection[];
  /** Imported rows whose licence expired before the active campaign's start: they will not be in its draw. */
  expiredBefore?: { campaign: { name: string; year: number; from: string }; enterprises: ExpiredLicence[] };
  /** 获证产品 entries the licence catalogue does not know: those enterprises get no expert (docs/draw-spec.md §5.1) */
  unknownProducts?: { line: number; value: string }[];
  /** rows whose licence number an enterprise already stored under another 统一社会信用代码 holds (imported, to check) */
  sharedLicences?: SharedLicence[];
}

/** A row of the file whose licence number (compared by licenceKey) a stored enterprise of another code holds. */
export interface SharedLicence {
  line: number;
  name: string;
  licenceNo: string;
  holder: { name: string; uscc: string; licenceNo: string };
}

/**
 * The file's rows against the registry as it will be after the import: a stored enterprise the file does not update
 * that holds a row's licence number. The rows of one file are checked against each other by the validator (and
 * refused); a stored holder is only reported, since a licence number held twice is an error in one of the two and the
 * liaison must say which (rows absent from a file are never deleted, so the fix is a file that corrects it).
 */
async function licencesHeldElsewhere(conn: Connection, valid: readonly ValidRow<Enterprise>[]): Promise<SharedLicence[]> {
  if (valid.length === 0) return [];
  const rowByLicence = new Map(valid.map((v) => [licenceKey(v.value.licenceNo), v]));
  const inFile = new Set(valid.map((v) => v.value.uscc));
  const shared: SharedLicence[] = [];
  const stored = enterpriseModel(conn)
    .find({}, { _id: 0, uscc: 1, name: 1, licenceNo: 1 })
    .batchSize(500) // a city's registry (~100k firms) in steps of ~10 ms: 20k stored firms take ~0.4 s
    .lean<Pick<Enterprise, 'uscc' | 'name' | 'licenceNo'>[]>();
  for await (const d of stored.cursor()) {
    if (inFile.has(d.uscc)) continue;
    const row = rowByLicence.get(licenceKey(d.licenceNo));
    if (row) shared.push({ line: row.line, name: row.value.name, licenceNo: row.value.licenceNo, holder: { name: d.name, uscc: d.uscc, licenceNo: d.licenceNo } });
  }
  return shared.sort((a, b) => a.line - b.line);
}

export function enterpriseUpsert(e: Enterprise): AnyBulkWriteOperation<EnterpriseDoc> {
  return rowUpsert<EnterpriseDoc, Enterprise>({ uscc: e.uscc }, e, ['contact', 'phone']);
}

export async function importEnterpriseRows(
  conn: Connection,
  rows: readonly SourceRow<EnterpriseHeader>[],
  opts: ImportOptions = {},
): Promise<EnterpriseImportReport> {
  const dryRun = opts.dryRun ?? false;
  const { valid, rejected } = await validateInTurns(enterpriseValidator(), rows);
  // before the write: the rows' own firms are then stored with these numbers
  const sharedLicences = await licencesHeldElsewhere(conn, valid);
  const imported = await upsertRows(enterpriseModel(conn), 'uscc', valid.map((v) => v.value), enterpriseUpsert, dryRun);

  const report: EnterpriseImportReport = { dryRun, total: rows.length, imported, rejected };
  const unknownProducts = valid.flatMap((v) => resolveProducts(v.value.product).unknown.map((value) => ({ line: v.line, value })));
  if (unknownProducts.length > 0) report.unknownProducts = unknownProducts;
  if (sharedLicences.length > 0) report.sharedLicences = sharedLicences;
  const campaign = await findActiveCampaign(conn, shanghaiDate(opts.now ?? new Date()));
  if (campaign !== null) {
    // Same rule as domain/population.ts: a licence ending before the campaign's first day is out of the draw.
    const expired = valid
      .filter((v) => v.value.validTo < campaign.from)
      .map((v) => ({ line: v.line, uscc: v.value.uscc, name: v.value.name, licenceNo: v.value.licenceNo, validTo: v.value.validTo }));
    report.expiredBefore = { campaign: { name: campaign.name, year: campaign.year, from: campaign.from }, enterprises: expired };
  }
  return report;
}

export async function importEnterprises(conn: Connection, file: string, opts: ImportOptions = {}): Promise<EnterpriseImportReport> {
  const content = await readRegistryFile(file, ENTERPRISE_SPEC);
  return { ...(await importEnterpriseRows(conn, content.rows, opts)), file, format: content.format };
}

/** What a shared licence number means and what to do, before the list. */
export const SHARED_LICENCE_ADVICE = (dryRun: boolean): string =>
  `以下企业的许可证编号已由名录库中另一家企业（统一社会信用代码不同）持有。同一许可证不应属于两家企业，这些行${dryRun ? '仍会' : '已'}导入，请核对哪一家有误，并发送更正后的名录：`;

/** “第N行：<name>（许可证 X）与名录库中的 <name>（<uscc>，许可证 Y）相同”. */
export function sharedLicenceLine(s: SharedLicence): string {
  return `第${s.line}行：${s.name}（许可证 ${s.licenceNo}）与名录库中的${s.holder.name}（${s.holder.uscc}，许可证 ${s.holder.licenceNo}）相同`;
}

/** Values the licence catalogue does not know, with their lines (at most 20 shown). */
export function catalogueNotice(what: string, items: readonly { line: number; value: string }[], effect: string): string[] {
  return [
    `注意：以下${items.length}处${what}不在工业产品生产许可证产品目录中（${effect}；请按目录中的产品单元名称填写）：`,
    ...items.slice(0, 20).map((u) => `  第${u.line}行：${u.value}`),
    ...(items.length > 20 ? [`  ……其余${items.length - 20}处从略`] : []),
  ];
}

/** Rejected rows as "第N行：原因". */
export function rejectionLines(rejected: readonly RowRejection[]): string[] {
  return rejected.map((r) => `  第${r.line}行：${r.reason}`);
}

export function countsLine(
  what: string,
  r: { dryRun: boolean; total: number; imported: ImportCounts; rejected: readonly RowRejection[] },
): string {
  const ok = r.imported.inserted + r.imported.updated;
  const verb = r.dryRun ? '可导入' : '已导入';
  const ins = r.dryRun ? '将新增' : '新增';
  const upd = r.dryRun ? '将更新' : '更新';
  return `${what}共${r.total}行：${verb}${ok}行（${ins}${r.imported.inserted}，${upd}${r.imported.updated}），拒绝${r.rejected.length}行`;
}

/** The Chinese report printed by the CLI. */
export function formatEnterpriseReport(r: EnterpriseImportReport): string[] {
  const lines: string[] = [];
  if (r.dryRun) lines.push('【试运行】只检查，不写入数据库。');
  lines.push(countsLine(`检查对象名录${r.file ? `（${r.file}）` : ''}`, r));
  if (r.rejected.length > 0) lines.push('被拒绝的行：', ...rejectionLines(r.rejected));
  if (r.expiredBefore && r.expiredBefore.enterprises.length > 0) {
    const { campaign, enterprises } = r.expiredBefore;
    lines.push(
      `注意：以下${enterprises.length}家企业的许可证在专项“${campaign.name}”开始日${campaign.from}之前已到期，不会进入该专项的抽取范围：`,
      ...enterprises.map((e) => `  第${e.line}行：${e.name}（${e.uscc}，许可证${e.licenceNo}，有效期止${e.validTo}）`),
    );
  }
  if (r.unknownProducts && r.unknownProducts.length > 0) lines.push(...catalogueNotice('获证产品', r.unknownProducts, '这些企业抽中后无法按产品目录匹配专家'));
  if (r.sharedLicences && r.sharedLicences.length > 0) {
    lines.push(`注意：${SHARED_LICENCE_ADVICE(r.dryRun)}`, ...r.sharedLicences.map((s) => `  ${sharedLicenceLine(s)}`));
  }
  return lines;
}
