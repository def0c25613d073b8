/** Card views of the draw: preview, result, county task list, assignment, voided task. Rendered from stored state. */
import { CHECKLISTS } from '../domain/checklists';
import type { DrawBundle } from '../domain/bundle';
import type { PopulationSummary } from '../domain/draw';
import type { CampaignDoc } from '../store/campaign';
import type { DrawDoc } from '../store/draw';
import type { TaskDoc } from '../store/task';
import { md, renderCard, type CardJson, type TableView } from './cards';
import { dateTime, percent, shortHash } from './format';

export function refusalCard(title: string, reason: string): CardJson {
  return renderCard('message', { title, color: 'orange', paragraphs: [reason] });
}

function attemptLabel(attempt: number): string {
  return `第${attempt}次抽取`;
}

function campaignLine(c: CampaignDoc): string {
  return `**${md(c.name)}**（${c.from} 至 ${c.to}）`;
}

function ratiosLine(c: CampaignDoc): string {
  const r = c.riskRatios;
  return `抽查比例：A类 ${percent(r.A)}、B类 ${percent(r.B)}、C类 ${percent(r.C)}、D类 ${percent(r.D)}；全市不低于 ${percent(c.ratio)}` +
    `${c.excludeOwnCounty ? '；县区人员不检查本县区企业' : ''}`;
}

function strataTable(summary: PopulationSummary): TableView {
  return {
    pageSize: 8,
    columns: [
      { name: 'stratum', title: '层（类别×风险）' },
      { name: 'size', title: '企业数' },
      { name: 'count', title: '抽取数' },
    ],
    rows: summary.strata.filter((s) => s.size > 0).map((s) => ({ stratum: s.label, size: String(s.size), count: String(s.count ?? 0) })),
  };
}

function countyTable(summary: PopulationSummary): TableView {
  return {
    pageSize: 10,
    columns: [
      { name: 'county', title: '县区' },
      { name: 'total', title: '企业数' },
      { name: 'classes', title: 'A/B/C/D' },
      { name: 'expected', title: '预计抽取' },
    ],
    rows: summary.counties.map((c) => ({
      county: c.county,
      total: String(c.total),
      classes: `${c.byClass.A}/${c.byClass.B}/${c.byClass.C}/${c.byClass.D}`,
      expected: String(c.expectedDrawn ?? ''),
    })),
  };
}

export interface PreviewView {
  draw: DrawDoc;
  campaign: CampaignDoc;
  summary: PopulationSummary;
  bundle: DrawBundle;
  excludedCount: number;
  replaces?: DrawDoc;
}

export function previewCard(v: PreviewView): CardJson {
  const { draw, campaign, summary, bundle } = v;
  const seedLine =
    draw.entropySource === 'liaison'
      ? `种子来源：联络员提供的公开随机数 **${md(draw.entropy)}**`
      : '种子来源：系统随机生成（确认后公布；预览时只记录其哈希，不能反复预览挑选结果）';
  const redraw = v.replaces
    ? `\n⚠️ 重新抽取，理由：${md(draw.reason ?? '')}。确认后第${v.replaces.attempt}次抽取中尚未开始的任务将作废。`
    : '';
  return renderCard('report', {
    title: `抽取预览 · ${attemptLabel(draw.attempt)}`,
    color: v.replaces ? 'orange' : 'blue',
    sections: [
      { text: `${campaignLine(campaign)}\n${ratiosLine(campaign)}${redraw}` },
      {
        heading: '抽取总体',
        text:
          `有效期内获证企业 **${summary.total}** 家${v.excludedCount > 0 ? `（另有${v.excludedCount}家许可证已到期，不参加抽取）` : ''}；` +
          `按比例抽取 **${bundle.counts.total}** 家（全市比例要求 ${bundle.counts.target} 家）。\n${bundle.counts.notes.map(md).join('\n')}`,
        table: strataTable(summary),
      },
      { heading: '各县区', text: '预计抽取数为按分层比例折算的期望值，实际以抽取结果为准。', table: countyTable(summary) },
      { heading: '可核验', text: `总体名单哈希（SHA-256）：\n\`${summary.populationHash}\`\n${seedLine}` },
    ],
    note: '确认后立即随机抽取企业、随机匹配检查组并派发任务；抽取与确认均记入防篡改日志。',
    buttons: [
      { text: '确认抽取', type: 'primary', value: { a: 'draw.confirm', draw: String(draw._id) } },
      { text: '取消', type: 'default', value: { a: 'draw.cancel', draw: String(draw._id) } },
    ],
  });
}

export function cancelledPreviewCard(draw: DrawDoc, by: string): CardJson {
  return renderCard('message', {
    title: `抽取预览 · ${attemptLabel(draw.attempt)}（已取消）`,
    color: 'grey',
    paragraphs: [`${md(by)} 已取消本次预览，未进行抽取。需要时重新发送 /抽取。`],
  });
}

export interface ResultView {
  draw: DrawDoc;
  campaign: CampaignDoc;
  bundle: DrawBundle;
  countiesWithoutLiaison: string[];
}

export function resultCard(v: ResultView): CardJson {
  const { draw, campaign, bundle } = v;
  const byCounty = new Map<string, number>();
  for (const s of bundle.selection) byCounty.set(s.county, (byCounty.get(s.county) ?? 0) + 1);
  const missing = v.countiesWithoutLiaison.length
    ? `\n⚠️ 以下县区没有登记联络员，任务清单无法在线送达，请线下通知：${v.countiesWithoutLiaison.map(md).join('、')}`
    : '';
  return renderCard('report', {
    title: `抽取结果 · ${attemptLabel(draw.attempt)}`,
    color: 'green',
    sections: [
      {
        text:
          `${campaignLine(campaign)}\n已抽取 **${bundle.selection.length}** 家企业，组成 ${bundle.teams.length} 个检查组，任务已派发。` +
          `\n确认人：${md(draw.requestedByName)}　确认时间：${draw.confirmedAt ? dateTime(draw.confirmedAt) : ''}${missing}`,
        table: {
          pageSize: 10,
          columns: [
            { name: 'county', title: '县区' },
            { name: 'n', title: '抽中企业' },
          ],
          rows: [...byCounty.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([county, n]) => ({ county, n: String(n) })),
        },
      },
      {
        heading: '公开核验信息',
        text:
          `种子来源：${draw.entropySource === 'liaison' ? '联络员提供的公开随机数' : '系统随机生成'} \`${md(draw.entropy)}\`\n` +
          `种子：\`${bundle.seed}\`\n总体名单哈希：\`${bundle.populationHash}\`\n结果哈希：\`${bundle.resultHash}\`` +
          `${draw.reason ? `\n重新抽取理由：${md(draw.reason)}` : ''}`,
      },
    ],
    note: '完整的抽取数据包（JSON）随后以文件发送，可公开发布；任何人都可用 npm run cli -- draw verify <文件> 复核结果。',
  });
}

export function countyTasksCard(v: { draw: DrawDoc; campaign: CampaignDoc; county: string; tasks: TaskDoc[] }): CardJson {
  const received = v.tasks.find((t) => t.received)?.received;
  const pending = v.tasks.filter((t) => t.state === '待接收').length;
  const rows = v.tasks.map((t) => ({
    no: String(t.no),
    name: t.enterprise.name,
    licence: t.enterprise.licenceNo,
    leader: t.team.find((m) => m.role === '组长')?.name ?? '',
    state: t.state,
  }));
  return renderCard('report', {
    title: `${v.county} · 检查任务（${attemptLabel(v.draw.attempt)}）`,
    color: pending > 0 ? 'blue' : 'green',
    sections: [
      {
        text:
          `${campaignLine(v.campaign)}\n本县区抽中 **${v.tasks.length}** 家企业。请及时接收检查对象，做好检查前准备，确保执法监管人员在岗。` +
          (received ? `\n已由 ${md(received.name)} 于 ${dateTime(received.at)} 接收。` : ''),
        table: {
          pageSize: 10,
          columns: [
            { name: 'no', title: '序号' },
            { name: 'name', title: '企业名称' },
            { name: 'licence', title: '许可证编号' },
            { name: 'leader', title: '组长' },
            { name: 'state', title: '状态' },
          ],
          rows,
        },
      },
    ],
    buttons: pending > 0 ? [{ text: '接收', type: 'primary', value: { a: 'draw.receive', draw: String(v.draw._id), county: v.county } }] : undefined,
  });
}

export function assignmentCard(task: TaskDoc, campaign: CampaignDoc): CardJson {
  const e = task.enterprise;
  const checklist = CHECKLISTS[task.checklist];
  const team = task.team.map((m) => `${m.role}：${md(m.name)}（${md(m.unit)}）`).join('\n');
  return renderCard('report', {
    title: `检查任务 · ${e.name}`,
    color: 'turquoise',
    sections: [
      {
        text:
          `**企业**：${md(e.name)}\n**许可证编号**：${md(e.licenceNo)}（有效期 ${e.validFrom} 至 ${e.validTo}）\n` +
          `**获证产品**：${md(e.product)}（${e.category}）\n**生产地址**：${md(e.address)}` +
          `${e.contact ? `\n**联系人**：${md(e.contact)} ${md(e.phone ?? '')}` : ''}`,
      },
      { heading: '检查组', text: team },
      {
        heading: '检查要求',
        text: `检查表：${checklist.form}《${checklist.title}》，共${checklist.items.length}项\n检查时间：${campaign.from} 至 ${campaign.to}\n${md(campaign.name)}，抽取序号第${task.no}号`,
      },
    ],
    note: '到达企业后点击“开始检查”，逐项填写；检查完成之日起20个工作日内录入并公示结果。',
    buttons: [{ text: '开始检查', type: 'primary', value: { a: 'insp.start', task: String(task._id) } }],
  });
}

export function voidedTaskCard(task: TaskDoc, reason: string): CardJson {
  return renderCard('message', {
    title: `任务已作废 · ${task.enterprise.name}`,
    color: 'grey',
    paragraphs: [`因重新抽取（理由：${md(reason)}），本任务已作废，请勿再前往检查。新的任务将另行派发。`],
  });
}
