/**
 * Cards of /进度, the daily digest and /汇总 (phone-friendly: short lines, one table of counties for the city view),
 * and every sentence they say. Rendered with the generic `report` and `message` templates.
 *
 * Callback value: summary.send {}  下载附件5汇总表 (the clicker gets the file in their 1:1 chat)
 */
import { lateness, type CountyCounts, type OverdueTask, type ProgressReport, type ReportScope } from '../operations/progress';
import type { Summary } from '../operations/summary';
import type { CountyReportStatus } from '../operations/countyReports';
import { RESULT_DICTIONARY } from '../domain/results';
import { md, renderCard, type ButtonView, type CardJson, type HeaderColor, type TableView } from './cards';
import { dateTime, percent } from './format';

export const PMSG = {
  progressTitle: (scope: string) => `检查进度 · ${scope}`,
  digestTitle: (today: string, scope: string) => `检查进度日报 · ${today} · ${scope}`,
  city: '全市',
  overview: '总体',
  attention: '需关注',
  counties: '各县区',
  summaryButton: '下载附件5汇总表',
  notAllowedTitle: '没有权限',
  notAllowed: (command: string) =>
    `**${command}** 仅限领导、市局工作人员（专家库的专家除外）和县区联络员使用（县区联络员看本县区）。您自己的检查任务请发送 **/我的任务** 查看。`,
  badArgsTitle: '参数有误',
  badArgs: (unknown: string, usage: string) => `不认识的参数“${md(unknown)}”。用法：${usage}`,
  summaryDoneTitle: '附件5 汇总表已生成',
  summaryFileFollows: (name: string) => `文件“${md(name)}”见下一条消息。`,
  summaryToast: '汇总表已生成，将以文件发送给您',
} as const;

function scopeName(scope: ReportScope): string {
  return scope.kind === 'city' ? PMSG.city : scope.county;
}

const pct = (n: number, d: number): string => (d > 0 ? percent(n / d) : '—');
const red = (n: number): string => (n > 0 ? `<font color='red'>**${n}**</font>` : `**${n}**`);

/** One line per state, in workflow order. */
export function stateLine(c: CountyCounts): string {
  return Object.entries(c.byState)
    .map(([s, n]) => `${s} ${n}`)
    .join(' · ');
}

/** The results by the platform's dictionary (domain/results.ts), the non-zero ones, in dictionary order. */
export function resultsLine(c: CountyCounts): string {
  const parts = RESULT_DICTIONARY.filter((r) => (c.results[r.code] ?? 0) > 0).map((r) => `${r.short} ${c.results[r.code]}`);
  return parts.length > 0 ? `检查结果：${parts.join(' · ')}` : '检查结果：暂无';
}

function overviewText(r: ProgressReport): string {
  const t = r.total;
  const lines = [
    `专项：${md(r.campaign.name)}（第${r.draw.attempt}次抽取）`,
    `抽查企业 **${t.total}** 家：已完成 **${t.checked}**（${pct(t.checked, t.total)}），已公示 **${t.published}**（${pct(t.published, t.total)}）`,
    `发现问题 ${t.problem} 家：责令改正 ${t.ordered}（已确认整改 ${t.rectified}）· 立案 ${t.caseOpened} · 移交 ${t.transferred}`,
    resultsLine(t),
  ];
  if (t.closed > 0) lines.push(`无法正常检查 ${t.closed} 家${t.credit > 0 ? `，其中需列入经营异常名录或信用跟进 ${red(t.credit)} 家` : ''}`);
  lines.push(stateLine(t));
  return lines.join('\n');
}

function countyReportsText(s: CountyReportStatus, today: string): string {
  const sent = s.counties.filter((c) => c.latest);
  const missing = s.counties.filter((c) => !c.latest).map((c) => c.county);
  const lines = [`情况汇报（${s.due} 前上报）：已报 **${sent.length}/${s.counties.length}**`];
  if (sent.length > 0) lines.push(`已报：${sent.map((c) => `${c.county}（${c.latest!.on}${c.latest!.late ? '，逾期' : ''}）`).join('、')}`);
  if (missing.length > 0) lines.push(`${today > s.due ? '<font color=\'red\'>逾期未报</font>' : '未报'}：${missing.join('、')}`);
  return lines.join('\n');
}

function overdueLines(items: readonly OverdueTask[], today: string, what: 'pub' | 'rect'): string[] {
  return items.map((o, i) => {
    const where = `${md(o.name)}（${o.county}）`;
    if (what === 'pub') return `${i + 1}. ${where}：应于 ${o.date} 前公示，已逾期 ${o.date ? lateness(o.date, today) : '—'}`;
    const stated = o.statedDate ? `（附件1 所写 ${o.statedDate} 是休息日，顺延）` : '';
    return `${i + 1}. ${where}：整改期限 ${o.date}${stated}，已逾期 ${o.date ? lateness(o.date, today) : '—'}`;
  });
}

function attentionText(r: ProgressReport): string {
  const t = r.total;
  const lines = [`逾期未公示 ${red(t.pubOverdue)} 家 · 整改逾期 ${red(t.rectOverdue)} 家 · 尚未开始检查 **${t.notStarted}** 家（其中待接收 ${t.byState['待接收']}）`];
  if (r.overduePublications.length > 0) {
    lines.push(t.pubOverdue > r.overduePublications.length ? `逾期未公示（最久的 ${r.overduePublications.length} 家）：` : '逾期未公示：');
    lines.push(...overdueLines(r.overduePublications, r.today, 'pub'));
  }
  if (r.overdueRectifications.length > 0) {
    lines.push(t.rectOverdue > r.overdueRectifications.length ? `整改逾期（最久的 ${r.overdueRectifications.length} 家）：` : '整改逾期：');
    lines.push(...overdueLines(r.overdueRectifications, r.today, 'rect'));
  }
  if (t.pubOverdue === 0 && t.rectOverdue === 0) lines.push('暂无逾期事项。');
  return lines.join('\n');
}

export function countyTable(r: ProgressReport): TableView {
  const row = (c: CountyCounts) => ({
    county: c.county,
    total: String(c.total),
    checked: String(c.checked),
    published: String(c.published),
    pubOverdue: String(c.pubOverdue),
    rectOverdue: String(c.rectOverdue),
  });
  return {
    pageSize: 10,
    columns: [
      { name: 'county', title: '县区' },
      { name: 'total', title: '抽查' },
      { name: 'checked', title: '已检查' },
      { name: 'published', title: '已公示' },
      { name: 'pubOverdue', title: '逾期公示' },
      { name: 'rectOverdue', title: '逾期整改' },
    ],
    rows: [...r.counties.map(row), row(r.total)],
  };
}

function color(r: ProgressReport): HeaderColor {
  const t = r.total;
  if (t.pubOverdue > 0 || t.rectOverdue > 0) return 'red';
  if (t.total > 0 && t.published === t.total) return 'green';
  return 'blue';
}

export const summaryButton: ButtonView = { text: PMSG.summaryButton, type: 'default', value: { a: 'summary.send' } };

/** /进度 and the digest. */
export function progressCard(r: ProgressReport, opts: { digest?: boolean; at: Date }): CardJson {
  const name = scopeName(r.scope);
  const sections: { heading?: string; text: string; table?: TableView }[] = [
    { heading: PMSG.overview, text: overviewText(r) },
    { heading: PMSG.attention, text: attentionText(r) },
  ];
  if (r.scope.kind === 'city') {
    sections.push({ heading: PMSG.counties, text: '逾期公示：超过20个工作日未公示；逾期整改：超过整改期限未确认。', table: countyTable(r) });
    if (r.countyReports) sections.push({ heading: '县区情况汇报', text: countyReportsText(r.countyReports, r.today) });
  }
  return renderCard('report', {
    title: opts.digest ? PMSG.digestTitle(r.today, name) : PMSG.progressTitle(name),
    color: color(r),
    sections,
    note: `数据截至 ${dateTime(opts.at)}。发送 /进度 随时查看，/汇总 获取附件5汇总表。`,
    buttons: [summaryButton],
  });
}

/** A refusal; `text` is markdown (plain reasons from operations go through `md` first: they may echo what was typed). */
export function refusalCard(title: string, text: string): CardJson {
  return renderCard('message', { title, color: 'orange', paragraphs: [text] });
}

/** The short card that goes with the 附件5 file. */
export function summaryCard(s: Summary): CardJson {
  const t = s.total ?? s.rows[0];
  const lines = [`《${s.title}》`, `范围：${s.scope.kind === 'city' ? `全市 ${s.rows.length} 个县区及合计` : s.scope.county}；填报单位：${md(s.unit)}`];
  if (t) {
    lines.push(
      `获证企业 ${t.registered} 家，抽查 ${t.sampled} 家；已检查 ${t.checked}，发现问题 ${t.problem}，已公示 ${t.published}，逾期未公示 ${t.pubOverdue}`,
    );
  }
  lines.push(PMSG.summaryFileFollows(s.fileName));
  return renderCard('message', { title: PMSG.summaryDoneTitle, color: 'green', paragraphs: lines });
}
