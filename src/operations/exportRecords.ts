/**
 * /导出 <许可证编号或企业名称>: sends one task's records as Word files (附件1–4 of 运市监质监〔2024〕2号).
 *
 * - Finding the task: 许可证编号 exactly (letters case-insensitive), else 企业名称 exactly, else a unique partial
 *   name match. Matches are grouped by enterprise (许可证编号); several enterprises → refused with the candidates
 *   and their licence numbers; none → refused. Of an enterprise's tasks, the latest non-voided one is taken.
 * - Who may export (policies.ts exportRecords): the task's team, the liaison(s) and 领导 of the enterprise's county,
 *   市局 staff (not experts) and 领导. Only those tasks are searched: the drawn list is not shown to anyone else (a
 *   county liaison's partial name lists their own county's firms only).
 * - Which forms: before the visit (待接收, 待检查, 检查中) the blank 附件3/附件4 with the firm's name, and the blank
 *   extra checklists (进一次门，查多项事), to take along; once submitted, 附件3/附件4 filled in, each extra checklist's
 *   own record, 附件1 when the record found problems, 附件2 when the county has confirmed the rectification; a firm
 *   that could not be inspected: the 无法正常检查情况记录. Signature boxes stay blank for handwriting; the dates are the
 *   inspection date.
 * - Delivery: each file through the outbox with the key `export:<task>:<form>:<request message>`, so a redelivered
 *   request sends nothing twice while a new /导出 sends again.
 */
import type { Connection } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import { CHECKLISTS } from '../domain/checklists';
import { opinionSheet, outcomeOf, rectificationItems, OPINION_SHEET_TITLE } from '../domain/inspection';
import { licenceKey } from '../domain/registryRows';
import type { OpinionSheetDocxInput } from '../exports/docx';
import { docxForms } from '../heavyModules';
import type { Logger } from '../logger';
import type { Outbox, Recipient } from '../platform/outbox';
import { exportScopeFilter, mayOnTask, type Actor } from '../policies';
import { currentResult } from '../domain/outcome';
import { resultByCode } from '../domain/results';
import { extraRecords } from '../domain/visit';
import type { ExtraChecklistSnapshot } from '../domain/inspection';
import { campaignExtras } from './checklists/campaignExtras';
import { taskModel, type TaskDoc, type TaskState } from '../store/task';

export interface ExportDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
}

/** At most this many characters are accepted as the search argument. */
export const MAX_QUERY_LENGTH = 100;
/** An ambiguous name lists at most this many candidates. */
export const MAX_CANDIDATES = 10;

export type FormId = '附件1' | '附件2' | '附件3' | '附件4' | '进一次门查多项事' | '无法检查';

export interface ExportedFile {
  form: FormId;
  /** distinguishes files of the same form (the extra checklists) in the outbox key */
  key: string;
  title: string;
  name: string;
  size: number;
}

export interface Candidate {
  name: string;
  licenceNo: string;
  county: string;
  /** what to send to /导出 to get this one: its licence number, or its name when another candidate has that number */
  pickBy: string;
}

export type ExportOutcome =
  | {
      ok: true;
      task: TaskDoc;
      files: ExportedFile[];
      /** blank forms to take along (the visit has not been submitted) */
      blank: boolean;
      /** the follow-up the result calls for (经营异常名录 / 信用), when it does */
      credit?: string;
      /** 签字页 photos attached to the record */
      signaturePages: number;
    }
  | { ok: false; code: 'notFound'; query: string; scoped: boolean }
  | { ok: false; code: 'ambiguous'; query: string; candidates: Candidate[]; total: number }
  | { ok: false; code: 'forbidden'; task: TaskDoc }
  | { ok: false; code: 'void'; task: TaskDoc };

/** States in which the checklist record has been submitted (the answers are frozen). */
const SUBMITTED: readonly TaskState[] = ['待签字', '待公示', '待整改', '已公示'];

// ---- who may export ------------------------------------------------------------------------------------------------

/** policies.ts exportRecords (the county's liaison stands in for nobody here: no fallback cell applies). */
export function mayExport(actor: Actor, task: Pick<TaskDoc, 'team' | 'enterprise'>): boolean {
  return mayOnTask('exportRecords', actor, { team: task.team, county: task.enterprise.county, countyHasLiaison: true });
}

// ---- finding the task ------------------------------------------------------------------------------------------------

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Full-width letters, digits and the hyphen typed on a Chinese keyboard → ASCII; spaces collapsed. */
export function normaliseQuery(raw: string): string {
  return raw
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\u3000\s]+/g, ' ')
    .trim();
}

/**
 * A regex source matching the normalised query whatever width each character was stored in: registries write
 * licence numbers like “（晋）XK06-001-00111” with full-width brackets, people type either.
 */
function anyWidth(query: string): string {
  return [...query]
    .map((c) => {
      const code = c.charCodeAt(0);
      const escaped = escapeRegex(c);
      if (code < 0x21 || code > 0x7e) return escaped;
      return `(?:${escaped}|${String.fromCharCode(code + 0xfee0)})`;
    })
    .join('');
}

const LIGHT = { 'inspection.history': 0, 'inspection.photos': 0, 'inspection.lastActive': 0 } as const;

/** The latest non-voided task of one enterprise's tasks (a voided one only when nothing else exists). */
function pick(tasks: readonly TaskDoc[]): TaskDoc {
  const time = (t: TaskDoc) => new Date(t.createdAt ?? 0).getTime();
  return [...tasks].sort((a, b) => Number(a.state === '已作废') - Number(b.state === '已作废') || time(b) - time(a))[0];
}

export type FindResult =
  | { kind: 'found'; task: TaskDoc }
  | { kind: 'none' }
  | { kind: 'ambiguous'; candidates: Candidate[]; total: number };

function grouped(tasks: readonly TaskDoc[]): FindResult {
  if (tasks.length === 0) return { kind: 'none' };
  // one enterprise per 统一社会信用代码: two firms sharing a licence number (a registry error) are two candidates to
  // choose from by name, never one of them silently
  const byEnterprise = new Map<string, TaskDoc[]>();
  for (const t of tasks) {
    const key = t.enterprise.uscc || t.enterprise.licenceNo.toUpperCase();
    byEnterprise.set(key, [...(byEnterprise.get(key) ?? []), t]);
  }
  if (byEnterprise.size === 1) return { kind: 'found', task: pick(tasks) };
  const enterprises = [...byEnterprise.values()].map((group) => pick(group).enterprise);
  const holders = new Map<string, number>();
  for (const e of enterprises) holders.set(licenceKey(e.licenceNo), (holders.get(licenceKey(e.licenceNo)) ?? 0) + 1);
  const candidates = enterprises
    .map((e) => ({ name: e.name, licenceNo: e.licenceNo, county: e.county, pickBy: holders.get(licenceKey(e.licenceNo))! > 1 ? e.name : e.licenceNo }))
    .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.licenceNo.localeCompare(b.licenceNo));
  return { kind: 'ambiguous', candidates: candidates.slice(0, MAX_CANDIDATES), total: candidates.length };
}

/** Finds the task by licence number or name among the tasks `scope` allows (policies.ts exportScopeFilter). */
export async function findTask(conn: Connection, rawQuery: string, scope: 'all' | Record<string, unknown> = 'all'): Promise<FindResult> {
  const query = normaliseQuery(rawQuery);
  if (query === '') return { kind: 'none' };
  const tasks = taskModel(conn);
  const within = (filter: Record<string, unknown>) => (scope === 'all' ? filter : { $and: [filter, scope] });
  const byLicence = await tasks
    .find(within({ 'enterprise.licenceNo': { $regex: `^${anyWidth(query)}$`, $options: 'i' } }), LIGHT)
    .lean<TaskDoc[]>();
  if (byLicence.length > 0) return grouped(byLicence);
  const byName = await tasks.find(within({ 'enterprise.name': { $regex: `^${anyWidth(query)}$` } }), LIGHT).lean<TaskDoc[]>();
  if (byName.length > 0) return grouped(byName);
  const partial = await tasks.find(within({ 'enterprise.name': { $regex: anyWidth(query) } }), LIGHT).lean<TaskDoc[]>();
  return grouped(partial);
}

// ---- the forms -----------------------------------------------------------------------------------------------------------

/** A file name Feishu and every desktop accept: no path or reserved characters, at most 120 characters. */
export function safeFileName(name: string): string {
  const clean = name
    .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...clean];
  return chars.length <= 120 ? clean : chars.slice(0, 120).join('');
}

/** e.g. 附件3-工业产品生产许可证获证企业监督检查记录-<企业名称>.docx (also what the demo writes into ./out/). */
export function exportFileName(form: FormId, title: string, enterpriseName: string): string {
  return `${safeFileName(`${form}-${title}-${enterpriseName}`)}.docx`;
}

export interface BuiltForm {
  form: FormId;
  key: string;
  title: string;
  data: Buffer;
}

/** Blank forms to take along before the visit: 附件3/附件4 with the firm's name, and the extra checklists. */
export async function buildBlankForms(task: TaskDoc, extras: readonly ExtraChecklistSnapshot[]): Promise<BuiltForm[]> {
  const docx = docxForms();
  const checklist = CHECKLISTS[task.checklist];
  const name = task.enterprise.name;
  const built: BuiltForm[] = [
    { form: checklist.form, key: `${checklist.form}-blank`, title: `${checklist.title}（空白）`, data: await docx.inspectionRecordDocx({ kind: task.checklist, enterpriseName: name, answers: [] }) },
  ];
  for (const [i, x] of extras.entries()) {
    built.push({
      form: '进一次门查多项事',
      key: `extra${i + 1}-blank`,
      title: `${docx.extraRecordTitle(x.name)}（空白）`,
      data: await docx.inspectionRecordDocx({ kind: task.checklist, enterpriseName: name, answers: [], extra: { name: x.name, items: x.items } }),
    });
  }
  return built;
}

/** The 无法正常检查情况记录 of a closed (or proposed) task. */
export async function buildClosureForm(task: TaskDoc): Promise<BuiltForm> {
  const docx = docxForms();
  const c = task.closure!;
  const e = task.enterprise;
  const entry = resultByCode(c.code);
  return {
    form: '无法检查',
    key: 'closure',
    title: docx.CLOSURE_RECORD_TITLE,
    data: await docx.closureRecordDocx({
      enterprise: { name: e.name, licenceNo: e.licenceNo, uscc: e.uscc, county: e.county, address: e.address, product: e.product },
      result: c.result ?? entry?.label ?? '',
      code: c.code ?? '',
      note: c.note ?? '',
      evidence: c.evidence.map((x) => ({ kind: x.kind, name: x.name, byName: x.byName, at: shanghaiDate(new Date(x.at)) })),
      credit: entry?.credit,
      proposedByName: c.proposedByName,
      proposedOn: c.proposedAt ? shanghaiDate(new Date(c.proposedAt)) : undefined,
      confirmedByName: c.confirmedByName,
      confirmedOn: c.confirmedOn,
    }),
  };
}

/** The forms that apply to a submitted task, built from its stored record. */
export async function buildForms(task: TaskDoc): Promise<BuiltForm[]> {
  const docx = docxForms();
  const rec = task.inspection;
  if (!rec) return [];
  const checklist = CHECKLISTS[task.checklist];
  const e = task.enterprise;
  const built: BuiltForm[] = [];

  const result = rec.result ?? outcomeOf(rec.answers, task.checklist);
  if (result === '发现问题') {
    let sheet: OpinionSheetDocxInput;
    if (rec.rectification) {
      sheet = opinionSheet({
        enterprise: e,
        rectification: rec.rectification,
        signatures: rec.signatures,
        representative: rec.representative ?? '',
        dateOf: shanghaiDate,
      });
    } else {
      // Still signing: the items are known, the period and the issue date not yet (the 组长 sets the period as they
      // sign). The placeholder period below only borrows opinionSheet's fixed texts; days and date are then blanked.
      const draft = opinionSheet({
        enterprise: e,
        rectification: { days: 0, issuedDate: '1970-01-01', deadline: '1970-01-01', items: rectificationItems(task.checklist, rec.answers), setBy: '', recipients: [] },
        signatures: rec.signatures,
        representative: rec.representative ?? '',
        dateOf: shanghaiDate,
      });
      sheet = { ...draft, days: undefined, date: undefined };
    }
    built.push({
      form: '附件1',
      key: '附件1',
      title: OPINION_SHEET_TITLE,
      data: await docx.opinionSheetDocx({ ...sheet, checklistForm: checklist.form, inspectionDate: rec.completionDate }),
    });
  }

  const check = task.rectificationCheck;
  if (check) {
    built.push({
      form: '附件2',
      key: '附件2',
      title: docx.RECTIFICATION_CONFIRMATION_TITLE,
      data: await docx.rectificationConfirmationDocx({
        enterpriseName: e.name,
        licenceNo: e.licenceNo,
        items: (check.items ?? []).map((i) => ({ no: i.no, issue: i.issue ?? '', done: i.done ?? '' })),
        opinion: check.opinion ?? '',
        confirmedByName: check.confirmedByName,
        confirmedOn: check.confirmedOn,
        bureau: docx.countyBureau(e.county),
      }),
    });
  }

  built.push({
    form: checklist.form,
    key: checklist.form,
    title: checklist.title,
    data: await docx.inspectionRecordDocx({ kind: task.checklist, enterpriseName: e.name, date: rec.completionDate, answers: rec.answers }),
  });
  for (const [i, x] of extraRecords(task.checklist, rec.extras, rec.answers).entries()) {
    built.push({
      form: '进一次门查多项事',
      key: `extra${i + 1}`,
      title: docx.extraRecordTitle(x.name),
      data: await docx.inspectionRecordDocx({
        kind: task.checklist,
        enterpriseName: e.name,
        date: rec.completionDate,
        answers: x.items.flatMap((it) => (it.answer ? [{ item: it.no, verdict: it.answer.verdict, record: it.answer.record }] : [])),
        extra: { name: x.name, items: x.items.map((it) => ({ no: it.no, text: it.text })) },
      }),
    });
  }
  return built;
}

// ---- the operation -----------------------------------------------------------------------------------------------------------

export async function exportRecords(
  deps: ExportDeps,
  input: { actor: Actor; query: string; to: Recipient; requestId: string },
): Promise<ExportOutcome> {
  const query = normaliseQuery(input.query);
  const scope = exportScopeFilter(input.actor);
  const found = await findTask(deps.conn, query, scope);
  if (found.kind === 'none') return { ok: false, code: 'notFound', query, scoped: scope !== 'all' };
  if (found.kind === 'ambiguous') return { ok: false, code: 'ambiguous', query, candidates: found.candidates, total: found.total };
  const task = found.task;
  if (!mayExport(input.actor, task)) return { ok: false, code: 'forbidden', task };
  if (task.state === '已作废') return { ok: false, code: 'void', task };

  let forms: BuiltForm[];
  let blank = false;
  if (task.closure && task.closure.status !== 'draft') forms = [await buildClosureForm(task)];
  else if (task.inspection && SUBMITTED.includes(task.state)) forms = await buildForms(task);
  else {
    blank = true;
    forms = await buildBlankForms(task, task.inspection?.extras ?? (await campaignExtras(deps, task)));
  }
  const files: ExportedFile[] = [];
  for (const f of forms) {
    const name = exportFileName(f.form, f.title, task.enterprise.name);
    await deps.outbox.sendFile(`export:${String(task._id)}:${f.key}:${input.requestId}`, input.to, { name, type: 'doc', data: f.data });
    files.push({ form: f.form, key: f.key, title: f.title, name, size: f.data.length });
  }
  deps.log.info({ taskId: String(task._id), openId: input.actor.openId, forms: files.map((f) => f.key) }, 'records exported');
  const credit = currentResult(task)?.credit;
  return { ok: true, task, files, blank, ...(credit ? { credit } : {}), signaturePages: task.inspection?.signaturePages?.length ?? 0 };
}
