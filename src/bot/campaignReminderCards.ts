/**
 * Cards of the campaign-level reminders (operations/campaignReminders.ts): the inspection window closing with tasks
 * not started, and the county's 情况汇报 and 附件5 due 11-15. Every sentence here.
 */
import type { CountyReportReminder } from '../domain/countyReport';
import type { TaskDoc } from '../store/task';
import { md, renderCard, type CardJson } from './cards';

const LIST = 20;
const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

export const RMSG = {
  windowTitle: (left: number) => `检查时间还剩 ${left} 个工作日`,
  windowIntro: (to: string, left: number, n: number) =>
    `本专项检查时间至 **${to}**，还剩 **${left} 个工作日**。以下 ${n} 家企业尚未开始检查，请尽快安排：`,
  windowLine: (name: string, county: string, state: string) => `- ${name}（${county}，${state}）`,
  windowMore: (n: number) => `- 另有 ${n} 家未列出`,
  windowNote: '检查时间结束后开始检查需组长说明原因；企业无法正常检查的，请在任务卡片上点“无法正常检查”登记。',
  reportTitle: (kind: string, days: number, dueOnRestDay?: number) =>
    kind === 'rep-due'
      ? dueOnRestDay === undefined ? '今天上报情况汇报' : '今天是上报情况汇报的最后一个工作日'
      : kind === 'rep-overdue' ? `情况汇报已逾期 ${days} 个工作日` : `情况汇报还有 ${days} 个工作日截止`,
  reportRestDay: (due: string, weekday: number) =>
    `截止日期 **${due}** 是${WEEKDAYS[weekday] ?? ''}（休息日），今天是截止前的最后一个工作日，请今天上报。`,
  reportText: (county: string, due: string) =>
    `请于 **${due}** 前将 **${county}** 的监督检查情况汇报和附件5《情况汇总表》上报市局（通知“工作要求”第四条）。`,
  reportHow: '发送 /汇总 可生成本县区的附件5（Excel）；情况汇报文件直接发给我即可上报。',
  reportOverdue: (due: string) => `截止日期 ${due} 已过，请尽快上报。`,
  escTitle: '情况汇报未报县区',
  escText: (due: string, missing: readonly string[]) => `截至今天，以下县区尚未上报情况汇报（截止 ${due}）：${missing.join('、')}。`,
} as const;

export function windowReminderCard(tasks: readonly TaskDoc[], to: string, left: number): CardJson {
  const lines = tasks.slice(0, LIST).map((t) => RMSG.windowLine(md(t.enterprise.name), md(t.enterprise.county), t.state));
  if (tasks.length > LIST) lines.push(RMSG.windowMore(tasks.length - LIST));
  return renderCard('message', {
    title: RMSG.windowTitle(left),
    color: left <= 10 ? 'red' : 'orange',
    paragraphs: [RMSG.windowIntro(to, left, tasks.length), lines.join('\n'), RMSG.windowNote],
  });
}

export function countyReportReminderCard(county: string, due: string, r: CountyReportReminder): CardJson {
  const paragraphs = [RMSG.reportText(md(county), due), RMSG.reportHow];
  if (r.kind === 'rep-overdue') paragraphs.unshift(RMSG.reportOverdue(due));
  if (r.dueOnRestDay !== undefined) paragraphs.unshift(RMSG.reportRestDay(due, r.dueOnRestDay));
  return renderCard('message', { title: RMSG.reportTitle(r.kind, r.days, r.dueOnRestDay), color: r.kind === 'rep-overdue' ? 'red' : 'orange', paragraphs });
}

export function countyReportEscalationCard(due: string, missing: readonly string[]): CardJson {
  return renderCard('message', { title: RMSG.escTitle, color: 'red', paragraphs: [RMSG.escText(due, missing.map(md))] });
}
