/**
 * The follow-up messages each state owes, derived from the stored task and enqueued with keys per task, submission
 * round, kind and recipient, so running it again (after a crash, a redelivery, someone opening the task) sends
 * nothing twice:
 * - 待公示 with no findings → the publication card (deadline + “已录入并公示” form) to the county liaison(s) and the 组长;
 * - 待整改 → the follow-up card (附件1 items, “确认整改” form for the liaisons, publication form) to the same people;
 * - rectification confirmed (附件2) → the confirmation, 上报市局: the team, the city bureau's liaisons and the county
 *   liaison(s), except the one who confirmed;
 * - 已公示 → the publication record to the team and the county liaison(s), except the one who recorded it;
 * - published result updated → the same people, except the one who updated it.
 */
import { shanghaiDate } from '../../domain/calendar';
import { followUpCard, type FollowUpBanner } from '../../bot/followupCards';
import type { TaskDoc } from '../../store/task';
import { audienceOf, inFollowUp, teamIds, teamLeads, unique, type Audience, type FollowUpDeps } from './common';

async function send(
  deps: FollowUpDeps,
  task: TaskDoc,
  audience: Audience,
  kind: string,
  recipients: readonly string[],
  banner: FollowUpBanner,
): Promise<void> {
  const id = String(task._id);
  const round = task.inspection?.round ?? 0;
  const today = shanghaiDate(deps.now());
  for (const openId of unique(recipients)) {
    await deps.outbox.sendCard(`fu:${kind}:${id}:${round}:${openId}`, { openId }, followUpCard(task, { openId, audience, today, banner }));
  }
}

export async function enqueueFollowUp(deps: FollowUpDeps, task: TaskDoc, known?: Audience): Promise<void> {
  const rec = task.inspection;
  if (!inFollowUp(task)) return;
  const audience = known ?? (await audienceOf(deps, task));
  const responsible = [...audience.countyLiaisons, ...teamLeads(task)];
  const everyone = [...teamIds(task), ...audience.countyLiaisons];

  if (task.state === '待公示' && (rec?.result === '未发现问题' || task.closure?.status === 'confirmed' || task.disposal)) {
    await send(deps, task, audience, 'pub', responsible, { kind: 'toPublish' });
  }
  if (task.state === '待整改') {
    await send(deps, task, audience, 'rect', responsible, { kind: 'toRectify' });
  }
  const check = task.rectificationCheck;
  if (check) {
    const to = [...everyone, ...audience.cityLiaisons].filter((o) => o !== check.confirmedBy);
    await send(deps, task, audience, 'confirmed', to, { kind: 'confirmed' });
  }
  const disposal = task.disposal;
  if (disposal) {
    const to = [...everyone, ...audience.cityLiaisons].filter((o) => o !== disposal.by);
    await send(deps, task, audience, 'disposed', to, { kind: 'disposed' });
  }
  const pub = task.publication;
  if (task.state === '已公示' && pub?.publishedOn) {
    await send(deps, task, audience, 'published', everyone.filter((o) => o !== pub.publishedBy), { kind: 'published' });
    if (pub.amended) {
      const by = pub.amended.by;
      await send(deps, task, audience, 'amended', everyone.filter((o) => o !== by), { kind: 'amended' });
    }
  }
}
