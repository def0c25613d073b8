/**
 * import staff <file>: validate every row, upsert the good ones by 飞书OpenID, report the rejected ones with their
 * line numbers. Rows absent from the file are never deleted. `dryRun` writes nothing and reports the same counts.
 * 回避企业 codes that are not (yet) in 检查对象名录库 are reported as a notice, not rejected: the staff file may
 * be imported before the enterprises.
 */
import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import { resolveProducts } from '../domain/catalogue';
import { STAFF_SPEC, staffValidator, type RowRejection, type SourceRow, type StaffHeader } from '../domain/registryRows';
import { STAFF_ROLES, type Staff } from '../domain/types';
import { enterpriseModel } from '../store/enterprise';
import { staffModel, type StaffMember } from '../store/staff';
import { catalogueNotice, countsLine, rejectionLines, type ImportCounts, type ImportOptions } from './importEnterprises';
import { readRegistryFile, type RegistryFormat } from './registryFile';
import { rowUpsert, upsertRows, validateInTurns } from './rowUpsert';

export interface StaffImportReport {
  file?: string;
  format?: RegistryFormat;
  dryRun: boolean;
  total: number;
  imported: ImportCounts;
  rejected: RowRejection[];
  /** Imported people by role (a person with two roles counts in both). */
  roles: Record<string, number>;
  /** 回避企业 codes not found in 检查对象名录库. */
  unknownAvoid: { line: number; uscc: string }[];
  /** experts' 专业领域 entries the licence catalogue does not know: they never match (docs/draw-spec.md §5.1) */
  unknownExpertise?: { line: number; value: string }[];
}

export function staffUpsert(s: Staff): AnyBulkWriteOperation<StaffMember> {
  return rowUpsert<StaffMember, Staff>({ openId: s.openId }, s, ['businessLine', 'expertise']);
}

export async function importStaffRows(
  conn: Connection,
  rows: readonly SourceRow<StaffHeader>[],
  opts: ImportOptions = {},
): Promise<StaffImportReport> {
  const dryRun = opts.dryRun ?? false;
  const { valid, rejected } = await validateInTurns(staffValidator(), rows);
  const imported = await upsertRows(staffModel(conn), 'openId', valid.map((v) => v.value), staffUpsert, dryRun);

  const roles: Record<string, number> = {};
  for (const role of STAFF_ROLES) {
    const n = valid.filter((v) => v.value.roles.includes(role)).length;
    if (n > 0) roles[role] = n;
  }

  const avoidCodes = [...new Set(valid.flatMap((v) => v.value.avoid))];
  const known = new Set(
    avoidCodes.length === 0
      ? []
      : (await enterpriseModel(conn).find({ uscc: { $in: avoidCodes } }, { uscc: 1, _id: 0 }).lean()).map((d) => d.uscc),
  );
  const unknownAvoid = valid.flatMap((v) => v.value.avoid.filter((c) => !known.has(c)).map((uscc) => ({ line: v.line, uscc })));

  const unknownExpertise = valid
    .filter((v) => v.value.roles.includes('专家'))
    .flatMap((v) => resolveProducts(v.value.expertise).unknown.map((value) => ({ line: v.line, value })));

  return { dryRun, total: rows.length, imported, rejected, roles, unknownAvoid, ...(unknownExpertise.length > 0 ? { unknownExpertise } : {}) };
}

export async function importStaff(conn: Connection, file: string, opts: ImportOptions = {}): Promise<StaffImportReport> {
  const content = await readRegistryFile(file, STAFF_SPEC);
  return { ...(await importStaffRows(conn, content.rows, opts)), file, format: content.format };
}

/** Notices (not rejections) are listed up to this many lines. */
const NOTICE_LIMIT = 20;

export function formatStaffReport(r: StaffImportReport): string[] {
  const lines: string[] = [];
  if (r.dryRun) lines.push('【试运行】只检查，不写入数据库。');
  lines.push(countsLine(`人员名录${r.file ? `（${r.file}）` : ''}`, r));
  const roleText = Object.entries(r.roles).map(([role, n]) => `${role}${n}人`).join('，');
  if (roleText !== '') lines.push(`其中：${roleText}`);
  if (r.rejected.length > 0) lines.push('被拒绝的行：', ...rejectionLines(r.rejected));
  if (r.unknownAvoid.length > 0) {
    lines.push(
      `注意：以下${r.unknownAvoid.length}个回避企业代码不在检查对象名录库中（如尚未导入企业名录可忽略）：`,
      ...r.unknownAvoid.slice(0, NOTICE_LIMIT).map((u) => `  第${u.line}行：${u.uscc}`),
    );
    if (r.unknownAvoid.length > NOTICE_LIMIT) lines.push(`  ……其余${r.unknownAvoid.length - NOTICE_LIMIT}个从略`);
  }
  if (r.unknownExpertise && r.unknownExpertise.length > 0) lines.push(...catalogueNotice('专家的专业领域', r.unknownExpertise, '不参与专家匹配'));
  return lines;
}
