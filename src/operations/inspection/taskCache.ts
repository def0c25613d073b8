/**
 * The tasks this process last wrote through the compare-and-set update (common.ts casUpdate), by id, so that an
 * answer whose card shows the version this process wrote starts from that copy instead of reading the task again
 * (an inspector's nine answers are nine such writes in a row).
 *
 * A recalled copy only ever proposes a write: the write itself is the usual compare-and-set on {_id, version}, and
 * additionally on the state, the team member and the item the answer is for (what the answer checked on the copy).
 * Anything that moved meanwhile — another process, another member, a change that does not move the version — makes
 * the write match nothing, and the answer is handled again from a fresh read, exactly as without the copy. Bounded
 * (least recently used), per connection.
 *
 * A copy may lack fields its writer left out of the returned task (an answer's: the history and the activity times,
 * answerItem.ts ANSWER_RETURN): whoever starts from a copy reads only what every writer returns.
 */
import type { Connection } from 'mongoose';
import type { TaskDoc } from '../../store/task';
import { ConnectionLru } from './connectionLru';

const MAX_TASKS = 2000;
const tasks = new ConnectionLru<TaskDoc>(MAX_TASKS);

/** Remembers the task as this process just wrote it. */
export function rememberTask(conn: Connection, task: TaskDoc): void {
  tasks.set(conn, String(task._id), task);
}

/** The copy of task `id` at `version`, if this process wrote exactly that version last. */
export function recallTask(conn: Connection, id: string, version: number): TaskDoc | undefined {
  const t = tasks.get(conn, id);
  return t && t.version === version ? t : undefined;
}

export function forgetTask(conn: Connection, id: string): void {
  tasks.delete(conn, id);
}
