/**
 * Cards of the inspection checklist (issue 4): view models and builders. Every card is rendered from the stored
 * task for one viewer (a callback answer or a message goes to one person), so a viewer only sees the buttons they
 * may use. Buttons carry the task id, and the item and task version (or the submission round for signatures), so a
 * click on an old card is recognised and answered with the current state.
 *
 * Callback values:
 *   insp.start  {task, c?}                      开始检查 / 继续检查 / 去签字 / 查看记录 / 返回检查; `c`, the task's
 *                                               campaign, on 开始检查 of a task not started (one-write start)
 *   insp.answer {task, item, v, verdict}        符合 / 不符合 (form submit with `record`)
 *   insp.back   {task, item, v}                 上一项
 *   insp.next   {task, item, v}                 下一项
 *   insp.edit   {task, item, v}                 修改 / 去检查 (summary)
 *   insp.submit {task, v}                       提交检查结果 (form submit with `representative`, `days`)
 *   insp.sign   {task, round}                   确认签字 (form submit, `days` for the 组长 when there are findings)
 *   insp.reopen {task, round}                   重新打开检查 (form submit with `reason`)
 */
import { CHECKLISTS } from '../domain/checklists';
import {
  allAnswered,
  answerFor,
  answeredCount,
  clip,
  DEFAULT_RECTIFICATION_DAYS,
  distinctMembers,
  isLeader,
  isSummary,
  itemContent,
  itemCount,
  memberOf,
  opinionSheet,
  outcomeOf,
  OPINION_SHEET_TITLE,
  stateLabel,
  summaryStep,
  unsignedMembers,
  type ReopenEntry,
} from '../domain/inspection';
import { shanghaiDate } from '../domain/calendar';
import { extraCount, visitStep, visitSteps } from '../domain/visit';
import type { TaskDoc } from '../store/task';
import { closureCard } from './closureCards';
import { md, renderCard, type ButtonView, type CardJson, type HeaderColor } from './cards';
import { dateTime } from './format';
import { FMSG } from './followupCards';
import { IMSG } from './inspectionMessages';

// ---- view models ------------------------------------------------------------------------------------------------

type Value = ButtonView['value'];

export interface ChecklistItemView {
  summary: string;
  title: string;
  subtitle: string;
  color: HeaderColor;
  heading: string;
  /** the 督查内容, verbatim (plain text) */
  content: string;
  current?: string;
  photos?: string;
  recordLabel: string;
  placeholder: string;
  recordDefault?: string;
  ok: Value;
  ng: Value;
  nav: ButtonView[];
  hint: string;
}

export interface InspectionRecordView {
  summary: string;
  title: string;
  subtitle: string;
  color: HeaderColor;
  intro: string;
  items: { text: string; button?: ButtonView }[];
  photos?: string;
  status?: string;
  submitForm?: { representative?: string; days?: string; value: Value };
  signForm?: { days?: string; value: Value };
  reopenForm?: { value: Value };
  buttons?: ButtonView[];
  note: string;
}

export interface RectificationNoticeView {
  summary: string;
  title: string;
  subtitle: string;
  heading: string;
  fields: string;
  intro: string;
  items: string[];
  closing: string;
  signatures: string;
  buttons?: ButtonView[];
  note: string;
}

export interface TasksListView {
  title: string;
  intro: string;
  rows: { text: string; button?: ButtonView }[];
  note: string;
}

declare module './cards' {
  interface CardViews {
    checklistItem: ChecklistItemView;
    inspectionRecord: InspectionRecordView;
    rectificationNotice: RectificationNoticeView;
    tasksList: TasksListView;
  }
}

// ---- helpers ----------------------------------------------------------------------------------------------------

const id = (task: TaskDoc): string => String(task._id);

function formTitle(task: TaskDoc): string {
  const form = CHECKLISTS[task.checklist];
  return `${form.form} ${form.title}`;
}

function startButton(task: TaskDoc, text: string, type: ButtonView['type'] = 'primary'): ButtonView {
  return { text, type, value: { a: 'insp.start', task: id(task) } };
}

/** 开始检查 of a task not started: also names its campaign (startInspection.ts starts it in one write). */
export function firstStartButton(task: Pick<TaskDoc, '_id' | 'campaignId'>, text: string): ButtonView {
  return { text, type: 'primary', value: { a: 'insp.start', task: String(task._id), c: String(task.campaignId) } };
}

/** Card size budget: 30 KB per card; records are clipped in lists (the item card and the stored record keep all). */
const SUMMARY_RECORD_CHARS = 200;
const RECORD_VIEW_RECORD_CHARS = 500;
const NOTICE_RECORD_BUDGET = 6000;
const CONTENT_CHARS = 40;
const PHOTO_LINES = 20;

function photosText(task: TaskDoc): string | undefined {
  const photos = task.inspection?.photos ?? [];
  if (photos.length === 0) return undefined;
  const lines = photos
    .slice(0, PHOTO_LINES)
    .map((p) => IMSG.photoLine(p.item === 0 ? IMSG.photoWhereAll : IMSG.photoWhereItem(p.item), md(p.byName), dateTime(p.at)));
  if (photos.length > PHOTO_LINES) lines.push(IMSG.photosMore(photos.length - PHOTO_LINES));
  return [IMSG.photosHeading(photos.length), ...lines].join('\n');
}

/** The form's items, then each extra checklist (进一次门，查多项事) under its own heading. */
function itemLines(task: TaskDoc, recordChars: number, editable: boolean): InspectionRecordView['items'] {
  const rec = task.inspection!;
  const v = task.version;
  const out: InspectionRecordView['items'] = [];
  let source = '';
  for (const step of visitSteps(task.checklist, rec.extras)) {
    if (step.part === 'extra' && step.source !== source) out.push({ text: IMSG.extraHeading(md(step.source)) });
    source = step.source;
    const a = answerFor(rec.answers, step.step);
    const content = md(clip(step.content, CONTENT_CHARS));
    const photos = rec.photos.filter((p) => p.item === step.step).length;
    const lines = [a ? IMSG.itemLine(step.no, a.verdict, content) : IMSG.itemMissing(step.no, content)];
    if (a?.record) lines.push(IMSG.itemRecord(md(clip(a.record, recordChars))));
    if (photos > 0) lines.push(IMSG.itemPhotoCount(photos));
    const button: ButtonView | undefined = editable
      ? { text: a ? IMSG.edit : IMSG.answerNow, type: a ? 'default' : 'primary', value: { a: 'insp.edit', task: id(task), item: step.step, v } }
      : undefined;
    out.push({ text: lines.join('\n'), button });
  }
  return out;
}

/** The steps not answered yet: the form's item numbers, or `<extra checklist>#<序号>` (IMSG formats them). */
function missingSteps(task: TaskDoc): (number | string)[] {
  const rec = task.inspection!;
  return visitSteps(task.checklist, rec.extras)
    .filter((s) => !answerFor(rec.answers, s.step))
    .map((s) => (s.part === 'form' ? s.no : `${s.source}#${s.no}`));
}

function closeButton(task: TaskDoc): ButtonView {
  return { text: IMSG.closeButton, type: 'default', value: { a: 'close.open', task: id(task) } };
}

function signaturePageButton(task: TaskDoc): ButtonView {
  return { text: IMSG.signaturePageButton, type: 'default', value: { a: 'insp.sigpage', task: id(task) } };
}

function signaturePagesText(task: TaskDoc): string | undefined {
  const pages = task.inspection?.signaturePages ?? [];
  if (pages.length === 0) return undefined;
  const last = pages[pages.length - 1]!;
  return IMSG.signaturePagesLine(pages.length, md(last.byName), dateTime(last.at));
}

function signaturesText(task: TaskDoc): string {
  const rec = task.inspection!;
  const members = distinctMembers(task.team);
  const lines = members.map((m) => {
    const s = rec.signatures.find((x) => x.openId === m.openId);
    return s ? IMSG.signedLine(md(s.name), s.role, dateTime(s.at)) : IMSG.unsignedLine(md(m.name), m.role);
  });
  return [IMSG.signaturesHeading(members.length - unsignedMembers(task.team, rec.signatures).length, members.length), ...lines].join('\n');
}

const STATE_COLORS: Record<string, HeaderColor> = { 待签字: 'wathet', 待公示: 'green', 待整改: 'orange', 已公示: 'grey' };

// ---- the checklist item -------------------------------------------------------------------------------------------

/**
 * `draft`: the 检查记录 of an answer just refused as stale; when the card shows that item again the text is put
 * back into the form, so nobody retypes it on a phone.
 */
export function checklistItemCard(task: TaskDoc, draft?: { item: number; record: string }): CardJson {
  const rec = task.inspection!;
  const extra = extraCount(rec.extras);
  const total = itemCount(task.checklist) + extra;
  const k = rec.cursor;
  const step = visitStep(task.checklist, rec.extras, k);
  const a = answerFor(rec.answers, k);
  const photos = rec.photos.filter((p) => p.item === k).length;
  const base = { task: id(task), item: k, v: task.version };
  const nav: ButtonView[] = [];
  if (k > 1) nav.push({ text: IMSG.back, type: 'default', value: { a: 'insp.back', ...base } });
  if (a) nav.push({ text: IMSG.forward, type: 'default', value: { a: 'insp.next', ...base } });
  nav.push(closeButton(task));
  const answered = answeredCount(task.checklist, rec.answers, extra);
  const extraStep = step?.part === 'extra';
  return renderCard('checklistItem', {
    summary: `${task.enterprise.name} ${k}/${total}`,
    title: task.enterprise.name,
    subtitle: extraStep ? IMSG.extraSubtitle(step.source) : formTitle(task),
    color: extraStep ? 'turquoise' : 'blue',
    heading: extraStep ? IMSG.extraItemHeading(md(step.source), step.no, step.of, answered, total) : IMSG.itemHeading(k, total, answered),
    content: step ? step.content : itemContent(task.checklist, k),
    current: a ? IMSG.currentAnswer(a.verdict, md(a.byName), dateTime(a.at)) : undefined,
    photos: photos > 0 ? IMSG.itemPhotos(photos) : undefined,
    recordLabel: IMSG.recordLabel,
    placeholder: IMSG.recordPlaceholder,
    recordDefault: (draft && draft.item === k && draft.record) || a?.record || undefined,
    ok: { a: 'insp.answer', ...base, verdict: '符合' },
    ng: { a: 'insp.answer', ...base, verdict: '不符合' },
    nav,
    hint: IMSG.itemHint,
  });
}

// ---- summary (before submission) ----------------------------------------------------------------------------------

export function summaryCard(task: TaskDoc, viewer: string): CardJson {
  const rec = task.inspection!;
  const extra = extraCount(rec.extras);
  const n = itemCount(task.checklist);
  const done = allAnswered(task.checklist, rec.answers, extra);
  const result = outcomeOf(rec.answers, task.checklist);
  const ng = rec.answers.filter((a) => a.item <= n && a.verdict === '不符合').length;
  const missing = missingSteps(task);
  const leaderWithFindings = result === '发现问题' && isLeader(task.team, viewer);
  return renderCard('inspectionRecord', {
    summary: `${task.enterprise.name} 检查结果汇总`,
    title: task.enterprise.name,
    subtitle: formTitle(task),
    color: result === '发现问题' ? 'orange' : 'green',
    intro: done ? IMSG.summaryIntroDone(n + extra, result, ng) : IMSG.summaryIntroMissing(missing),
    items: itemLines(task, SUMMARY_RECORD_CHARS, true),
    photos: [photosText(task), signaturePagesText(task)].filter((t) => t !== undefined).join('\n') || undefined,
    submitForm: done
      ? {
          representative: rec.representative,
          days: leaderWithFindings ? String(rec.rectificationDays ?? DEFAULT_RECTIFICATION_DAYS) : undefined,
          value: { a: 'insp.submit', task: id(task), v: task.version },
        }
      : undefined,
    buttons: [
      { text: IMSG.back, type: 'default', value: { a: 'insp.back', task: id(task), item: summaryStep(task.checklist, extra), v: task.version } },
      signaturePageButton(task),
      closeButton(task),
    ],
    note: IMSG.summaryNote,
  });
}

// ---- the submitted record ---------------------------------------------------------------------------------------

export function recordCard(task: TaskDoc, viewer: string, banner?: string): CardJson {
  const rec = task.inspection!;
  const result = rec.result ?? outcomeOf(rec.answers, task.checklist);
  // a submitter replaced since (/换人) is no longer on the team: their name is in the change
  const submitter =
    memberOf(task.team, rec.submittedBy ?? '')?.name ?? task.teamChanges?.find((c) => c.from.openId === rec.submittedBy)?.from.name ?? '';
  const intro = [
    ...(banner ? [banner] : []),
    IMSG.recordState(stateLabel(task), result),
    IMSG.recordMeta(md(rec.representative ?? ''), rec.completionDate ?? '', md(submitter)),
    ...(rec.rectification ? [IMSG.recordDeadline(rec.rectification.days, rec.rectification.deadline)] : []),
    ...publicationLines(task),
    ...(rec.reopens.length > 0 ? [IMSG.reopensLine(rec.reopens.length, md(clip(rec.reopens[rec.reopens.length - 1].reason, 60)))] : []),
  ].join('\n');
  const member = memberOf(task.team, viewer);
  const mustSign = task.state === '待签字' && member !== undefined && !rec.signatures.some((s) => s.openId === viewer);
  const leader = isLeader(task.team, viewer);
  const notes: Record<string, string> = {
    待签字: IMSG.noteSigning,
    待公示: IMSG.notePending,
    待整改: IMSG.noteRectify,
    已公示: IMSG.notePublished,
  };
  return renderCard('inspectionRecord', {
    summary: `${task.enterprise.name} 检查记录`,
    title: task.enterprise.name,
    subtitle: formTitle(task),
    color: STATE_COLORS[task.state] ?? 'blue',
    intro,
    items: itemLines(task, RECORD_VIEW_RECORD_CHARS, false),
    photos: [photosText(task), signaturePagesText(task)].filter((t) => t !== undefined).join('\n') || undefined,
    status: signaturesText(task),
    signForm: mustSign
      ? {
          days: leader && result === '发现问题' ? String(rec.rectificationDays ?? DEFAULT_RECTIFICATION_DAYS) : undefined,
          value: { a: 'insp.sign', task: id(task), round: rec.round },
        }
      : undefined,
    reopenForm: leader && ['待签字', '待公示', '待整改'].includes(task.state) ? { value: { a: 'insp.reopen', task: id(task), round: rec.round } } : undefined,
    buttons: [
      ...(followUpButton(task) ?? []),
      ...(member && task.state !== '已公示' ? [signaturePageButton(task)] : []),
    ],
    note: notes[task.state] ?? '',
  });
}

/** The publication deadline or record (follow-up, operations/followup) on the record card. */
function publicationLines(task: TaskDoc): string[] {
  const pub = task.publication;
  if (!pub || !['待公示', '待整改', '已公示'].includes(task.state)) return [];
  if (pub.publishedOn) return [FMSG.recordPublished(pub.publishedOn, pub.result ?? '')];
  return [pub.dueDate ? FMSG.recordDue(pub.dueDate) : FMSG.recordDueUnknown];
}

/** 整改与公示: opens the follow-up card (fu.view) once the record is complete. */
function followUpButton(task: TaskDoc): ButtonView[] | undefined {
  if (!task.inspection?.completedAt || !['待公示', '待整改', '已公示'].includes(task.state)) return undefined;
  return [{ text: task.state === '已公示' ? FMSG.recordButtonPublished : FMSG.recordButton, type: 'default', value: { a: 'fu.view', task: id(task) } }];
}

/** The record to sign again, for a member who has not signed it `days` working days after its submission. */
export function signReminderCard(task: TaskDoc, viewer: string, submitted: string, days: number): CardJson {
  return recordCard(task, viewer, IMSG.signReminder(submitted, days));
}

export function signRequestCard(task: TaskDoc, viewer: string): CardJson {
  return recordCard(task, viewer, IMSG.signRequest);
}

export function completedCard(task: TaskDoc, viewer: string): CardJson {
  return recordCard(task, viewer, IMSG.completedBanner);
}

// ---- 附件1 -----------------------------------------------------------------------------------------------------

export function opinionNoticeCard(task: TaskDoc, viewer: string): CardJson {
  const rec = task.inspection!;
  const sheet = opinionSheet({
    enterprise: task.enterprise,
    rectification: rec.rectification!,
    signatures: rec.signatures,
    representative: rec.representative ?? '',
    dateOf: shanghaiDate,
  });
  const perItem = Math.max(100, Math.floor(NOTICE_RECORD_BUDGET / Math.max(1, sheet.items.length)));
  return renderCard('rectificationNotice', {
    summary: `${sheet.title}：${task.enterprise.name}`,
    title: IMSG.noticeTitle,
    subtitle: task.enterprise.name,
    heading: `**${OPINION_SHEET_TITLE}**`,
    fields: IMSG.noticeFields(md(sheet.enterpriseName), md(sheet.product), md(sheet.licenceNo), sheet.validity),
    intro: sheet.intro,
    items: sheet.items.map((it, i) => IMSG.noticeItem(i + 1, md(clip(it.record, perItem)), it.no, md(clip(it.content, CONTENT_CHARS)))),
    closing: `${sheet.closing}\n${IMSG.noticeDeadline(sheet.deadline)}`,
    signatures: IMSG.noticeSignatures(
      sheet.teamSignatures.map((s) => IMSG.noticeSigner(md(s.name), s.role, s.date)).join('、'),
      md(sheet.representative),
      sheet.date,
    ),
    buttons: memberOf(task.team, viewer) ? [startButton(task, IMSG.viewRecord, 'default')] : undefined,
    note: sheet.note,
  });
}

// ---- which card shows a task --------------------------------------------------------------------------------------

/** The card that shows the stored state of a task to `viewer` (a team member); `draft`: see checklistItemCard. */
export function taskCard(task: TaskDoc, viewer: string, draft?: { item: number; record: string }): CardJson {
  if (task.state === '已作废') {
    return renderCard('message', { title: IMSG.voidTitle, color: 'grey', paragraphs: [IMSG.voidText(md(task.enterprise.name))] });
  }
  const rec = task.inspection;
  if (task.closure && task.closure.status !== 'draft') return closureCard(task, viewer);
  if (!rec && task.state !== '待接收' && task.state !== '待检查') {
    return renderCard('message', { title: task.enterprise.name, color: 'grey', paragraphs: [IMSG.stateOnly(task.state)] });
  }
  if (!rec || task.state === '待接收' || task.state === '待检查') {
    return renderCard('message', {
      title: IMSG.notStartedTitle,
      color: 'blue',
      paragraphs: [IMSG.notStartedText(md(task.enterprise.name))],
      buttons: [firstStartButton(task, IMSG.start), closeButton(task)],
    });
  }
  if (task.state === '检查中') {
    return isSummary(task.checklist, rec.cursor, extraCount(rec.extras)) ? summaryCard(task, viewer) : checklistItemCard(task, draft);
  }
  return recordCard(task, viewer);
}

// ---- /我的任务 -----------------------------------------------------------------------------------------------------

export function tasksListCard(tasks: readonly TaskDoc[], total: number, viewer: string): CardJson {
  const rows = tasks.map((t) => {
    const role = memberOf(t.team, viewer)?.role ?? '';
    let text = IMSG.taskRow(md(t.enterprise.name), stateLabel(t), CHECKLISTS[t.checklist].form, role);
    if (t.state === '待整改' && t.inspection?.rectification) text += IMSG.taskDeadline(t.inspection.rectification.deadline);
    if ((t.state === '待公示' || t.state === '待整改') && t.publication?.dueDate) text += FMSG.taskDue(t.publication.dueDate);
    let button: ButtonView;
    if (t.state === '检查中') button = startButton(t, IMSG.resume);
    else if (t.state === '待接收' || t.state === '待检查') button = firstStartButton(t, IMSG.start);
    else if (t.state === '待签字' && t.inspection && !t.inspection.signatures.some((s) => s.openId === viewer)) button = startButton(t, IMSG.goSign);
    else button = startButton(t, IMSG.view, 'default');
    return { text, button };
  });
  return renderCard('tasksList', {
    title: IMSG.tasksTitle,
    intro: total === 0 ? IMSG.tasksEmpty : IMSG.tasksIntro(total, tasks.length),
    rows,
    note: IMSG.tasksNote,
  });
}

// ---- notices ---------------------------------------------------------------------------------------------------

export function reopenNoticeCard(
  task: TaskDoc,
  entry: ReopenEntry,
  to: { withdrawn: boolean; member: boolean; confirmation?: { on: string; byName: string } },
): CardJson {
  const paragraphs = [IMSG.reopenText(md(entry.byName), md(task.enterprise.name)), IMSG.reopenReason(md(entry.reason))];
  if (to.withdrawn) paragraphs.push(IMSG.reopenWithdrawn);
  if (to.confirmation) paragraphs.push(IMSG.reopenConfirmationVoid(md(to.confirmation.byName), to.confirmation.on));
  if (to.member) paragraphs.push(IMSG.reopenMember);
  return renderCard('message', {
    title: IMSG.reopenTitle,
    color: 'orange',
    paragraphs,
    buttons: to.member ? [startButton(task, IMSG.view, 'default')] : undefined,
  });
}

export function photoSavedCard(task: TaskDoc, item: number, count: number): CardJson {
  return renderCard('message', {
    title: IMSG.photoSavedTitle,
    color: 'green',
    paragraphs: [IMSG.photoSaved(md(task.enterprise.name), item === 0 ? IMSG.photoSavedAll : IMSG.photoSavedItem(item), count)],
    buttons: [startButton(task, IMSG.backToChecklist)],
  });
}

export function photoNotSavedCard(): CardJson {
  return renderCard('message', { title: IMSG.photoNotSavedTitle, color: 'orange', paragraphs: [IMSG.photoNotSaved] });
}

// ---- the inspection window, 签字页 ------------------------------------------------------------------------------------

export interface ReasonFormView {
  title: string;
  subtitle?: string;
  color: HeaderColor;
  paragraphs: string[];
  form?: { name: string; input: string; label: string; placeholder: string; maxLength: number; button: string; value: Value };
  buttons?: ButtonView[];
  note: string;
}

declare module './cards' {
  interface CardViews {
    reasonForm: ReasonFormView;
  }
}

/** 开始检查 outside the campaign's window: the 组长 gives a reason (recorded); anyone else is told to ask the 组长. */
export function outsideWindowCard(task: TaskDoc, viewer: string, from: string, to: string): CardJson {
  const leader = isLeader(task.team, viewer);
  const leaderName = task.team.find((m) => m.role === '组长')?.name;
  return renderCard('reasonForm', {
    title: IMSG.windowTitle,
    subtitle: task.enterprise.name,
    color: 'orange',
    paragraphs: [IMSG.windowText(from, to), leader ? IMSG.windowLeader : IMSG.windowOthers(md(leaderName ?? ''))],
    form: leader
      ? {
          name: 'window_form',
          input: 'window_reason',
          label: IMSG.windowReasonLabel,
          placeholder: IMSG.windowReasonPlaceholder,
          maxLength: 200,
          button: IMSG.windowButton,
          value: { a: 'insp.start', task: id(task) },
        }
      : undefined,
    buttons: [closeButton(task)],
    note: IMSG.windowNote,
  });
}

export function signaturePageRequestCard(task: TaskDoc, until: Date): CardJson {
  return renderCard('message', {
    title: IMSG.signaturePageTitle,
    color: 'wathet',
    paragraphs: [IMSG.signaturePageText(md(task.enterprise.name), dateTime(until))],
    buttons: [startButton(task, IMSG.viewRecord, 'default')],
  });
}

export function signaturePageSavedCard(task: TaskDoc, count: number): CardJson {
  return renderCard('message', {
    title: IMSG.signaturePageSavedTitle,
    color: 'green',
    paragraphs: [IMSG.signaturePageSaved(md(task.enterprise.name), count)],
    buttons: [startButton(task, IMSG.viewRecord, 'default')],
  });
}
