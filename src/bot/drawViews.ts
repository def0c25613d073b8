/**
 * Card views of the draw: preview (with the 种子 form), result, county task list (paged), assignment, voided task,
 * parked item. Rendered from stored state. Text a user typed (campaign names, reasons, the 种子) passes `safe()`.
 */
import { CHECKLISTS } from '../domain/checklists';
import { catalogueName } from '../domain/catalogue';
import type { Counts } from '../domain/draw2/model';
import type { PopulationSummary } from '../domain/draw2/preview';
import { PLATFORM_ALGORITHM, PLATFORM_RANDOMNESS } from '../domain/draw2/platform';
import { describeSource } from '../domain/draw2/sourceText';
import type { CampaignDoc } from '../store/campaign';
import type { DrawDoc, ParkedItem } from '../store/draw';
import type { TaskDoc } from '../store/task';
import { isOversizeStandIn, md, renderCard, type ButtonView, type CardJson, type HeaderColor, type TableView } from './cards';
import { dateTime, percent } from './format';
import { firstStartButton } from './inspectionCards';

/** The preview card: report sections, the 种子 form and a cancel button (cards/drawPreview.hbs). */
export interface DrawPreviewView {
  title: string;
  color: HeaderColor;
  sections: { heading?: string; text: string; table?: TableView }[];
  seedLabel: string;
  seedPlaceholder: string;
  seedDefault?: string;
  confirm: Record<string, string>;
  buttons: ButtonView[];
  note: string;
}

declare module './cards' {
  interface CardViews {
    drawPreview: DrawPreviewView;
  }
}

/**
 * Markdown-safe text: md() writes every markdown-significant character, `&` included, as a character reference, so
 * `&lt;at id=all&gt;` typed by a user stays text too.
 */
export function safe(text: string): string {
  return md(text);
}

/** A table cell of at most `max` characters (code points), with “…” when cut. */
export function cell(text: string, max: number): string {
  if (text.length <= max) return text; // never more code points than UTF-16 units
  // Walks at most max + 1 code points: a hostile 10 MB name costs no more than a short one.
  let count = 0;
  let end = 0;
  let cut = 0;
  for (const ch of text) {
    if (++count === max) cut = end;
    if (count > max) return `${text.slice(0, cut)}…`;
    end += ch.length;
  }
  return text;
}

/** Feishu refuses cards over 30 KB (230025); a little margin for the envelope. */
export const CARD_LIMIT_BYTES = 30 * 1024 - 256;

/** Whether the card can go out as it is: within the limit, and not the short stand-in for one that was not. */
export function cardFits(card: CardJson): boolean {
  return !isOversizeStandIn(card) && Buffer.byteLength(JSON.stringify(card), 'utf8') <= CARD_LIMIT_BYTES;
}

export function refusalCard(title: string, reason: string): CardJson {
  return renderCard('message', { title, color: 'orange', paragraphs: [safe(reason)] });
}

function attemptLabel(attempt: number): string {
  return `第${attempt}次抽取`;
}

function campaignLine(c: CampaignDoc): string {
  return `**${safe(c.name)}**（${c.from} 至 ${c.to}）`;
}

function ratiosLine(c: CampaignDoc): string {
  const r = c.riskRatios;
  return (
    `抽查比例：A类 ${percent(r.A)}、B类 ${percent(r.B)}、C类 ${percent(r.C)}、D类 ${percent(r.D)}；全市不低于 ${percent(c.ratio)}` +
    `${c.excludeOwnCounty ? '；县区人员不检查本县区企业' : ''}；每组由市局组长和县区执法人员组成（市、县两级）`
  );
}

function strataTable(summary: PopulationSummary): TableView {
  return {
    pageSize: 8,
    columns: [
      { name: 'stratum', title: '层（类别×风险）' },
      { name: 'size', title: '企业数' },
      { name: 'count', title: '抽取数' },
    ],
    rows: summary.strata.filter((s) => s.size > 0).map((s) => ({ stratum: s.label, size: String(s.size), count: String(s.count) })),
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
    rows: summary.counties.slice(0, 60).map((c) => ({
      county: cell(c.county, 20),
      total: String(c.total),
      classes: `${c.byClass.A}/${c.byClass.B}/${c.byClass.C}/${c.byClass.D}`,
      expected: String(c.expected),
    })),
  };
}

export interface PreviewView {
  draw: DrawDoc;
  campaign: CampaignDoc;
  summary: PopulationSummary;
  counts: Counts;
  notes: string[];
  excluded: number;
  unknown: { products: { value: string; firms: number }[]; expertise: { value: string; people: number }[] };
  replaces?: DrawDoc;
}

function unknownLines(u: PreviewView['unknown']): string {
  const lines: string[] = [];
  const list = <T,>(items: T[], f: (t: T) => string): string => items.slice(0, 8).map(f).join('、') + (items.length > 8 ? `等${items.length}项` : '');
  if (u.products.length > 0) {
    lines.push(`获证产品不在产品目录中（相关企业无法匹配专家）：${list(u.products, (p) => `${safe(cell(p.value, 30))}（${p.firms}家）`)}`);
  }
  if (u.expertise.length > 0) {
    lines.push(`专家的专业领域不在产品目录中（不参与匹配）：${list(u.expertise, (p) => `${safe(cell(p.value, 30))}（${p.people}人）`)}`);
  }
  return lines.join('\n');
}

export function previewCard(v: PreviewView): CardJson {
  const { draw, campaign, summary, counts } = v;
  const source = draw.source ?? null;
  const redraw = v.replaces
    ? `\n⚠️ 重新抽取，理由：${safe(draw.reason ?? '')}。确认后第${v.replaces.attempt}次抽取中尚未开始的任务将作废。`
    : '';
  const seedText =
    source !== null
      ? `种子来源（已在日志中锁定）：${safe(describeSource(source))}。开奖之后在下方填写开奖号码${source.parts.length > 1 ? '（按顺序用“/”分隔）' : ''}，再点击“确认抽取”；开奖之前确认会被拒绝。`
      : '种子（可选）：可在下方填写当日公开的随机数（如彩票开奖号码）；不填也可确认。';
  const unknown = unknownLines(v.unknown);
  const sections: DrawPreviewView['sections'] = [
    { text: `${campaignLine(campaign)}\n${ratiosLine(campaign)}${redraw}` },
    {
      heading: '抽取总体',
      text:
        `有效期内获证企业 **${summary.total}** 家${v.excluded > 0 ? `（另有${v.excluded}家许可证已到期或无效，不参加抽取）` : ''}；` +
        `按比例抽取 **${counts.strata.reduce((a, s) => a + s.count, 0)}** 家（全市比例要求 ${counts.target} 家）。\n${v.notes.map(safe).join('\n')}`,
      table: strataTable(summary),
    },
    { heading: '各县区', text: '预计抽取数为按分层比例折算的期望值，实际以抽取结果为准。', table: countyTable(summary) },
    {
      heading: '承诺（已记入抽取日志，可核验）',
      text:
        `总体名单哈希：\`${draw.populationHash}\`\n人员名录哈希：\`${draw.staffHash}\`\n承诺哈希：\`${draw.commitmentHash ?? ''}\`\n` +
        '系统已生成一个保密的随机值并只记录了它的哈希；确认时公开该随机值。抽取结果由这个随机值和种子共同决定，确认之前任何人都无法算出结果。' +
        '预览之后名录库、人员名录或抽取参数如有变化，这次预览作废。',
    },
    { heading: '种子', text: seedText },
    ...(unknown ? [{ heading: '产品目录匹配', text: unknown }] : []),
  ];
  return renderCard('drawPreview', {
    title: `抽取预览 · ${attemptLabel(draw.attempt)}`,
    color: v.replaces ? 'orange' : 'blue',
    sections,
    seedLabel: source !== null ? `开奖号码（${source.parts.map((p) => p.format).join(' / ')}）` : '种子（公开随机数，可选）',
    seedPlaceholder: source !== null ? `开奖后填写，例如 ${source.parts.map((p) => (p.pattern ? '0'.repeat(Number(/\{(\d+)\}/.exec(p.pattern)?.[1] ?? 3)) : '…')).join('/')}` : '例如 2024031503',
    ...(draw.proposedEntropy ? { seedDefault: draw.proposedEntropy } : {}),
    confirm: { a: 'draw.confirm', draw: String(draw._id) },
    buttons: [{ text: '取消', type: 'default', value: { a: 'draw.cancel', draw: String(draw._id) } }],
    note: '确认后立即随机抽取企业、随机匹配检查组并派发任务；预览、确认、取消和作废都记入防篡改的抽取日志。',
  });
}

export function cancelledPreviewCard(draw: DrawDoc, by: string): CardJson {
  return renderCard('message', {
    title: `抽取预览 · ${attemptLabel(draw.attempt)}（已取消）`,
    color: 'grey',
    paragraphs: [`${safe(by)} 已取消本次预览，未进行抽取，取消已记入抽取日志。需要时重新发送 /抽取。`],
  });
}

export function voidedPreviewCard(attempt: number, reason: string): CardJson {
  return renderCard('message', {
    title: `抽取预览 · ${attemptLabel(attempt)}（已作废）`,
    color: 'grey',
    paragraphs: [safe(reason)],
  });
}

export interface ResultView {
  draw: DrawDoc;
  campaign: CampaignDoc;
  countiesWithoutLiaison: string[];
  /** who confirmed the draw (operations/draw/confirmer.ts): not always who asked for the preview */
  confirmedByName: string;
}

/** What both result cards say of the dispatch: the summary, counties without a liaison, items parked. */
function dispatchFacts(v: ResultView) {
  const { draw } = v;
  const s = draw.summary ?? { selected: 0, teams: 0, byCounty: [], shortages: 0 };
  const missing = v.countiesWithoutLiaison.length
    ? `\n⚠️ 以下县区没有登记联络员，任务清单无法在线送达，请线下通知：${v.countiesWithoutLiaison.map(safe).join('、')}`
    : '';
  const parked = draw.parked?.length ? `\n⚠️ ${draw.parked.length}项未能派发（已逐项另行通知）。` : '';
  return { s, missing, parked };
}

/** Drawn firms per county (the first 60 counties; a city has 14). */
function byCountyTable(byCounty: readonly { county: string; n: number }[]): TableView {
  return {
    pageSize: 10,
    columns: [
      { name: 'county', title: '县区' },
      { name: 'n', title: '抽中企业' },
    ],
    rows: byCounty.slice(0, 60).map((c) => ({ county: cell(c.county, 20), n: String(c.n) })),
  };
}

export function resultCard(v: ResultView): CardJson {
  if (v.draw.algorithm === PLATFORM_ALGORITHM) return platformResultCard(v);
  const { draw, campaign } = v;
  const { s, missing, parked } = dispatchFacts(v);
  const entropy = draw.entropy ? safe(draw.entropy) : '（未填写）';
  return renderCard('report', {
    title: `抽取结果 · ${attemptLabel(draw.attempt)}`,
    color: 'green',
    sections: [
      {
        text:
          `${campaignLine(campaign)}\n已抽取 **${s.selected}** 家企业，组成 ${s.teams} 个检查组，任务已派发。` +
          `\n确认人：${safe(v.confirmedByName)}　确认时间：${draw.confirmedAt ? dateTime(draw.confirmedAt) : ''}${missing}${parked}`,
        table: byCountyTable(s.byCounty),
      },
      {
        heading: '核验信息',
        text:
          `种子：${entropy}\n确认时公开的随机值：\`${draw.botValue ?? ''}\`\n` +
          `承诺哈希：\`${draw.commitmentHash ?? ''}\`\n结果哈希：\`${draw.resultHash ?? ''}\`` +
          `${draw.reason ? `\n重新抽取理由：${safe(draw.reason)}` : ''}`,
      },
    ],
    note:
      '随后发送两个文件：“抽取数据包-内部”含企业信用风险等级、人员OpenID和回避名单，仅供市局和纪检部门核验，不得公开；' +
      '“抽取数据包-可公开”只含抽中企业、各层数量、检查人员姓名或化名和全部哈希，可以公开发布。' +
      '两者都可用 npm run cli -- draw verify <文件> 复核（算法见 docs/draw-spec.md）。',
  });
}

/** The result of a draw imported from the national platform (docs/draw-spec.md §14): no seed, no bot value. */
function platformResultCard(v: ResultView): CardJson {
  const { draw, campaign } = v;
  const { s, missing, parked } = dispatchFacts(v);
  const file = draw.platform;
  return renderCard('report', {
    title: `抽取结果 · ${attemptLabel(draw.attempt)}（监管平台）`,
    color: 'green',
    sections: [
      {
        text:
          `${campaignLine(campaign)}\n已导入国家“双随机、一公开”监管平台的抽取结果：**${s.selected}** 家企业，${s.teams} 个检查组，任务已派发。` +
          `\n导入人：${safe(draw.requestedByName)}　导入时间：${draw.confirmedAt ? dateTime(draw.confirmedAt) : ''}${missing}${parked}`,
        table: byCountyTable(s.byCounty),
      },
      {
        heading: '核验信息',
        text:
          `来源：平台（${PLATFORM_ALGORITHM}）\n导入文件：${safe(cell(file?.fileName ?? '', 80))}\n文件 SHA-256：\`${file?.sha256 ?? ''}\`\n` +
          `结果哈希：\`${draw.resultHash ?? ''}\`${draw.reason ? `\n重新抽取理由：${safe(draw.reason)}` : ''}`,
      },
    ],
    note:
      `${PLATFORM_RANDOMNESS}随后发送两个文件：“抽取数据包-内部”含企业信用风险等级和人员OpenID，仅供市局和纪检部门核验，不得公开；` +
      '“抽取数据包-可公开”可以公开发布。两者都可用 npm run cli -- draw verify <文件> 复核（格式见 docs/draw-spec.md 第14节）。',
  });
}

/** Rows per page of a county's task list: with cells cut to size, a page stays far below 30 KB. */
export const COUNTY_PAGE_ROWS = 50;

export function countyTasksCard(v: { draw: DrawDoc; campaign: CampaignDoc; county: string; tasks: TaskDoc[]; page: number }): CardJson {
  const received = v.tasks.find((t) => t.received)?.received;
  const pending = v.tasks.filter((t) => t.state === '待接收').length;
  const pages = Math.max(1, Math.ceil(v.tasks.length / COUNTY_PAGE_ROWS));
  const page = Math.min(Math.max(0, v.page), pages - 1);
  const shown = v.tasks.slice(page * COUNTY_PAGE_ROWS, (page + 1) * COUNTY_PAGE_ROWS);
  const rows = shown.map((t) => ({
    no: String(t.no),
    name: cell(t.enterprise.name, 40),
    licence: cell(t.enterprise.licenceNo, 30),
    leader: cell(t.team.find((m) => m.role === '组长')?.name ?? '', 12),
    state: t.state,
  }));
  const nav = (text: string, to: number): ButtonView => ({
    text,
    type: 'default',
    value: { a: 'draw.page', draw: String(v.draw._id), county: v.county, page: to },
  });
  const buttons: ButtonView[] = [
    ...(page > 0 ? [nav('上一页', page - 1)] : []),
    ...(page < pages - 1 ? [nav('下一页', page + 1)] : []),
    ...(pending > 0 ? [{ text: '接收', type: 'primary' as const, value: { a: 'draw.receive', draw: String(v.draw._id), county: v.county, page } }] : []),
  ];
  return renderCard('report', {
    title: `${cell(v.county, 20)} · 检查任务（${attemptLabel(v.draw.attempt)}）`,
    color: pending > 0 ? 'blue' : 'green',
    sections: [
      {
        text:
          `${campaignLine(v.campaign)}\n本县区抽中 **${v.tasks.length}** 家企业${pages > 1 ? `，第 ${page + 1}/${pages} 页（第${page * COUNTY_PAGE_ROWS + 1}–${page * COUNTY_PAGE_ROWS + shown.length}项）` : ''}。` +
          '请及时接收检查对象，做好检查前准备，确保执法监管人员在岗。' +
          (received ? `\n已由 ${safe(received.name)} 于 ${dateTime(received.at)} 接收。` : ''),
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
    buttons: buttons.length > 0 ? buttons : undefined,
  });
}

export function assignmentCard(task: TaskDoc, campaign: CampaignDoc): CardJson {
  const e = task.enterprise;
  const checklist = CHECKLISTS[task.checklist];
  const team = task.team.map((m) => `${m.role}：${safe(m.name)}（${safe(m.unit)}）`).join('\n');
  return renderCard('report', {
    title: `检查任务 · ${e.name}`,
    color: 'turquoise',
    sections: [
      {
        text:
          `**企业**：${safe(e.name)}\n**许可证编号**：${safe(e.licenceNo)}（有效期 ${safe(e.validFrom)} 至 ${safe(e.validTo)}）\n` +
          `**获证产品**：${safe(e.product)}（${e.category}）\n**生产地址**：${safe(e.address)}` +
          `${e.contact ? `\n**联系人**：${safe(e.contact)} ${safe(e.phone ?? '')}` : ''}`,
      },
      { heading: '检查组', text: team },
      {
        heading: '检查要求',
        text: `检查表：${checklist.form}《${checklist.title}》，共${checklist.items.length}项\n检查时间：${campaign.from} 至 ${campaign.to}\n${safe(campaign.name)}，抽取序号第${task.no}号`,
      },
    ],
    note: '到达企业后点击“开始检查”，逐项填写；检查完成之日起20个工作日内录入并公示结果。',
    buttons: [firstStartButton(task, '开始检查')],
  });
}

/**
 * A county's task list of a draw a redraw replaced: shown in place of the old list (patched, so its 接收 button is
 * gone), and sent to the county's liaisons as a notice with the number of its tasks voided.
 */
export function supersededCountyCard(v: { old: DrawDoc; draw: DrawDoc; county: string; voided: number }): CardJson {
  return renderCard('message', {
    title: `${cell(v.county, 20)} · ${attemptLabel(v.old.attempt)}的任务已作废`,
    color: 'grey',
    paragraphs: [
      `因重新抽取（理由：${safe(v.draw.reason ?? '重新抽取')}），${attemptLabel(v.old.attempt)}已由${attemptLabel(v.draw.attempt)}取代，` +
        `派发给本县区的 **${v.voided}** 项尚未开始的任务已作废，原清单上的“接收”按钮已失效。`,
      `请以${attemptLabel(v.draw.attempt)}派发的检查任务清单为准${v.voided > 0 ? '（本县区如有新任务，清单另行发送）' : ''}。`,
    ],
  });
}

export function voidedTaskCard(task: TaskDoc, reason: string): CardJson {
  return renderCard('message', {
    title: `任务已作废 · ${cell(task.enterprise.name, 60)}`,
    color: 'grey',
    paragraphs: [`因重新抽取（理由：${safe(reason)}），本任务已作废，请勿再前往检查。新的任务将另行派发。`],
  });
}

export function parkedCard(draw: DrawDoc, campaign: CampaignDoc, item: ParkedItem): CardJson {
  return renderCard('message', {
    title: `未能派发 · ${attemptLabel(draw.attempt)}`,
    color: 'red',
    paragraphs: [`${campaignLine(campaign)}\n${safe(cell(item.reason, 400))}`, '其余任务照常派发。'],
  });
}

/** Display names of catalogue codes (for the bundle's readers and cards). */
export function catalogueNames(codes: readonly string[]): string {
  return codes.map((c) => catalogueName(c)).join('、');
}
