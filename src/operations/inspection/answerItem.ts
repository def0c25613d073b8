/**
 * 符合 / 不符合 on a checklist item. The answer is saved (with who and when, and appended to the history) before the
 * record moves on. The card's version must be the task's: otherwise someone else answered or moved meanwhile, and
 * the answer is refused (kept in the history as 'stale') with the current state to show instead, unless it is the
 * very answer the item holds from the same person (a double tap): that one is answered as saved.
 *
 * Redeliveries of the callback: the write is a compare-and-set on the card's version, which it moves on, so an answer
 * is applied at most once whatever is delivered again. The history entry keeps the callback's event id, and a click
 * that finds its event id in the history (the first delivery was saved, or refused as stale) is a duplicate: refused
 * with 'duplicate' and the stored state, nothing written, answered with that state's card and no toast: Feishu
 * redelivers a click when it got no answer to it (e.g. the process died after the write), and the inspector then
 * still gets the card to go on from (bot/router.ts ActionSpec.dedupesItself; docs/architecture.md, "A card click,
 * end to end").
 */
import {
  answerFor,
  checkRecord,
  memberOf,
  itemCount,
  nextCursor,
  withAnswer,
  type Answer,
  type AnswerEvent,
  type Verdict,
} from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { TaskDoc, TeamSlot } from '../../store/task';
import { activityPath, casUpdateStored, loadForMember, notOpen, refuse, tasks, type InspectionDeps, type OpResult } from './common';
import { recallTask } from './taskCache';

export interface AnswerInput {
  /** the card callback's event id (absent for answers from elsewhere, e.g. tests and the demo) */
  eventId?: string;
  taskId: string;
  openId: string;
  item: number;
  verdict: Verdict;
  /** the 检查记录 as typed (form value) */
  record: unknown;
  /** the task version the card showed */
  version: number;
}

/** What a saved answer returns: the answer, and whether a 不符合's record was left off a 符合 (see save). */
export interface AnswerSaved {
  saved: Answer;
  carriedOver?: true;
}

async function refuseStale(deps: InspectionDeps, task: TaskDoc, event: AnswerEvent): Promise<OpResult<AnswerSaved>> {
  // The same person's same answer is what the item already holds (a double tap, or a client retry under a new event
  // id): no conflict to report and nothing new to keep. Answered as saved, with the card of the current state.
  const current = answerFor(task.inspection?.answers ?? [], event.item);
  if (current && current.by === event.by && current.verdict === event.verdict && current.record === event.record) {
    return { ok: true, task, saved: current };
  }
  // Keep the refused answer: nothing anyone typed is lost. The version does not move (the record did not change).
  // Kept once per callback: a copy of the same callback delivered at the same moment finds its event id pushed by the
  // other and is a duplicate (no claim in processed_events stops it, see the header).
  const once = event.eventId !== undefined ? { 'inspection.history.eventId': { $ne: event.eventId } } : {};
  const pushed = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id, ...once },
      { $push: { 'inspection.history': { ...event, outcome: 'stale' } }, $set: { [activityPath(event.by)]: event.at } },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!pushed && event.eventId !== undefined) return refuse({ code: 'duplicate' }, task);
  const fresh = pushed ?? task;
  deps.log.info({ taskId: String(task._id), openId: event.by, item: event.item, baseVersion: event.baseVersion, version: fresh.version }, 'stale answer refused');
  return refuse(
    { code: 'stale', item: event.item, current: answerFor(fresh.inspection?.answers ?? [], event.item), draft: event.record },
    fresh,
  );
}

export async function answerItem(deps: InspectionDeps, input: AnswerInput): Promise<OpResult<AnswerSaved>> {
  // The copy this process wrote at the card's version, if any (taskCache.ts): only the plain case, a member
  // answering the open item, is taken from it, and its write also requires what was checked on the copy.
  const recalled = recallTask(deps.conn, input.taskId, input.version);
  if (recalled) {
    const member = memberOf(recalled.team, input.openId);
    const rec = recalled.inspection;
    if (member && !notOpen(recalled) && rec && rec.cursor === input.item && input.item >= 1 && input.item <= itemCount(recalled.checklist) + extraCount(rec.extras)) {
      const check = checkRecord(input.verdict, input.record);
      if (check.ok) {
        const saved = await save(deps, recalled, member, input, check.record, { 'team.openId': member.openId, 'inspection.cursor': input.item });
        if (saved) return saved;
      }
    }
  }
  const loaded = await loadForMember(deps, input.taskId, input.openId);
  if (!loaded.ok) return loaded;
  const { task, member } = loaded;
  if (recorded(task, input.eventId)) return refuse({ code: 'duplicate' }, task);
  const closed = notOpen(task);
  if (closed) return refuse(closed, task);
  const rec = task.inspection!;

  const check = checkRecord(input.verdict, input.record);
  if (!check.ok) {
    if (check.error === 'recordInvalid') return refuse({ code: 'badText', message: check.message });
    return refuse(check.error === 'recordRequired' ? { code: 'recordRequired' } : { code: 'recordTooLong', length: check.length });
  }
  const extra = extraCount(rec.extras);
  if (input.item < 1 || input.item > itemCount(task.checklist) + extra || input.version !== task.version || rec.cursor !== input.item) {
    return refuseStale(deps, task, answerEvent(deps, member, input, check.record));
  }
  const saved = await save(deps, task, member, input, check.record);
  if (saved) return saved;
  const fresh = await tasks(deps).findById(task._id).lean<TaskDoc>();
  // the same callback delivered twice at once: the other delivery's write is the one that matched
  if (fresh && recorded(fresh, input.eventId)) return refuse({ code: 'duplicate' }, fresh);
  return refuseStale(deps, fresh ?? task, answerEvent(deps, member, input, check.record));
}

/** Whether the task's history already holds the answer of callback `eventId` (saved or refused as stale). */
function recorded(task: TaskDoc, eventId: string | undefined): boolean {
  return eventId !== undefined && (task.inspection?.history ?? []).some((h) => h.eventId === eventId);
}

function answerEvent(deps: InspectionDeps, member: TeamSlot, input: AnswerInput, record: string): AnswerEvent {
  const answer: Answer = { item: input.item, verdict: input.verdict, record, by: member.openId, byName: member.name, at: deps.now() };
  return { ...answer, baseVersion: input.version, outcome: 'saved', ...(input.eventId !== undefined ? { eventId: input.eventId } : {}) };
}

/**
 * What a saved answer's task comes back without: the history (one entry per answer, the larger part of the record
 * as it grows) and the activity times. Nothing that uses the task an answer returns reads them — its card
 * (bot/inspectionCards.ts) and the next answer starting from the remembered copy (taskCache.ts, answerItem above:
 * team, state, checklist, extras, cursor, answers, version) — while a fresh read (loadForMember) has them all for
 * the checks that need them (`recorded`). Only what is read back is smaller; the write is the same.
 */
const ANSWER_RETURN = { 'inspection.history': 0, 'inspection.lastActive': 0 } as const;

/** Stores the answer if the task is still at `task.version` (and matches `also`); null when it moved on. */
async function save(
  deps: InspectionDeps,
  task: TaskDoc,
  member: TeamSlot,
  input: AnswerInput,
  record: string,
  also: Record<string, unknown> = {},
): Promise<OpResult<AnswerSaved> | null> {
  const rec = task.inspection!;
  // 符合 sent with the very text of the 不符合 it replaces: that text is the card's pre-fill (上一项 and 修改 show the
  // item's record in the input), a finding that no longer holds. It is not kept on the 符合; the 不符合 keeps it in
  // the history, and the answer says so (`carriedOver`).
  const previous = answerFor(rec.answers, input.item);
  const carriedOver = input.verdict === '符合' && previous?.verdict === '不符合' && record !== '' && record === previous.record;
  const event = answerEvent(deps, member, input, carriedOver ? '' : record);
  const { baseVersion: _b, outcome: _o, eventId: _e, ...answer } = event;
  const answers = withAnswer(rec.answers, answer);
  // answers and the event are plain values in the schema's shape (domain/inspection.ts): stored as they are
  const updated = await casUpdateStored(
    deps,
    task,
    {
      $set: {
        'inspection.answers': answers,
        'inspection.cursor': nextCursor(task.checklist, answers, input.item, extraCount(rec.extras)),
        [activityPath(member.openId)]: answer.at,
      },
      $push: { 'inspection.history': event },
    },
    { state: '检查中', ...also },
    ANSWER_RETURN,
  );
  if (!updated) return null;
  // debug: the click's own line (bot/router.ts 'card action') already names the task, the item and the verdict,
  // and the stored history keeps every answer with who and when
  deps.log.debug({ taskId: String(task._id), openId: member.openId, item: input.item, verdict: input.verdict, version: updated.version }, 'answer saved');
  return { ok: true, task: updated, saved: answer, ...(carriedOver ? { carriedOver: true as const } : {}) };
}
