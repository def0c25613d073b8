/**
 * The notices of a /换人 (operations/teamChange.ts): to the replaced person, to the new member, and to the rest of the
 * team and the county's liaisons. Every sentence the change says, in one place.
 */
import type { TeamChange } from '../store/task';
import { md, renderCard, type CardJson } from './cards';

function notice(firm: string, paragraphs: string[]): CardJson {
  return renderCard('message', { title: `检查组调整 · ${firm}`, color: 'orange', paragraphs });
}

/** To the person replaced (who holds no other slot of the team). */
export function leftTeamCard(firm: string, change: TeamChange): CardJson {
  return notice(firm, [
    `您不再参加 **${md(firm)}** 的检查（${change.role}），由 ${md(change.to.name)} 接替。理由：${md(change.reason)}`,
    '此前该任务的卡片上的按钮不再对您有效；您已作出的检查记录保留在记录中。',
  ]);
}

/** To the new member (the card of what to do next follows it). */
export function joinedTeamCard(firm: string, change: TeamChange): CardJson {
  return notice(firm, [`您接替 ${md(change.from.name)} 担任 **${md(firm)}** 检查组的${change.role}。理由：${md(change.reason)}`]);
}

/** To the rest of the team and the county's liaisons. */
export function teamChangedCard(firm: string, change: TeamChange): CardJson {
  const line = `${change.role}：${change.from.name} → ${change.to.name}（理由：${change.reason}；${change.byName}调整）`;
  return notice(firm, [`**${md(firm)}** 的检查组已调整：${md(line)}`]);
}
