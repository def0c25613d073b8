/**
 * Cards of the yearly set-up in chat: file previews (registries, holiday calendar) and their results, refusals,
 * the due dates settled by a calendar, and /专项. Every card stays under the platform's 30 KB: long lists show
 * their first LIST_LIMIT lines and a count, and shrink further if a card would still be too large.
 */
import type { CalendarYear } from '../domain/calendar';
import { acceptedKinds, SETUP_KIND_TITLES } from '../domain/setupFiles';
import { RISK_CLASSES } from '../domain/types';
import type { CampaignSettings } from '../operations/campaigns';
import type { HandOverRun } from '../operations/followup/handOver';
import { SHARED_LICENCE_ADVICE, sharedLicenceLine } from '../operations/importEnterprises';
import { AVOID_CONFLICT_ADVICE, avoidConflictLine } from '../operations/importStaff';
import type { CampaignPopulation } from '../operations/setup/campaignPreview';
import type { CalendarImport, CalendarPreview, ReadRefusal, RegistryOutcome } from '../operations/setup/setupFiles';
import { formatChecklistReport, type ChecklistImportReport } from '../operations/checklists/importChecklists';
import type { CampaignDoc } from '../store/campaign';
import type { SetupUploadDoc, UploadKind } from '../store/setupUpload';
import { md, renderCard, type ButtonView, type CardJson, type ReportView } from './cards';
import { dateTime, percent, shortHash } from './format';

export const LIST_LIMIT = 20;
const REASON_CHARS = 160;
/** below the platform's 30 KB for a card, with room for the envelope */
const CARD_BUDGET_BYTES = 27_000;

export const SETUP_MSG = {
  refusedTitle: (fileName: string) => `无法导入：${fileName}`,
  tooLarge: (mb: string) => `文件大于 20 MB（至少 ${mb} MB），没有读取。请删去无关的工作表、列或格式后重新发送，或拆成几个文件分别发送。`,
  downloadFailed: (detail: string) => `没能从飞书下载这个文件（${detail}），没有导入任何内容。请稍后重新发送。`,
  noDownloads: '当前没有连接飞书开放平台（本地试用模式），无法下载文件；请用命令行 npm run cli -- import … 导入。',
  empty: '文件是空的：没有表头，也没有数据。',
  unknown: (header: string) => `无法识别的文件：第1行（表头）是“${header}”，不是以下任何一种：`,
  unknownHint: '请确认第1行是表头、列名与上面一致（列的顺序不限，可以有多余的列）。CSV 请存为 UTF-8 编码。',
  staleToast: {
    missing: '这份预览已失效，请重新发送文件',
    imported: '这份文件已经导入过了，不会重复导入',
    cancelled: '这份预览已取消；如需导入请重新发送文件',
    superseded: '之后又发送了同类文件：请在最新的预览卡片上确认',
    importing: '正在导入这份文件，请稍候',
    expired: '预览已超过7天，文件已清除：请重新发送文件',
    corrupt: '文件与预览时不一致，没有导入：请重新发送文件',
    changed: '文件内容无法按预览导入，没有导入：请重新发送文件',
  },
} as const;

type Lines = { shown: string[]; more: number };

function limit(lines: readonly string[], max: number): Lines {
  return { shown: lines.slice(0, max), more: Math.max(0, lines.length - max) };
}

function listText(lines: Lines, moreText = (n: number) => `……另有 ${n} 行未列出`): string {
  return [...lines.shown.map((l) => `- ${l}`), ...(lines.more > 0 ? [moreText(lines.more)] : [])].join('\n');
}

function clip(text: string): string {
  return [...text].length > REASON_CHARS ? `${[...text].slice(0, REASON_CHARS).join('')}…` : text;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Renders a report card, listing fewer lines while it would be too large for the platform. */
function fitReport(build: (max: number) => ReportView): CardJson {
  for (const max of [LIST_LIMIT, 10, 5, 2, 0]) {
    const card = renderCard('report', build(max));
    if (Buffer.byteLength(JSON.stringify(card), 'utf8') <= CARD_BUDGET_BYTES || max === 0) return card;
  }
  throw new Error('unreachable');
}

function uploadButtons(upload: SetupUploadDoc): ButtonView[] {
  const u = String(upload._id);
  return [
    { text: '确认导入', type: 'primary', value: { a: 'setup.import', u } },
    { text: '取消', type: 'default', value: { a: 'setup.cancel', u } },
  ];
}

// ---- refusals ------------------------------------------------------------------------------------------------------

export function setupMessageCard(title: string, paragraphs: string[], color: 'orange' | 'grey' | 'red' = 'orange'): CardJson {
  return renderCard('message', { title, color, paragraphs });
}

export function fileRefusedCard(fileName: string, refusal: ReadRefusal): CardJson {
  const title = SETUP_MSG.refusedTitle(fileName);
  switch (refusal.code) {
    case 'format':
      return setupMessageCard(title, [md(refusal.message), '没有导入任何内容。可以发送的文件：', acceptedKinds().map((k) => `- ${k}`).join('\n')]);
    case 'unreadable':
      return setupMessageCard(title, [md(refusal.message), '没有导入任何内容。']);
    case 'incomplete':
      return setupMessageCard(title, [md(refusal.message), '没有导入任何内容。请补齐这些列后重新发送。']);
    case 'empty':
      return setupMessageCard(title, [SETUP_MSG.empty, acceptedKinds().map((k) => `- ${k}`).join('\n')]);
    case 'unknown':
      return setupMessageCard(title, [
        SETUP_MSG.unknown(md(refusal.header.join('、'))),
        acceptedKinds().map((k) => `- ${k}`).join('\n'),
        SETUP_MSG.unknownHint,
      ]);
  }
}

// ---- registries ----------------------------------------------------------------------------------------------------

/** A registry's figures: “新增 **a**、更新 **b**、无变化 **c**；有问题 **d** 行”. */
function figuresText(f: { inserted: number; updated: number; unchanged: number; rejected: number }): string {
  return `新增 **${f.inserted}**、更新 **${f.updated}**、无变化 **${f.unchanged}**；有问题 **${f.rejected}** 行`;
}

function countsText(o: RegistryOutcome): string {
  return `共读取 **${o.total}** 行：${figuresText({ ...o.diff, rejected: o.rejected.length })}（不会导入）。`;
}

function registrySections(o: RegistryOutcome, max: number): ReportView['sections'] {
  const sections: ReportView['sections'] = [];
  if (o.rejected.length > 0) {
    sections.push({
      heading: `有问题的行（共 ${o.rejected.length} 行）`,
      text: listText(limit(o.rejected.map((r) => `第${r.line}行：${md(clip(r.reason))}`), max), (n) => `……另有 ${n} 行有问题，未列出；请修改后重新发送`),
    });
  }
  if (o.expired) {
    const { campaign, enterprises } = o.expired;
    sections.push({
      heading: `许可证在专项开始前到期（共 ${enterprises.length} 家）`,
      text:
        `这些企业${o.dryRun ? '会' : '已'}导入名录，但不进入专项“${md(campaign.name)}”（开始日 ${campaign.from}）的抽取范围：\n` +
        listText(limit(enterprises.map((e) => `第${e.line}行：${md(e.name)}（许可证 ${md(e.licenceNo)}，有效期止 ${e.validTo}）`), max)),
    });
  }
  if (o.sharedLicences && o.sharedLicences.length > 0) {
    sections.push({
      heading: `许可证编号与名录库中的其他企业相同（共 ${o.sharedLicences.length} 行）`,
      text: `${SHARED_LICENCE_ADVICE(o.dryRun)}\n${listText(limit(o.sharedLicences.map((l) => md(sharedLicenceLine(l))), max), (n) => `……另有 ${n} 行未列出`)}`,
    });
  }
  if (o.unknownProducts && o.unknownProducts.length > 0) {
    sections.push({
      heading: `获证产品不在产品目录中（共 ${o.unknownProducts.length} 处）`,
      text:
        '这些企业抽中后无法按产品目录匹配专家；请按工业产品生产许可证产品目录中的产品单元名称填写：\n' +
        listText(limit(o.unknownProducts.map((u) => `第${u.line}行：${md(u.value)}`), max), (n) => `……另有 ${n} 处未列出`),
    });
  }
  if (o.roles && Object.keys(o.roles).length > 0) {
    sections.push({ text: `其中：${Object.entries(o.roles).map(([role, n]) => `${role} ${n} 人`).join('，')}` });
  }
  if (o.unknownAvoid && o.unknownAvoid.length > 0) {
    sections.push({
      heading: `回避企业不在检查对象名录库中（共 ${o.unknownAvoid.length} 个）`,
      text:
        '这些人员的回避企业代码在名录库中找不到（如尚未导入企业名录可忽略；否则请核对代码）：\n' +
        listText(limit(o.unknownAvoid.map((u) => `第${u.line}行：${u.uscc}`), max), (n) => `……另有 ${n} 个未列出`),
    });
  }
  if (o.avoidConflicts && o.avoidConflicts.length > 0) {
    sections.push({
      heading: `检查组中需回避的人员（共 ${o.avoidConflicts.length} 项）`,
      text: `${AVOID_CONFLICT_ADVICE}\n${listText(limit(o.avoidConflicts.map((c) => md(avoidConflictLine(c))), max), (n) => `……另有 ${n} 项未列出`)}`,
    });
  }
  return sections;
}

export function registryPreviewCard(fileName: string, size: number, o: RegistryOutcome, upload: SetupUploadDoc | undefined): CardJson {
  const title = SETUP_KIND_TITLES[o.kind];
  return fitReport((max) => ({
    title: upload ? `导入预览 · ${title}` : `无法导入 · ${title}`,
    color: upload ? 'blue' : 'orange',
    sections: [
      { text: `文件：**${md(fileName)}**（${sizeText(size)}）\n试运行，尚未写入。${countsText(o)}` },
      ...registrySections(o, max),
      ...(upload
        ? []
        : [{ text: o.total === 0 ? '文件只有表头，没有数据行：请在表头下方逐行填写后重新发送。' : '文件中没有可以导入的行：请按上面的原因修改后重新发送。' }]),
    ],
    note: upload
      ? `点击“确认导入”按这份文件（SHA-256 ${shortHash(upload.sha256)}…）导入：新增和更新，名录中不在文件里的记录保持不变。之后再发送同类文件，本预览即失效。`
      : undefined,
    buttons: upload ? uploadButtons(upload) : undefined,
  }));
}

/** What the newly registered county liaisons were sent (operations/followup/handOver.ts). */
export function handOverLine(h: HandOverRun): string {
  return `新登记的县区联络员 ${h.liaisons} 人：已把本县区待确认整改（附件2）的任务卡片共 **${h.cards}** 张发给他们。`;
}

export function registryResultCard(upload: SetupUploadDoc, o: RegistryOutcome, handedOver?: HandOverRun): CardJson {
  const d = o.diff;
  const handOverText = handedOver && handedOver.cards > 0 ? [{ text: handOverLine(handedOver) }] : [];
  return fitReport((max) => ({
    title: `已导入 · ${SETUP_KIND_TITLES[o.kind]}`,
    color: 'green',
    sections: [
      {
        text:
          `文件：**${md(upload.fileName)}**\n已写入名录库：新增 **${d.inserted}**、更新 **${d.updated}**、无变化 **${d.unchanged}**；` +
          `有问题未导入 **${o.rejected.length}** 行。`,
      },
      ...handOverText,
      ...registrySections(o, max),
    ],
    note: `导入人：${md(upload.doneByName ?? '')}，${upload.doneAt ? dateTime(upload.doneAt) : ''}；文件 SHA-256 ${upload.sha256}，已记入导入记录。`,
  }));
}

// ---- holiday calendar ------------------------------------------------------------------------------------------

function mmdd(dates: readonly string[]): string {
  return dates.length === 0 ? '无' : dates.map((d) => d.slice(5)).join('、');
}

function daysText(c: CalendarYear): string {
  return `休（放假的工作日）**${c.rest.length}** 天：${mmdd(c.rest)}\n班（调休上班的周末）**${c.work.length}** 天：${mmdd(c.work)}`;
}

function differenceLines(diffs: readonly { date: string; from: string; to: string }[], max: number): string {
  return listText(limit(diffs.map((d) => `${d.date}：${d.from} → ${d.to}`), max), (n) => `……另有 ${n} 天未列出`);
}

export function calendarPreviewCard(fileName: string, size: number, p: CalendarPreview, upload: SetupUploadDoc | undefined): CardJson {
  const r = p.result;
  if (!r.ok) {
    return fitReport((max) => ({
      title: `无法导入 · 节假日安排${r.year ? `（${r.year}年）` : ''}`,
      color: 'orange',
      sections: [
        { text: `文件：**${md(fileName)}**（${sizeText(size)}），共 ${r.rows} 行日期。发现 **${r.problems.length}** 处问题，没有导入：` },
        {
          text: listText(
            limit(r.problems.map((x) => (x.line !== undefined ? `第${x.line}行：${md(clip(x.reason))}` : md(clip(x.reason)))), max),
            (n) => `……另有 ${n} 处问题未列出`,
          ),
        },
        {
          text: '格式：第1行为表头“日期,类型”；每行一个与平常作息不同的日期，类型为“休”（放假的工作日）或“班”（调休上班的周末）；一个文件是一整年的安排。',
        },
      ],
    }));
  }
  const c = r.calendar;
  return fitReport((max) => {
    const sections: ReportView['sections'] = [{ text: `文件：**${md(fileName)}**（${sizeText(size)}）\n${daysText(c)}` }];
    if (p.builtInDifferences) {
      sections.push({
        heading: '与内置日历不同',
        text:
          p.builtInDifferences.length === 0
            ? `内置日历（chinese-days）已有${c.year}年安排，与本文件完全一致。`
            : `内置日历已有${c.year}年安排；导入后以本文件为准。不同的日期 ${p.builtInDifferences.length} 天：\n${differenceLines(p.builtInDifferences, max)}`,
      });
    }
    if (p.previous) {
      sections.push({
        heading: '取代已导入的安排',
        text:
          `${c.year}年安排已于 ${dateTime(p.previous.at)} 由 ${md(p.previous.byName)} 导入；` +
          (p.previous.differences.length === 0 ? '本文件与之相同。' : `本文件与之不同的日期 ${p.previous.differences.length} 天：\n${differenceLines(p.previous.differences, max)}`),
      });
    }
    if (p.pendingDueDates > 0) {
      sections.push({ text: `确认后将重新计算 **${p.pendingDueDates}** 项“待定”的公示截止日期，并通知相关联络员和组长。` });
    }
    if (p.movedDueDates > 0) {
      sections.push({ text: `按本文件的安排，**${p.movedDueDates}** 项尚未公示的检查结果的公示截止日期会改变；确认后按新日期计算、提醒，并通知相关联络员和组长。` });
    }
    return {
      title: `导入预览 · ${c.year}年节假日安排`,
      color: 'blue',
      sections,
      note: upload
        ? `点击“确认导入”按这份文件（SHA-256 ${shortHash(upload.sha256)}…）导入${c.year}年安排，计算工作日与期限时即以此为准。`
        : undefined,
      buttons: upload ? uploadButtons(upload) : undefined,
    };
  });
}

export function calendarResultCard(upload: SetupUploadDoc, imported: CalendarImport): CardJson {
  const { calendar, dueDates } = imported;
  const due =
    dueDates.filled + dueDates.moved === 0
      ? '没有需要重新计算的“待定”公示截止日期，已确定的公示截止日期也没有变化。'
      : [
          dueDates.filled > 0 ? `已重新计算 **${dueDates.filled}** 项“待定”的公示截止日期` : '',
          dueDates.moved > 0 ? `按新安排调整了 **${dueDates.moved}** 项已确定的公示截止日期` : '',
        ]
          .filter(Boolean)
          .join('，') + `，并通知了 ${dueDates.notified} 人。`;
  const still = dueDates.stillPending > 0 ? `\n仍有 ${dueDates.stillPending} 项缺少其他年份的节假日安排，继续“待定”。` : '';
  return renderCard('report', {
    title: `已导入 · ${calendar.year}年节假日安排`,
    color: 'green',
    sections: [{ text: `文件：**${md(upload.fileName)}**\n${daysText(calendar)}` }, { text: `${due}${still}` }],
    note: `导入人：${md(upload.doneByName ?? '')}，${upload.doneAt ? dateTime(upload.doneAt) : ''}；文件 SHA-256 ${upload.sha256}，已记入导入记录。各服务实例一分钟内改用新安排。`,
  });
}

// ---- extra checklists (进一次门，查多项事) -----------------------------------------------------------------------------

/** formatChecklistReport's lines (the CLI prints the same) as card markdown: indented lines become list items. */
function checklistLines(r: ChecklistImportReport, max: number): string {
  const lines = formatChecklistReport(r);
  const [head, ...rest] = lines;
  const listed = rest.filter((l) => l.startsWith('  ')).map((l) => md(l.trim()));
  const after = rest.filter((l) => !l.startsWith('  ')).map(md);
  return [md(head ?? ''), listText(limit(listed, max), (n) => `……另有 ${n} 行未列出`), ...after].filter((x) => x !== '').join('\n');
}

/** Every item of the lists in the file, so that the liaison sees what the inspectors will be asked. */
function checklistItems(r: Extract<ChecklistImportReport, { ok: true }>, max: number): ReportView['sections'] {
  return r.lists.map((l) => ({
    heading: `${md(l.name)}（${l.items.length} 项）`,
    text: listText(limit(l.items.map((i) => `${i.no}. ${md(clip(i.text))}`), max), (n) => `……另有 ${n} 项未列出`),
  }));
}

export function checklistPreviewCard(fileName: string, size: number, r: ChecklistImportReport, upload: SetupUploadDoc | undefined): CardJson {
  const title = SETUP_KIND_TITLES.checklists;
  if (!r.ok || !upload) {
    return fitReport((max) => ({
      title: `无法导入 · ${title}`,
      color: 'orange',
      sections: [
        { text: `文件：**${md(fileName)}**（${sizeText(size)}）\n${checklistLines(r, max)}` },
        { text: '文件中任何一行有错，整个文件都不导入。请按上面的原因修改后重新发送。' },
      ],
    }));
  }
  return fitReport((max) => ({
    title: `导入预览 · ${title}`,
    color: 'blue',
    sections: [{ text: `文件：**${md(fileName)}**（${sizeText(size)}）\n试运行，尚未写入。\n${checklistLines(r, max)}` }, ...checklistItems(r, max)],
    note:
      `点击“确认导入”按这份文件（SHA-256 ${shortHash(upload.sha256)}…）导入专项“${md(r.campaign.name)}”：同名检查表整表替换。` +
      '之后再发送检查表文件，本预览即失效。',
    buttons: uploadButtons(upload),
  }));
}

export function checklistResultCard(upload: SetupUploadDoc, r: ChecklistImportReport): CardJson {
  return fitReport((max) => ({
    title: `已导入 · ${SETUP_KIND_TITLES.checklists}`,
    color: 'green',
    sections: [{ text: `文件：**${md(upload.fileName)}**\n${checklistLines(r, max)}` }],
    note: `导入人：${md(upload.doneByName ?? '')}，${upload.doneAt ? dateTime(upload.doneAt) : ''}；文件 SHA-256 ${upload.sha256}，已记入导入记录。`,
  }));
}

/** A preview that previewed well but cannot be imported now: why, and what to do. */
export function notImportedCard(upload: SetupUploadDoc, reason: readonly string[]): CardJson {
  return fitReport((max) => ({
    title: `没有导入 · ${uploadTitle(upload.kind)}`,
    color: 'orange',
    sections: [
      { text: `文件：**${md(upload.fileName)}**` },
      { text: listText(limit(reason.map((l) => md(clip(l))), max), (n) => `……另有 ${n} 处问题未列出`) },
      { text: '请按上面的原因修改后重新发送文件。' },
    ],
  }));
}

// ---- previews that can no longer be confirmed -------------------------------------------------------------------

/** The name of what an upload holds. */
export function uploadTitle(kind: UploadKind): string {
  return kind === 'countyReport' ? '情况汇报' : SETUP_KIND_TITLES[kind];
}

export function closedPreviewCard(upload: SetupUploadDoc, why: 'cancelled' | 'superseded' | 'imported' | 'expired'): CardJson {
  const title = uploadTitle(upload.kind);
  const text = {
    cancelled: `已取消，没有导入。${upload.doneByName ? `（${md(upload.doneByName)}${upload.doneAt ? `，${dateTime(upload.doneAt)}` : ''}）` : ''}`,
    superseded: '之后又发送了同类文件，这份预览已失效，没有导入。请在最新的预览卡片上确认。',
    imported: `这份文件已于 ${upload.doneAt ? dateTime(upload.doneAt) : ''} 由 ${md(upload.doneByName ?? '')} 导入。`,
    expired: '预览已过期或文件已清除，没有导入。如需导入请重新发送文件。',
  }[why];
  // an imported registry keeps its figures on this card too: it may replace the result card (a double click)
  const r = upload.result;
  const counts =
    why === 'imported' && (upload.kind === 'enterprises' || upload.kind === 'staff') && r && typeof r.inserted === 'number'
      ? [`导入结果：${figuresText({ inserted: r.inserted, updated: r.updated ?? 0, unchanged: r.unchanged ?? 0, rejected: r.rejected ?? 0 })}（未导入）`]
      : [];
  return renderCard('message', {
    title: `${why === 'imported' ? '已导入' : '预览已失效'} · ${title}`,
    color: 'grey',
    paragraphs: [`文件：**${md(upload.fileName)}**`, text, ...counts],
  });
}

// ---- due dates settled by a calendar -------------------------------------------------------------------------------

export interface DueDateSetRow {
  enterprise: string;
  county: string;
  licenceNo: string;
  completionDate: string;
  dueDate: string;
  /** the due date computed before under the old arrangement (absent: it was “待定”) */
  previous?: string;
}

export function dueDatesSetCard(rows: readonly DueDateSetRow[]): CardJson {
  const settled = rows.filter((r) => !r.previous);
  const moved = rows.filter((r) => r.previous);
  const line = (r: DueDateSetRow) =>
    `**${md(r.enterprise)}**（${r.county}，许可证 ${md(r.licenceNo)}）：检查完成 ${r.completionDate}，公示截止 ${r.previous ? `由 ${r.previous} 改为 ` : ''}**${r.dueDate}**`;
  return fitReport((max) => ({
    title: moved.length > 0 ? '公示截止日期已调整' : '公示截止日期已确定',
    color: 'blue',
    sections: [
      ...(settled.length > 0
        ? [{ text: `节假日安排已更新，以下检查结果原来“待定”的公示截止日期（检查完成之日起20个工作日）已经确定：\n${listText(limit(settled.map(line), Math.max(max, 1)), (n) => `……另有 ${n} 项未列出`)}` }]
        : []),
      ...(moved.length > 0
        ? [{ text: `节假日安排已修订，以下检查结果的公示截止日期（检查完成之日起20个工作日）按新安排重新计算：\n${listText(limit(moved.map(line), Math.max(max, 1)), (n) => `……另有 ${n} 项未列出`)}` }]
        : []),
    ],
    note: '请在截止日期前在国家企业信用信息公示系统录入并公示；到期前会按新日期提醒。',
  }));
}

// ---- /专项 -----------------------------------------------------------------------------------------------------------

function ratiosText(c: Pick<CampaignSettings, 'ratio' | 'riskRatios'>): string {
  return `全市抽查比例不低于 **${percent(c.ratio)}**；分类比例 ${RISK_CLASSES.map((rc) => `${rc}类 ${percent(c.riskRatios[rc])}`).join('、')}`;
}

export function campaignListCard(campaigns: readonly CampaignDoc[]): CardJson {
  const lines = campaigns.map(
    (c) =>
      `- **${c.year}年“${md(c.name)}”**（${c.status === 'active' ? '进行中' : '已结束'}）${c.from} 至 ${c.to}；${ratiosText(c)}`,
  );
  return renderCard('report', {
    title: '专项',
    color: 'blue',
    sections: [
      {
        text: campaigns.length === 0 ? '还没有创建专项。' : `共 ${campaigns.length} 个专项：\n${lines.join('\n')}`,
      },
    ],
    note: `新建：${CAMPAIGN_USAGE}`,
  });
}

export const CAMPAIGN_USAGE =
  '/专项 新建 名称=<专项名称> 年度=<YYYY> 开始=<YYYY-MM-DD> 结束=<YYYY-MM-DD> 比例=<0.25..1> [分类比例=A=0.2,B=0.25,C=0.5,D=1]';

export function campaignPreviewCard(s: CampaignSettings, pop: CampaignPopulation, value: Record<string, string | number>): CardJson {
  const sections: ReportView['sections'] = [
    {
      text: `**${s.year}年“${md(s.name)}”**\n${s.from} 至 ${s.to}\n${ratiosText(s)}\n${s.excludeOwnCounty ? '县区人员不检查本县区企业' : '县区人员可检查本县区企业'}`,
    },
  ];
  if (pop.registry === 0) {
    sections.push({ text: '⚠️ 检查对象名录库还是空的：抽取前请先把企业名录文件发给我。' });
  } else {
    sections.push({
      heading: '抽取范围',
      text: `检查对象名录库 ${pop.registry} 家；许可证在开始日 ${s.from} 有效的 **${pop.eligible}** 家${pop.excluded > 0 ? `（其余 ${pop.excluded} 家不在范围内）` : ''}。`,
      table: {
        pageSize: 8,
        columns: [
          { name: 'stratum', title: '产品类别 × 风险等级' },
          { name: 'count', title: '企业数' },
        ],
        rows: pop.strata.map((x) => ({ stratum: `${x.category} ${x.riskClass}类`, count: String(x.count) })),
      },
    });
    sections.push({
      heading: '各县区',
      text: '企业数（A/B/C/D 类）：',
      table: {
        pageSize: 10,
        columns: [
          { name: 'county', title: '县区' },
          { name: 'total', title: '企业数' },
          { name: 'classes', title: 'A/B/C/D' },
        ],
        rows: pop.counties.map((c) => ({ county: c.county, total: String(c.total), classes: RISK_CLASSES.map((rc) => c.byClass[rc]).join('/') })),
      },
    });
  }
  return renderCard('report', {
    title: '新建专项预览',
    color: 'blue',
    sections,
    note: '同一年度只能有一个进行中的专项。点击“确认创建”后才创建。',
    buttons: [{ text: '确认创建', type: 'primary', value }],
  });
}

export function campaignCreatedCard(c: CampaignDoc, byName: string): CardJson {
  return renderCard('report', {
    title: '已创建专项',
    color: 'green',
    sections: [
      {
        text: `**${c.year}年“${md(c.name)}”**\n${c.from} 至 ${c.to}\n${ratiosText(c)}\n下一步：发送 /抽取 预览并确认“双随机”抽取。`,
      },
    ],
    note: `创建人：${md(byName)}，${dateTime(c.createdAt)}`,
  });
}

// ---- /导入 -----------------------------------------------------------------------------------------------------------

export function importHelpCard(): CardJson {
  return renderCard('report', {
    title: '发送文件完成年度准备',
    color: 'blue',
    sections: [
      {
        text:
          '在与我的单聊中直接发送 .xlsx 或 .csv（UTF-8）文件。我按第1行（表头）识别文件种类，先给出试运行预览（读取行数、新增/更新/无变化、每个有问题的行及原因），' +
          '您点击“确认导入”后才写入。文件不超过 20 MB。',
      },
      { heading: '可以发送的文件', text: acceptedKinds().map((k) => `- ${k}`).join('\n') },
      {
        heading: '节假日安排',
        text: '国务院办公厅公布下一年放假安排后，把该年的安排做成一个文件发给我：每行一个与平常作息不同的日期，类型“休”为放假的工作日、“班”为调休上班的周末。导入后，“待定”的公示截止日期会自动补算并通知相关人员。',
      },
      {
        heading: '附加检查表（进一次门，查多项事）',
        text: '每行一个检查项，同一“检查表名称”的行组成一张表，按“序号”排列；导入到当前进行中的专项（请先新建专项），同名检查表整表替换。此后开始的检查在附件3/附件4 的 9 项之后逐项检查这些项目。',
      },
      { heading: '专项', text: `发送 /专项 查看专项；新建：${CAMPAIGN_USAGE}` },
      { heading: '其他人发来的文件', text: '县区联络员发来的文件，确认后作为本县区的情况汇报上报；检查组成员点“无法正常检查”或“上传签字页”后发来的文件，作为证据或签字页保存。' },
    ],
  });
}
