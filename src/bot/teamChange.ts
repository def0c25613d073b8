/**
 * /换人 任务=<许可证编号或企业名称> 原=<姓名> 新=<姓名> 理由=<原因> [角色=组长|执法人员|专家]: the 市局联络员 replaces one
 * member of one task's team (operations/teamChange.ts).
 */
import { replaceMember } from '../operations/teamChange';
import { CITY_BUREAU } from '../domain/types';
import { md, renderCard } from './cards';
import { unknownArgs } from './parse';
import type { CommandSpec } from './router';

const USAGE = '/换人 任务=<许可证编号或企业名称> 原=<姓名> 新=<姓名> 理由=<原因> [角色=组长|执法人员|专家]';
const KNOWN = new Set(['任务', '原', '新', '理由', '角色']);

export const teamChangeCommand: CommandSpec = {
  id: 'team',
  names: ['换人', 'replace'],
  audience: ['联络员'],
  offeredTo: (actor) => actor.county === CITY_BUREAU,
  usage: USAGE,
  summary: '调整某项任务的检查组成员（调离、生病、新登记的回避等）',
  detail:
    '市局联络员发送 /换人 任务=晋XK06-001-00123 原=张三 新=李四 理由=张三调离，把该任务检查组中的张三换成李四。' +
    '只适用于尚未完成的任务（待接收、待检查、检查中、待签字）；新成员须符合抽取时的条件：组长为市局组长，执法人员不属于企业所在县区（专项允许时除外），专家为专家库的专家，且未登记对该企业回避。' +
    '被替换的人、新成员、检查组其他成员和县区联络员都会收到通知；调整记入任务记录。',
  async handle(ctx) {
    const { args } = ctx.command;
    const unknown = unknownArgs(ctx.command, KNOWN);
    const missing = ['任务', '原', '新', '理由'].filter((k) => !args[k]?.trim());
    if (unknown.length > 0 || missing.length > 0) {
      const why = unknown.length > 0 ? `不认识的参数“${unknown.join(' ').slice(0, 60)}”` : `缺少 ${missing.map((k) => `${k}=`).join('、')}`;
      return ctx.reply(renderCard('message', { title: '参数有误', color: 'orange', paragraphs: [`${why}。用法：${md(USAGE)}`] }));
    }
    const outcome = await replaceMember(ctx.deps, {
      actor: ctx.actor,
      actorName: ctx.staff?.name ?? ctx.actor.openId,
      task: args['任务']!,
      from: args['原']!,
      to: args['新']!,
      role: args['角色'],
      reason: args['理由'],
    });
    if (!outcome.ok) {
      const lines = [md(outcome.reason), ...(outcome.candidates ?? []).map((c) => `- ${md(c.name)}（${c.county}）：任务=${md(c.pickBy)}`)];
      return ctx.reply(renderCard('message', { title: '未调整检查组', color: 'orange', paragraphs: [lines.join('\n')] }));
    }
    const { task, change } = outcome;
    return ctx.reply(
      renderCard('message', {
        title: `已调整检查组 · ${task.enterprise.name}`,
        color: 'green',
        paragraphs: [
          `${change.role}：${md(change.from.name)} → **${md(change.to.name)}**（理由：${md(change.reason)}）`,
          `现在的检查组：${task.team.map((m) => `${md(m.name)}（${m.role}）`).join('、')}`,
          '已通知被替换的人、新成员、检查组其他成员和县区联络员；调整记入任务记录。',
        ],
      }),
    );
  },
};
