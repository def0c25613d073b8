/**
 * The inspection record (附件3 / 附件4 filled in, item by item) and its rules, as pure functions: which item is
 * current, what a valid answer is, the outcome, who still has to sign, and the 意见汇总表 (附件1).
 * No I/O and no clock: callers pass `now` / dates.
 *
 * Decisions (see also operations/inspection/README.md):
 * - Position (`cursor`) is shared by the whole team: 1…n is an item, n + 1 is the summary. After an answer the
 *   record moves to the next unanswered item after it (wrapping round), and to the summary once all are answered.
 * - A 检查记录 is trimmed; it is required for 不符合, optional for 符合, at most 1,000 characters.
 * - Outcome: no 不符合 → 未发现问题; any 不符合 → 发现问题.
 * - Rectification deadline: the notice's 附件1 says “请于 N 日内完成”, i.e. N calendar days (not working days)
 *   counted from the day the 意见汇总表 is issued (the day the last team member signs); the day itself not counted.
 */
import { checkText } from './textPolicy';
import { CHECKLISTS, type ChecklistKind } from './checklists';
import { CalendarDataMissingError, chineseDateText, isWorkingDay, parseDate } from './calendar';
import type { Enterprise } from './types';

export const VERDICTS = ['符合', '不符合'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const RESULTS = ['未发现问题', '发现问题'] as const;
export type InspectionResult = (typeof RESULTS)[number];

export const MAX_RECORD_LENGTH = 1000;
export const MAX_REPRESENTATIVE_LENGTH = 40;
export const MAX_REOPEN_REASON_LENGTH = 200;
export const DEFAULT_RECTIFICATION_DAYS = 15;
export const MAX_RECTIFICATION_DAYS = 365;

/** The current answer of one item. */
export interface Answer {
  item: number;
  verdict: Verdict;
  /** 检查记录 ('' when none) */
  record: string;
  by: string;
  byName: string;
  at: Date;
}

/** Every answer ever given, kept: saved ones and the ones refused because the card was stale (a concurrent answer). */
export interface AnswerEvent extends Answer {
  /** the task version the answering card showed */
  baseVersion: number;
  outcome: 'saved' | 'stale';
  /**
   * the card callback's event id (Feishu's event_id), when the answer came from one: a redelivery of that callback
   * finds it here and is answered as a duplicate (operations/inspection/answerItem.ts)
   */
  eventId?: string;
}

/** Evidence photo: a picture the inspector sent to the bot while the checklist was open. */
export interface Photo {
  /** the item it belongs to; 0 when sent from the summary (evidence for the whole record) */
  item: number;
  imageKey: string;
  messageId: string;
  by: string;
  byName: string;
  at: Date;
}

export interface Signature {
  openId: string;
  name: string;
  role: string;
  at: Date;
}

export interface ReopenEntry {
  by: string;
  byName: string;
  at: Date;
  reason: string;
  fromState: string;
  /** the submission round that was reopened */
  round: number;
}

export interface RectificationItem {
  /** 序号 of the 不符合 item on 附件3/附件4 */
  no: number;
  /** 督查内容 of that item */
  content: string;
  /** the 检查记录 written for it: the problem to rectify */
  record: string;
}

export interface Rectification {
  days: number;
  /** YYYY-MM-DD (Asia/Shanghai): the day the 意见汇总表 was issued */
  issuedDate: string;
  /** YYYY-MM-DD: issuedDate + days calendar days */
  deadline: string;
  items: RectificationItem[];
  /** who set the period (the 组长), or '' when the default applied (no 组长 in the team) */
  setBy: string;
  /** open ids the 意见汇总表 went to (county liaison(s) and the team) */
  recipients: string[];
}

/** The checklist part of a task. */
export interface InspectionRecord {
  startedAt: Date;
  startedBy: string;
  /** started while the county had not yet received the task (allowed; see operations/inspection/README.md) */
  startedBeforeReceipt: boolean;
  /**
   * the event id of the 开始检查 callback that started the record (absent when started from elsewhere): a redelivery
   * of that callback recognises itself by it (operations/inspection/startInspection.ts)
   */
  startEventId?: string;
  cursor: number;
  answers: Answer[];
  history: AnswerEvent[];
  photos: Photo[];
  /** submissions so far; signature cards carry it, so a reopen makes older ones void */
  round: number;
  /** 企业代表 name */
  representative?: string;
  submittedAt?: Date;
  submittedBy?: string;
  /** YYYY-MM-DD (Asia/Shanghai): the day the result was submitted (检查完成之日) */
  completionDate?: string;
  signatures: Signature[];
  /** the rectification period the 组长 chose while signing (used when the record completes with findings) */
  rectificationDays?: number;
  /** set when every team member has signed */
  completedAt?: Date;
  result?: InspectionResult;
  rectification?: Rectification;
  reopens: ReopenEntry[];
  /** when each member last worked on this checklist (open id → time): a photo goes to the member's latest one */
  lastActive?: Record<string, Date>;
  /**
   * The campaign's extra checklists (进一次门，查多项事) as they were when the visit started; their items follow the
   * form's items in the same flow: steps n + 1 … n + m (domain/visit.ts).
   */
  extras?: ExtraChecklistSnapshot[];
  /** photos of the signed and sealed paper forms (签字页) */
  signaturePages?: SignaturePage[];
  /** the visit started outside the campaign's inspection window: the 组长's reason */
  outsideWindow?: OutsideWindow;
}

export interface ExtraChecklistSnapshot {
  name: string;
  items: { no: number; text: string }[];
}

/** A picture (or a scanned document) of the signed and sealed paper forms. */
export interface SignaturePage {
  kind: 'image' | 'file';
  /** Feishu image_key or file_key */
  key: string;
  name?: string;
  messageId: string;
  by: string;
  byName: string;
  at: Date;
}

export interface OutsideWindow {
  reason: string;
  by: string;
  byName: string;
  at: Date;
  /** the campaign's window at the time */
  from: string;
  to: string;
}

export interface TeamMember {
  openId: string;
  name: string;
  role: string;
}

// ---- items and position -------------------------------------------------------------------------------------

export function itemCount(kind: ChecklistKind): number {
  return CHECKLISTS[kind].items.length;
}

/**
 * The cursor value of the summary. `extra`: the number of extra-checklist items of the visit (domain/visit.ts),
 * which come after the form's items as steps n + 1 … n + extra.
 */
export function summaryStep(kind: ChecklistKind, extra = 0): number {
  return itemCount(kind) + extra + 1;
}

export function isSummary(kind: ChecklistKind, cursor: number, extra = 0): boolean {
  return cursor >= summaryStep(kind, extra);
}

export function itemContent(kind: ChecklistKind, item: number): string {
  const found = CHECKLISTS[kind].items.find((i) => i.no === item);
  if (!found) throw new RangeError(`${CHECKLISTS[kind].form} 没有第 ${item} 项`);
  return found.content;
}

export function answerFor(answers: readonly Answer[], item: number): Answer | undefined {
  return answers.find((a) => a.item === item);
}

export function answeredCount(kind: ChecklistKind, answers: readonly Answer[], extra = 0): number {
  const n = itemCount(kind) + extra;
  return new Set(answers.filter((a) => a.item >= 1 && a.item <= n).map((a) => a.item)).size;
}

export function allAnswered(kind: ChecklistKind, answers: readonly Answer[], extra = 0): boolean {
  return answeredCount(kind, answers, extra) === itemCount(kind) + extra;
}

/** The answers with `answer` replacing any earlier answer of its item, in item order. */
export function withAnswer(answers: readonly Answer[], answer: Answer): Answer[] {
  return [...answers.filter((a) => a.item !== answer.item), answer].sort((x, y) => x.item - y.item);
}

/** Where the record goes after `item` was answered: the next unanswered item after it (wrapping), else the summary. */
export function nextCursor(kind: ChecklistKind, answers: readonly Answer[], item: number, extra = 0): number {
  const n = itemCount(kind) + extra;
  const answered = new Set(answers.map((a) => a.item));
  for (let step = 1; step <= n; step += 1) {
    const candidate = ((item - 1 + step) % n) + 1;
    if (!answered.has(candidate)) return candidate;
  }
  return summaryStep(kind, extra);
}

/** "上一项": one back (the summary goes back to the last item); item 1 stays. */
export function previousCursor(kind: ChecklistKind, cursor: number, extra = 0): number {
  if (isSummary(kind, cursor, extra)) return itemCount(kind) + extra;
  return Math.max(1, cursor - 1);
}

// ---- input validation ---------------------------------------------------------------------------------------

export type RecordCheck =
  | { ok: true; record: string }
  | { ok: false; error: 'recordRequired' }
  | { ok: false; error: 'recordTooLong'; length: number }
  | { ok: false; error: 'recordInvalid'; message: string };

/** Characters as people count them (a 汉字 or an emoji is one). */
export function charLength(text: string): number {
  return [...text].length;
}

export function checkRecord(verdict: Verdict, raw: unknown): RecordCheck {
  const record = typeof raw === 'string' ? raw.replace(/\r\n?/g, '\n').trim() : '';
  if (verdict === '不符合' && record === '') return { ok: false, error: 'recordRequired' };
  const length = charLength(record);
  if (length > MAX_RECORD_LENGTH) return { ok: false, error: 'recordTooLong', length };
  // Characters the Word forms cannot hold (U+FFFE, controls …): domain/textPolicy.ts.
  const policy = checkText('record', record);
  if (!policy.ok) return { ok: false, error: 'recordInvalid', message: policy.message };
  return { ok: true, record };
}

export type NameCheck = { ok: true; name: string } | { ok: false; error: 'required' | 'tooLong' };

export function checkRepresentative(raw: unknown): NameCheck {
  const name = typeof raw === 'string' ? raw.replace(/\s+/g, ' ').trim() : '';
  if (name === '') return { ok: false, error: 'required' };
  if (charLength(name) > MAX_REPRESENTATIVE_LENGTH) return { ok: false, error: 'tooLong' };
  return { ok: true, name };
}

export type ReasonCheck = { ok: true; reason: string } | { ok: false; error: 'required' | 'tooLong' };

export function checkReopenReason(raw: unknown): ReasonCheck {
  const reason = typeof raw === 'string' ? raw.trim() : '';
  if (reason === '') return { ok: false, error: 'required' };
  if (charLength(reason) > MAX_REOPEN_REASON_LENGTH) return { ok: false, error: 'tooLong' };
  return { ok: true, reason };
}

/**
 * The rectification period as typed: "15", "１５", "15天"; empty means the default. Whole calendar days, 1…365
 * (the notice's “请于 日内完成”); “10个工作日” is refused rather than silently read as 10 calendar days.
 */
export function parseRectificationDays(raw: unknown): { ok: true; days: number } | { ok: false } {
  if (raw === undefined || raw === null) return { ok: true, days: DEFAULT_RECTIFICATION_DAYS };
  const text = String(raw)
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\s+/g, '')
    .replace(/(天|日)$/, '');
  if (text === '') return { ok: true, days: DEFAULT_RECTIFICATION_DAYS };
  if (!/^\d{1,3}$/.test(text)) return { ok: false };
  const days = Number(text);
  return days >= 1 && days <= MAX_RECTIFICATION_DAYS ? { ok: true, days } : { ok: false };
}

// ---- team and signatures ------------------------------------------------------------------------------------

export function memberOf<T extends TeamMember>(team: readonly T[], openId: string): T | undefined {
  return team.find((m) => m.openId === openId);
}

export function isLeader(team: readonly TeamMember[], openId: string): boolean {
  return team.some((m) => m.openId === openId && m.role === '组长');
}

export function hasLeader(team: readonly TeamMember[]): boolean {
  return team.some((m) => m.role === '组长');
}

/** Team members (each person once) who have not signed yet, in team order. */
export function unsignedMembers<T extends TeamMember>(team: readonly T[], signatures: readonly Signature[]): T[] {
  const signed = new Set(signatures.map((s) => s.openId));
  const seen = new Set<string>();
  return team.filter((m) => {
    if (signed.has(m.openId) || seen.has(m.openId)) return false;
    seen.add(m.openId);
    return true;
  });
}

export function distinctMembers<T extends TeamMember>(team: readonly T[]): T[] {
  const seen = new Set<string>();
  return team.filter((m) => (seen.has(m.openId) ? false : (seen.add(m.openId), true)));
}

// ---- outcome and 附件1 ---------------------------------------------------------------------------------------

/**
 * The result of the form's items (附件3/附件4). The extra checklists' answers (items after the form's, see
 * domain/visit.ts) do not change it: they are recorded and counted on their own.
 */
export function outcomeOf(answers: readonly Answer[], kind: ChecklistKind): InspectionResult {
  const n = itemCount(kind);
  return answers.some((a) => a.item <= n && a.verdict === '不符合') ? '发现问题' : '未发现问题';
}

/** The 整改意见 of 附件1: every 不符合 item of the form with its 检查记录, in item order. */
export function rectificationItems(kind: ChecklistKind, answers: readonly Answer[]): RectificationItem[] {
  const n = itemCount(kind);
  return answers
    .filter((a) => a.item <= n && a.verdict === '不符合')
    .sort((x, y) => x.item - y.item)
    .map((a) => ({ no: a.item, content: itemContent(kind, a.item), record: a.record }));
}

/** `date` plus `days` calendar days (YYYY-MM-DD, computed in UTC so the process TZ does not matter). */
export function addCalendarDays(date: string, days: number): string {
  if (!Number.isSafeInteger(days) || days < 0) throw new RangeError(`天数应为不小于 0 的整数，收到：${String(days)}`);
  const [y, m, d] = parseDate(date).split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d + days);
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

/**
 * The deadline of a period of `days` calendar days from `issuedDate`; when it falls on a rest day (weekend or
 * 法定节假日) it moves to the next working day, as periods do in Chinese administrative law. Where the calendar has
 * no data for the year, the calendar date stands.
 */
export function rectificationDeadline(issuedDate: string, days: number): string {
  let deadline = addCalendarDays(issuedDate, days);
  try {
    while (!isWorkingDay(deadline)) deadline = addCalendarDays(deadline, 1);
  } catch (err) {
    if (!(err instanceof CalendarDataMissingError)) throw err;
    return addCalendarDays(issuedDate, days);
  }
  return deadline;
}

export function buildRectification(input: {
  kind: ChecklistKind;
  answers: readonly Answer[];
  days: number;
  issuedDate: string;
  setBy: string;
  recipients: readonly string[];
}): Rectification {
  return {
    days: input.days,
    issuedDate: input.issuedDate,
    deadline: rectificationDeadline(input.issuedDate, input.days),
    items: rectificationItems(input.kind, input.answers),
    setBy: input.setBy,
    recipients: [...new Set(input.recipients)],
  };
}

/** 附件1 《市级“双随机、一公开”监督检查意见汇总表》, as data (the card and the .docx export render it). */
export interface OpinionSheet {
  title: string;
  enterpriseName: string;
  product: string;
  licenceNo: string;
  validity: string;
  intro: string;
  items: RectificationItem[];
  days: number;
  deadline: string;
  closing: string;
  teamSignatures: { name: string; role: string; date: string }[];
  representative: string;
  date: string;
  note: string;
}

export const OPINION_SHEET_TITLE = '市级“双随机、一公开”监督检查意见汇总表';

export function opinionSheet(input: {
  enterprise: Pick<Enterprise, 'name' | 'product' | 'licenceNo' | 'validFrom' | 'validTo'>;
  rectification: Rectification;
  signatures: readonly Signature[];
  representative: string;
  /** Asia/Shanghai date of each signature */
  dateOf: (d: Date) => string;
}): OpinionSheet {
  const r = input.rectification;
  return {
    title: OPINION_SHEET_TITLE,
    enterpriseName: input.enterprise.name,
    product: input.enterprise.product,
    licenceNo: input.enterprise.licenceNo,
    // as the notice writes dates (2024年3月15日至10月31日)
    validity: `${chineseDateText(input.enterprise.validFrom) ?? input.enterprise.validFrom}至${chineseDateText(input.enterprise.validTo) ?? input.enterprise.validTo}`,
    intro: '根据运城市市场监督管理局工作安排,检查组按照“双随机、一公开”的监管方式,对你企业进行证后监督检查,认为你企业存在以下待整改项:',
    items: r.items,
    days: r.days,
    deadline: r.deadline,
    closing: `请于 ${r.days} 日内完成上述问题整改，整改结果报当地市场监督管理部门。`,
    teamSignatures: input.signatures.map((s) => ({ name: s.name, role: s.role, date: input.dateOf(s.at) })),
    representative: input.representative,
    date: r.issuedDate,
    note: '注:此表一式三份,企业与市、县市场监管局各一份。',
  };
}

// ---- display state -------------------------------------------------------------------------------------------

export interface TaskLike {
  state: string;
  checklist: ChecklistKind;
  team: readonly TeamMember[];
  inspection?: Pick<InspectionRecord, 'answers' | 'signatures' | 'extras'> | null;
}

/** The state as people read it in /我的任务: 待接收, 待检查, 检查中 3/9, 待签字 1/3, 待整改 … */
export function stateLabel(task: TaskLike): string {
  const rec = task.inspection;
  const extra = (rec?.extras ?? []).reduce((n, x) => n + x.items.length, 0);
  if (task.state === '检查中') return `检查中 ${answeredCount(task.checklist, rec?.answers ?? [], extra)}/${itemCount(task.checklist) + extra}`;
  if (task.state === '待确认') return '无法检查·待组长确认';
  if (task.state === '待签字') {
    const members = distinctMembers(task.team).length;
    return `待签字 ${members - unsignedMembers(task.team, rec?.signatures ?? []).length}/${members}`;
  }
  return task.state;
}

/** Clip long text for a card: at most `max` characters, with an ellipsis. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
