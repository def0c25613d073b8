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
import { taskModel, type TaskDoc, type TaskState } from '../store/task';
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
  /** people of the file on the team of a task not yet inspected whose enterprise is now among their 回避企业 */
  avoidConflicts: AvoidConflict[];
}

export interface AvoidConflict {
  line: number;
  name: string;
  role: string;
  enterprise: string;
  county: string;
  state: string;
}

/**
 * The states of a task whose inspection has not been done yet: a team member who must avoid its enterprise (回避)
 * can still be kept away. Teams are matched at the draw with the 回避企业 of that day; a staff file imported later
 * can add one, and the draw does not change teams by itself (a redraw does).
 */
const NOT_INSPECTED: readonly TaskState[] = ['待接收', '待检查', '检查中'];

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

  const avoidConflicts = await conflictsWithTasks(conn, valid);
  return { dryRun, total: rows.length, imported, rejected, roles, unknownAvoid, avoidConflicts, ...(unknownExpertise.length > 0 ? { unknownExpertise } : {}) };
}

/** The 回避 the file declares for enterprises whose tasks already have that person on the team (not yet inspected). */
async function conflictsWithTasks(conn: Connection, valid: readonly { line: number; value: Staff }[]): Promise<AvoidConflict[]> {
  const avoiding = valid.filter((v) => v.value.avoid.length > 0);
  if (avoiding.length === 0) return [];
  const found = await taskModel(conn)
    .find(
      {
        state: { $in: NOT_INSPECTED },
        'team.openId': { $in: avoiding.map((v) => v.value.openId) },
        'enterprise.uscc': { $in: [...new Set(avoiding.flatMap((v) => v.value.avoid))] },
      },
      { _id: 0, state: 1, team: 1, 'enterprise.uscc': 1, 'enterprise.name': 1, 'enterprise.county': 1 },
    )
    .sort({ no: 1 })
    .lean<Pick<TaskDoc, 'state' | 'team' | 'enterprise'>[]>();
  const out: AvoidConflict[] = [];
  for (const v of avoiding) {
    for (const t of found) {
      const slot = t.team.find((m) => m.openId === v.value.openId);
      if (slot && v.value.avoid.includes(t.enterprise.uscc)) {
        out.push({ line: v.line, name: v.value.name, role: slot.role, enterprise: t.enterprise.name, county: t.enterprise.county, state: t.state });
      }
    }
  }
  return out;
}

export async function importStaff(conn: Connection, file: string, opts: ImportOptions = {}): Promise<StaffImportReport> {
  const content = await readRegistryFile(file, STAFF_SPEC);
  return { ...(await importStaffRows(conn, content.rows, opts)), file, format: content.format };
}

export const AVOID_CONFLICT_ADVICE =
  '以下人员已在尚未完成检查的任务中，而名录现将该企业列为其回避企业。已派发的检查组不会自动调整：请市局联络员在开始检查前重新抽取（/抽取 理由=…），或用 /换人 把该人员换出这项任务的检查组。';

export function avoidConflictLine(c: AvoidConflict): string {
  return `第${c.line}行 ${c.name}：${c.enterprise}（${c.county}，${c.role}，${c.state}）`;
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
  if (r.avoidConflicts.length > 0) {
    lines.push(`注意：${AVOID_CONFLICT_ADVICE}`, ...r.avoidConflicts.slice(0, NOTICE_LIMIT).map((c) => `  ${avoidConflictLine(c)}`));
    if (r.avoidConflicts.length > NOTICE_LIMIT) lines.push(`  ……其余${r.avoidConflicts.length - NOTICE_LIMIT}项从略`);
  }
  return lines;
}
