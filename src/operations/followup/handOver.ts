/**
 * A 联络员 newly registered for a county (a staff import, in chat or with the CLI) gets the follow-up card of every
 * task of that county that waits for the county's 附件2 confirmation, with the form to fill in. Only a liaison of
 * the firm's own county confirms a rectification (policies.ts): while a county has none, the cards say so and ask
 * for one to be added to the 执法检查人员名录库 (bot/followupCards.ts FMSG.noCountyLiaison); this is what ends the wait.
 *
 * Call `countyLiaisonKeys` before the import and `handOverToNewLiaisons` after it with that snapshot: whoever is a
 * county's 联络员 now and was not before (new, given the role, or moved to that county) is “new”. Idempotent: key
 * fu:handover:<task>:<round>:<open id>.
 */
import { shanghaiDate } from '../../domain/calendar';
import { CITY_BUREAU } from '../../domain/types';
import { followUpCard } from '../../bot/followupCards';
import { staffModel } from '../../store/staff';
import type { TaskDoc } from '../../store/task';
import { audienceOf, tasks, type FollowUpDeps } from './common';

const key = (openId: string, county: string): string => `${county}\u0000${openId}`;

/** Every (county, open id) of a county liaison now (the 市局's are not county liaisons). */
export async function countyLiaisonKeys(deps: Pick<FollowUpDeps, 'conn'>): Promise<Set<string>> {
  const found = await staffModel(deps.conn)
    .find({ roles: '联络员', county: { $ne: CITY_BUREAU } }, { openId: 1, county: 1 })
    .lean();
  return new Set(found.map((s) => key(s.openId, s.county)));
}

/** Tasks of a county that wait for a 附件2 confirmation (the conditions of the card's confirm form). */
function awaitingConfirmation(county: string) {
  return {
    'enterprise.county': county,
    'inspection.result': '发现问题' as const,
    'inspection.rectification': { $exists: true },
    rectificationCheck: { $exists: false },
    disposal: { $exists: false },
    $or: [{ state: '待整改' as const }, { state: '已公示' as const, 'publication.result': '发现问题待后续处理' }],
  };
}

export interface HandOverRun {
  /** the newly registered county liaisons */
  liaisons: number;
  /** cards enqueued */
  cards: number;
}

export async function handOverToNewLiaisons(deps: FollowUpDeps, before: ReadonlySet<string>): Promise<HandOverRun> {
  const now = await staffModel(deps.conn)
    .find({ roles: '联络员', county: { $ne: CITY_BUREAU } }, { openId: 1, county: 1 })
    .sort({ county: 1, openId: 1 })
    .lean();
  const fresh = now.filter((s) => !before.has(key(s.openId, s.county)));
  const today = shanghaiDate(deps.now());
  let cards = 0;
  for (const person of fresh) {
    const waiting = await tasks(deps).find(awaitingConfirmation(person.county)).sort({ _id: 1 }).lean<TaskDoc[]>();
    for (const task of waiting) {
      const audience = await audienceOf(deps, task);
      await deps.outbox.sendCard(
        `fu:handover:${String(task._id)}:${task.inspection?.round ?? 0}:${person.openId}`,
        { openId: person.openId },
        followUpCard(task, { openId: person.openId, audience, today, banner: { kind: 'handover' } }),
      );
      cards += 1;
    }
  }
  if (fresh.length > 0) deps.log.info({ liaisons: fresh.length, cards }, 'new county liaisons: follow-up handed over');
  return { liaisons: fresh.length, cards };
}
