/**
 * Cards of the follow-up (整改确认 附件2 and 一公开): one card per task and viewer, rendered from the stored task, with
 * a banner saying why it was sent (the state was entered, a confirmation, a reminder …) and only the forms the viewer
 * may use, so the reminder carries the same buttons as the original and nobody has to search.
 *
 * Callback values:
 *   fu.view    {task}          整改与公示 / 公示情况 (on the inspection record card): this card for the viewer
 *   fu.rectify {task, round}   确认整改 (form `rectify_form`: done_1 … done_n, opinion)
 *   fu.publish {task, round, st} 已录入并公示 (form `publish_form`: published_on (date picker), reference)
 *   fu.amend   {task, round}   已更新公示结果 (form `amend_form`: published_on, reference)
 */
import { clip } from '../domain/inspection';
import {
  CONFIRMATION_SHEET_TITLE,
  MAX_DONE_LENGTH,
  MAX_OPINION_LENGTH,
  MAX_REFERENCE_LENGTH,
  PUBLICATION_ESCALATE_EVERY,
  PUBLICATION_WORKING_DAYS,
  RECTIFICATION_ESCALATE_AFTER,
  RECTIFICATION_ESCALATE_EVERY,
  RECTIFICATION_OPINION,
  dueStatus,
  mayConfirmRectification,
  mayDispose,
  mayPublish,
  publishedResultLabel,
  periodEnd,
  workingDaysBetweenLenient,
  type Reminder,
} from '../domain/followup';
import { calendarDataInfo } from '../domain/calendar';
import { completionDateOf, isComplete, resultToPublish } from '../domain/outcome';
import { resultByCode } from '../domain/results';
import type { TaskDoc } from '../store/task';
import { md, renderCard, type ButtonView, type CardJson, type HeaderColor, type TableView } from './cards';

type Value = ButtonView['value'];

// ---- every sentence, in one place ----------------------------------------------------------------------------------

/** 运城开发区 has a 分局, every other county-level unit a 市场监管局. */
function countyUnit(county: string): string {
  return county === '运城开发区' ? '运城开发区分局' : `${county}市场监管局`;
}

export const FMSG = {
  // titles
  titleToPublish: '检查结果待公示',
  titleToRectify: '待整改：确认整改与结果公示',
  titleHandover: '待您确认整改（附件2）',
  titleConfirmed: '整改已确认（附件2）',
  titlePublished: '检查结果已公示',
  titleAmended: '公示结果已更新',
  titleDisposed: (kind: string) => (kind === '立案' ? '发现问题已立案' : '发现问题已移交'),
  bannerDisposed: (name: string, kind: string, detail: string) => `**${name}** 登记：${kind}（${detail}）。整改确认不再需要；请以“发现问题待后续处理”录入公示（已公示的无需更改）。`,
  factDisposal: (kind: string, detail: string, on: string) => `**后续处置**：${kind}（${detail}），${on} 登记`,
  caseDetail: (no: string, date: string) => `案件编号 ${no}，立案日期 ${date}`,
  transferDetail: (to: string) => `移交 ${to}`,
  factClosure: (label: string, on: string) => `**检查结论**：无法正常检查——${label}（${on} 组长确认）`,
  factClosureNote: (note: string) => `**情况说明**：${note}`,
  factCredit: (what: string) => `⚠️ **需后续处理**：${what}`,
  disposeHeading: '**后续处置：立案或移交**（仅县局联络员；责令改正的请在上方确认整改）',
  disposeKindLabel: '处置方式',
  disposeCaseNoLabel: '案件编号（立案时必填）',
  disposeCaseDateLabel: '立案日期（立案时必填）',
  disposeToLabel: '移交单位（移交时必填）',
  disposeNoteLabel: '说明（选填）',
  disposeButton: '登记后续处置',
  disposeConfirmTitle: '登记立案或移交？',
  disposeConfirmText: '登记后不再需要整改确认（附件2），结果按“发现问题待后续处理”公示。',
  // The refusals say who may, exactly as src/policies.ts decides: the firm's county (notice 二(二): the county bureau
  // confirms the rectification on site, 附件2 “县局监管确认”); the 市局联络员 only where that county has no 联络员.
  notDisposer: (county: string, countyHasLiaison: boolean) =>
    countyHasLiaison
      ? `只有${countyUnit(county)}的联络员可以登记立案或移交`
      : `${county}没有登记联络员，立案或移交由市局联络员代为登记`,
  disposed: (kind: string) => `该问题已${kind}，不需要再确认整改`,
  alreadyDisposed: (kind: string) => `已登记为“${kind}”，无需重复登记`,
  badDisposal: (what: string) =>
    ({
      kind: '请选择处置方式：立案或移交',
      caseNo: '立案请填写案件编号（最多 50 字）',
      caseDate: '立案请选择立案日期（不晚于今天，不早于检查完成日期）',
      transferTo: '移交请填写移交单位（最多 100 字）',
      note: '说明最多 500 字',
    })[what] ?? '输入有误，请检查后重试',
  disposedOk: (kind: string) => `已登记${kind}，整改提醒停止`,
  titleView: '整改与公示',
  titleRemindBefore: (left: number) => `公示提醒：还有 ${left} 个工作日`,
  titleRemindDue: '今天公示截止',
  titleRemindOverdue: (n: number) => `公示已逾期 ${n} 个工作日`,
  titleRectBefore: (left: number) => `整改期限提醒：还有 ${left} 个工作日`,
  titleRectDue: '整改期限今天到期',
  titleRectOverdue: '整改待现场确认',

  // banners
  bannerToPublish: '检查记录已完成，结论为**未发现问题**。请按“谁检查、谁录入”的原则，在公示截止日前将结果录入监管平台并公示，完成后在下方登记。',
  bannerToPublishClosure: (label: string) =>
    `企业无法正常检查，组长已确认，检查结果为**${label}**。请按“谁检查、谁录入”的原则，在公示截止日前将结果录入监管平台并公示，完成后在下方登记。`,
  bannerToPublishDisposed: (kind: string) =>
    `检查发现的问题已${kind}，不再需要整改确认。请在公示截止日前以“发现问题待后续处理”录入监管平台并公示，完成后在下方登记。`,
  bannerToRectify:
    '检查发现问题，意见汇总表（附件1）已送达。整改期限届满后，请县局到企业**现场确认**整改情况，在下方填写整改结果确认单（附件2）并上报市局；同时请在公示截止日前录入并公示。',
  bannerHandover: (county: string) =>
    `您已登记为**${county}**的联络员。该企业检查发现问题，整改情况尚待县区联络员**现场确认**（此前${county}没有登记联络员，无人可以确认）。请到企业现场确认后，在下方填写整改结果确认单（附件2）并上报市局。`,
  noCountyLiaison: (county: string) =>
    `⚠️ **${county}在执法检查人员名录库中没有登记联络员，整改结果确认单（附件2）暂时无人可以填写。**确认单只能由企业所在县区的联络员到现场确认后填写，市局联络员不能代为确认。` +
    `请市局联络员在执法检查人员名录库中添加${county}的联络员（角色“联络员”，所属县区“${county}”）并导入；导入后，这张卡片会发给新登记的联络员，由其确认整改。`,
  bannerConfirmed: (name: string, on: string) => `**${name}** 已于 ${on} 现场确认企业完成整改（附件2），现上报市局。`,
  bannerConfirmedToPublish: '请在公示截止日前录入监管平台并公示，公示结果为“发现问题经责令已改正”。',
  bannerConfirmedToAmend: '该结果此前已公示为“发现问题待后续处理”。请在监管平台更新为“发现问题经责令已改正”，完成后在下方登记。',
  bannerPublished: (name: string, on: string, result: string) => `**${name}** 登记：已于 ${on} 将检查结果录入监管平台并公示，公示结果“${result}”。`,
  bannerAmended: (name: string, on: string, result: string) => `**${name}** 登记：公示结果已于 ${on} 更新为“${result}”。`,
  bannerRemindBefore: (left: number, due: string) =>
    `⏰ 距公示截止还有 **${left} 个工作日**（${due}）。请按“谁检查、谁录入”的原则录入监管平台并公示，完成后在下方登记。`,
  bannerRemindDue: (due: string) => `⏰ **今天（${due}）是公示截止日。**请今天内录入监管平台并公示，完成后在下方登记。`,
  bannerRemindOverdue: (n: number, due: string) => `⚠️ 公示截止日 ${due} 已过，**已逾期 ${n} 个工作日**。请尽快录入监管平台并公示，完成后在下方登记。`,
  bannerRemindUnconfirmed: '整改尚未确认：确认整改后公示结果为“发现问题经责令已改正”；如截止前无法确认，可先以“发现问题待后续处理”公示，整改确认后再更新。',
  bannerRectBefore: (left: number, deadline: string) =>
    `⏰ 距整改期限还有 **${left} 个工作日**（${deadline}）。请提前安排期限届满后到企业**现场确认**整改情况，确认后在下方填写整改结果确认单（附件2）。`,
  bannerRectDue: (deadline: string) => `⏰ 整改期限今天（${deadline}）到期。请安排到企业**现场确认**整改情况，确认后在下方填写整改结果确认单（附件2）。`,
  bannerRectOverdue: (n: number, deadline: string) =>
    `⚠️ 整改期限 ${deadline} 已过 **${n} 个工作日**，尚未确认整改情况。请到企业**现场确认**后填写下方确认单（附件2）；企业未按期整改的，请依法处理并报市局。`,
  bannerRectExtended: (stated: string, deadline: string) => `附件1 所写期限 ${stated} 是休息日，期限顺延至其后第一个工作日 ${deadline}。`,
  bannerEscalated: '逾期情况已同时报告市局。',
  bannerDueUnknown: (note: string) => `⚠️ ${note}`,

  // facts
  factResult: (result: string, n: number, state: string) => `**检查结论**：${result}${n > 0 ? `（${n} 项需整改）` : ''}　**状态**：${state}`,
  factCompletion: (date: string) => `**检查完成日期**：${date}`,
  factDue: (due: string, status: string) => `**公示截止**：${due}（${status}）`,
  factDueUnknown: '**公示截止**：暂无法确定（日历数据缺失，见上方说明）',
  factDuePublished: (due: string) => `**公示截止**：${due}`,
  statusBefore: (left: number) => `还有 ${left} 个工作日`,
  statusDue: '今天截止',
  statusOverdue: (n: number) => `已逾期 ${n} 个工作日`,
  factRectification: (deadline: string, days: number) => `**整改期限**：${deadline}（附件1，${days} 天）`,
  factRectConfirmed: (on: string) => `，已于 ${on} 确认整改`,
  factRectOverdue: (n: number) => `，已过期限 ${n} 个工作日，待现场确认`,

  // sections
  itemsHeading: '**需整改问题（附件1）**',
  itemLine: (i: number, record: string, no: number) => `**${i}.** ${record}（检查项第${no}项）`,
  confirmHeading: `**${CONFIRMATION_SHEET_TITLE}（附件2）**`,
  confirmOpinion: (opinion: string) => `**对整改完成情况的确认意见**：${opinion}`,
  confirmBy: (name: string, unit: string, on: string) => `**确认人**：${name}${unit ? `（${unit}）` : ''}　${on}`,
  pubHeading: '**公示情况**',
  pubDate: (on: string, due: string, late: number) => `公示日期：${on}${due ? `（截止 ${due}${late > 0 ? `，逾期 ${late} 个工作日` : ''}）` : ''}`,
  pubResult: (result: string) => `公示结果：**${result}**`,
  pubBy: (name: string) => `登记人：${name}`,
  pubReference: (ref: string) => `公示位置：${ref}`,
  pubAmended: (from: string, on: string, name: string) => `原公示结果“${from}”已于 ${on} 更新（${name}登记）`,

  // forms
  rectifyHeading: '**填写整改结果确认单（附件2）**　仅企业所在县区的联络员',
  rectifyIssue: (i: number, issue: string) => `**${i}. 需整改问题**：${issue}`,
  rectifyDoneLabel: (i: number) => `第 ${i} 项 完成整改情况`,
  rectifyStatusPlaceholder: '现场核实：已整改 / 未整改',
  rectifyDonePlaceholder: '现场核实的整改情况，例如：已更换检定合格的天平，见检定证书',
  rectifyOpinionLabel: '对整改完成情况的确认意见',
  rectifyButton: '确认整改',
  rectifyConfirmTitle: '确认整改已全部完成？',
  rectifyConfirmText: '将记录整改结果确认单（附件2）并上报市局，提交后不能修改。',
  publishIntro: (result: string) => `**登记公示**　公示结果：**${result}**（按检查结论确定）`,
  amendIntro: (result: string) => `**登记更新公示结果**　更新为：**${result}**`,
  publishDateLabel: '公示日期（不选即为登记当天；不能晚于今天）',
  amendDateLabel: '更新日期（不选即为登记当天）',
  datePlaceholder: '不选则为今天',
  referenceLabel: '公示位置或编号（选填）',
  referencePlaceholder: '例如：国家企业信用信息公示系统',
  publishButton: '已录入并公示',
  amendButton: '已更新公示结果',
  publishEarlyTitle: '整改尚未确认，现在公示？',
  publishEarlyText: '将以“发现问题待后续处理”公示；整改确认后可再更新为“发现问题经责令已改正”。',

  // notes
  notePending: `依据通知三(三)：监督检查任务完成之日起 ${PUBLICATION_WORKING_DAYS} 个工作日内录入监管平台并公示（谁检查、谁录入）。公示结果由检查结论决定，无需填写。`,
  notePublished: '公示登记已完成，无需再操作。',
  notePublishedPending: '整改确认后，请更新公示结果。',

  // toasts
  notFound: '找不到该检查任务，请联系市局联络员',
  void: '该任务已作废（抽取已重做），无需整改或公示',
  notConfirmer: (county: string, countyHasLiaison: boolean) =>
    countyHasLiaison
      ? `整改由${countyUnit(county)}到企业现场核实后确认（附件2），只有${countyUnit(county)}的联络员可以确认整改`
      : `${county}没有登记联络员：整改须由${countyUnit(county)}的联络员到企业现场核实后确认（附件2），市局不代为确认。请在执法检查人员名录库中登记该县区的联络员`,
  notPublisher: (county: string, countyHasLiaison: boolean) =>
    `按“谁检查、谁录入”，只有本检查组的组长、执法人员或${countyHasLiaison ? `${countyUnit(county)}的联络员` : '市局联络员（该县区没有登记联络员）'}可以登记公示`,
  notInvolved: '您不是该任务的检查组成员或联络员，无法查看',
  notReady: '检查记录尚未完成（可能已被组长重新打开），全体签字后才能整改确认或公示',
  stale: '检查记录已重新提交，这张卡片已失效，已刷新为最新状态',
  rectified: (result: string) => `整改已经县区现场确认，公示结果已变为“${result}”。卡片已刷新，请核对后再点“已录入并公示”`,
  noFindings: '该检查未发现问题，无需整改确认',
  alreadyConfirmed: (name: string, on: string) => `整改已由${name}于 ${on} 确认，无需重复确认`,
  alreadyPublished: (on: string, result: string) => `检查结果已于 ${on} 公示（${result}），无需重复登记`,
  notAmendable: '当前无需更新公示结果（需先公示为“发现问题待后续处理”并确认整改）',
  alreadyAmended: (result: string, on: string, name: string) => `公示结果已于 ${on} 由${name}更新为“${result}”，无需再次更新`,
  statusRequired: (no: number) => `请为第 ${no} 项选择现场核实的结果（已整改 / 未整改），再点“确认整改”`,
  notAllRectified: (nos: readonly number[]) =>
    `第 ${nos.join('、')} 项未整改：附件2 只在全部问题整改完成后出具，本次没有提交。整改完成后再确认；拒不整改的，请在“后续处置”中登记立案或移交`,
  doneRequired: (no: number) => `请填写第 ${no} 项的完成整改情况（现场核实的结果），再点“确认整改”`,
  doneTooLong: (no: number, length: number) => `第 ${no} 项的完成整改情况最多 ${MAX_DONE_LENGTH} 字，当前 ${length} 字，请精简`,
  opinionRequired: '请填写对整改完成情况的确认意见',
  opinionTooLong: (length: number) => `确认意见最多 ${MAX_OPINION_LENGTH} 字，当前 ${length} 字，请精简`,
  referenceTooLong: (length: number) => `公示位置最多 ${MAX_REFERENCE_LENGTH} 字，当前 ${length} 字，请精简`,
  badDate: '公示日期无法识别，请用日期选择器选择，或填写如 2026-03-20 的日期',
  futureDate: (today: string) => `公示日期不能晚于今天（${today}）：请在实际公示后再登记`,
  beforeCompletion: (earliest: string) => `公示日期不能早于检查完成日期（${earliest}），请选择实际公示的日期`,
  beforePublication: (earliest: string) => `更新日期不能早于首次公示日期（${earliest}）`,
  confirmedOk: (toPublish: boolean) => (toPublish ? '已确认整改并上报市局，请接着登记公示' : '已确认整改并上报市局'),
  publishedOk: (result: string, late: number) => `已登记公示：${result}${late > 0 ? `（逾期 ${late} 个工作日）` : ''}`,
  amendedOk: '已登记更新后的公示结果',

  // on the inspection record card and in /我的任务
  recordDue: (due: string) => `公示截止：${due}`,
  recordDueUnknown: '公示截止：暂无法确定（日历数据缺失）',
  recordPublished: (on: string, result: string) => `已于 ${on} 公示：${result}`,
  recordButton: '整改与公示',
  recordButtonPublished: '公示情况',
  taskDue: (due: string) => ` · 公示截止 ${due}`,

  // escalation report
  escTitle: '逾期事项报告',
  escIntro: (today: string, n: number) => `截至 ${today}，以下 ${n} 项检查的结果公示或整改确认已逾期，请督促相关县局办理：`,
  escPublication: '结果公示',
  escRectification: '整改确认',
  escNote: `结果公示逾期第 1 个工作日起报告，此后每 ${PUBLICATION_ESCALATE_EVERY} 个工作日报告一次；整改确认逾期第 ${RECTIFICATION_ESCALATE_AFTER} 个工作日起报告，此后每 ${RECTIFICATION_ESCALATE_EVERY} 个工作日一次。`,
  escMore: (n: number) => `另有 ${n} 项未列出。`,

  // calendar warning
  calTitle: '节假日日历需要更新',
  calIntro: (first: number, last: number) => `目前系统中只有 ${first}–${last} 年的法定节假日安排。`,
  calToday: (today: string) => `今天（${today}）所在年份没有日历数据，提醒暂按周一至周五（元旦、劳动节、国庆节除外）估算工作日。`,
  calTasks: (n: number) => `以下 ${n} 项检查的公示截止日期暂无法确定，公示提醒暂停：`,
  calTask: (name: string, county: string, completion: string, note: string) => `**${name}**（${county}，${completion} 完成）${note}`,
  // Sent to the 市局联络员, who imports the year in chat (bot/fileIntake.ts, kind 节假日安排; docs/interfaces.md).
  calAction:
    '国务院办公厅公布该年放假安排后，请在与我的单聊中把该年的**节假日安排**文件发给我（.csv 或 .xlsx；第1行表头为“日期,类型”，' +
    '每行一个与平常作息不同的日期，类型“休”为放假的工作日、“班”为调休上班的周末；一个文件是一整年），预览无误后点“确认导入”。' +
    '导入后“待定”的公示截止日期自动补算并通知相关人员，提醒随即恢复。',
  calMore: (n: number) => `另有 ${n} 项未列出。`,
} as const;

// ---- view models --------------------------------------------------------------------------------------------------

export interface FollowUpTaskView {
  summary: string;
  title: string;
  subtitle: string;
  color: HeaderColor;
  banner?: string;
  facts: string;
  sections: string[];
  confirmTable?: TableView;
  confirmText?: string;
  disposeForm?: {
    heading: string;
    kindLabel: string;
    caseNoLabel: string;
    caseDateLabel: string;
    toLabel: string;
    noteLabel: string;
    button: string;
    confirmTitle: string;
    confirmText: string;
    value: Value;
  };
  rectifyForm?: {
    heading: string;
    /** per item: `statusName` the 已整改 / 未整改 select, `name` the 完成整改情况 input */
    items: { issue: string; name: string; statusName: string; label: string }[];
    placeholder: string;
    statusPlaceholder: string;
    opinionLabel: string;
    opinion: string;
    button: string;
    confirmTitle: string;
    confirmText: string;
    value: Value;
  };
  publishForm?: {
    name: string;
    intro: string;
    dateLabel: string;
    datePlaceholder: string;
    referenceLabel: string;
    referencePlaceholder: string;
    button: string;
    buttonName: string;
    confirm?: { title: string; text: string };
    value: Value;
  };
  note: string;
}

declare module './cards' {
  interface CardViews {
    followupTask: FollowUpTaskView;
  }
}

export type FollowUpBanner =
  | { kind: 'toPublish' }
  | { kind: 'toRectify' }
  /** a liaison newly registered for the county: the tasks waiting for their 附件2 (operations/followup/handOver.ts) */
  | { kind: 'handover' }
  | { kind: 'confirmed' }
  | { kind: 'published' }
  | { kind: 'amended' }
  | { kind: 'disposed' }
  | { kind: 'reminder'; reminder: Reminder }
  | { kind: 'none' };

export interface FollowUpViewer {
  openId: string;
  /**
   * countyLiaisons: may publish and record 立案/移交 (the city bureau's where the county has none); they confirm a
   * rectification (附件2) only when they are the county's own (countyHasLiaison)
   */
  audience: { countyLiaisons: readonly string[]; cityLiaisons: readonly string[]; countyHasLiaison: boolean };
  /** YYYY-MM-DD (Asia/Shanghai) */
  today: string;
  banner: FollowUpBanner;
}

// ---- helpers -------------------------------------------------------------------------------------------------------

const ITEM_CHARS = 200;
const DONE_CHARS = 300;

function statusText(due: string, today: string): string {
  const s = dueStatus(due, today);
  if (s.stage === 'before') return FMSG.statusBefore(s.left);
  if (s.stage === 'due') return FMSG.statusDue;
  return FMSG.statusOverdue(s.overdue);
}

function headerOf(task: TaskDoc, banner: FollowUpBanner): { title: string; color: HeaderColor } {
  switch (banner.kind) {
    case 'toPublish':
      return { title: FMSG.titleToPublish, color: 'blue' };
    case 'toRectify':
      return { title: FMSG.titleToRectify, color: 'orange' };
    case 'handover':
      return { title: FMSG.titleHandover, color: 'orange' };
    case 'confirmed':
      return { title: FMSG.titleConfirmed, color: 'green' };
    case 'published':
      return { title: FMSG.titlePublished, color: 'turquoise' };
    case 'amended':
      return { title: FMSG.titleAmended, color: 'turquoise' };
    case 'disposed':
      return { title: FMSG.titleDisposed(task.disposal?.kind ?? ''), color: 'orange' };
    case 'reminder': {
      const r = banner.reminder;
      if (r.kind === 'pub-d5' || r.kind === 'pub-d2') return { title: FMSG.titleRemindBefore(r.left), color: 'wathet' };
      if (r.kind === 'pub-due') return { title: FMSG.titleRemindDue, color: 'orange' };
      if (r.kind === 'pub-overdue') return { title: FMSG.titleRemindOverdue(r.overdue), color: 'red' };
      if (r.kind === 'rect-d2') return { title: FMSG.titleRectBefore(r.left), color: 'wathet' };
      if (r.kind === 'rect-due') return { title: FMSG.titleRectDue, color: 'orange' };
      return { title: FMSG.titleRectOverdue, color: 'red' };
    }
    case 'none':
      return { title: FMSG.titleView, color: task.state === '已公示' ? 'turquoise' : task.state === '待整改' ? 'orange' : 'blue' };
  }
}

function bannerText(task: TaskDoc, banner: FollowUpBanner): string | undefined {
  const pub = task.publication;
  const check = task.rectificationCheck;
  const lines: string[] = [];
  switch (banner.kind) {
    case 'toPublish':
      if (task.closure?.status === 'confirmed') lines.push(FMSG.bannerToPublishClosure(task.closure.result ?? ''));
      else if (task.disposal) lines.push(FMSG.bannerToPublishDisposed(task.disposal.kind));
      else lines.push(FMSG.bannerToPublish);
      break;
    case 'toRectify':
      lines.push(FMSG.bannerToRectify);
      break;
    case 'handover':
      lines.push(FMSG.bannerHandover(md(task.enterprise.county)));
      break;
    case 'confirmed':
      if (check) lines.push(FMSG.bannerConfirmed(md(check.confirmedByName), check.confirmedOn));
      if (task.state === '待公示') lines.push(FMSG.bannerConfirmedToPublish);
      else if (pub?.result === '发现问题待后续处理') lines.push(FMSG.bannerConfirmedToAmend);
      break;
    case 'published':
      if (pub?.publishedOn) lines.push(FMSG.bannerPublished(md(pub.publishedByName ?? ''), pub.publishedOn, pub.amended?.from ?? pub.result ?? ''));
      break;
    case 'amended':
      if (pub?.amended) lines.push(FMSG.bannerAmended(md(pub.amended.byName), pub.amended.on, pub.result ?? ''));
      break;
    case 'disposed':
      if (task.disposal) lines.push(FMSG.bannerDisposed(md(task.disposal.byName), task.disposal.kind, disposalDetail(task)));
      break;
    case 'reminder': {
      const r = banner.reminder;
      if (r.kind === 'pub-d5' || r.kind === 'pub-d2') lines.push(FMSG.bannerRemindBefore(r.left, r.deadline));
      else if (r.kind === 'pub-due') lines.push(FMSG.bannerRemindDue(r.deadline));
      else if (r.kind === 'pub-overdue') lines.push(FMSG.bannerRemindOverdue(r.overdue, r.deadline));
      else if (r.kind === 'rect-d2') lines.push(FMSG.bannerRectBefore(r.left, r.deadline));
      else if (r.kind === 'rect-due') lines.push(FMSG.bannerRectDue(r.deadline));
      else lines.push(FMSG.bannerRectOverdue(r.overdue, r.deadline));
      if (r.statedDeadline) lines.push(FMSG.bannerRectExtended(r.statedDeadline, r.deadline));
      if (r.subject === 'publication' && task.state === '待整改') lines.push(FMSG.bannerRemindUnconfirmed);
      if (r.escalate) lines.push(FMSG.bannerEscalated);
      break;
    }
    case 'none':
      break;
  }
  if (pub && !pub.dueDate && pub.dueNote && !pub.publishedOn) lines.push(FMSG.bannerDueUnknown(pub.dueNote));
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function disposalDetail(task: TaskDoc): string {
  const d = task.disposal;
  if (!d) return '';
  return d.kind === '立案' ? FMSG.caseDetail(md(d.caseNo ?? ''), d.caseDate ?? '') : FMSG.transferDetail(md(d.transferTo ?? ''));
}

function factsText(task: TaskDoc, today: string): string {
  const rec = task.inspection;
  const pub = task.publication;
  const rect = rec?.rectification;
  const closure = task.closure?.status === 'confirmed' ? task.closure : undefined;
  const result = closure ? '' : (rec?.result ?? '');
  const lines: string[] = [];
  if (closure) {
    lines.push(FMSG.factClosure(closure.result ?? '', closure.confirmedOn ?? ''));
    if (closure.note) lines.push(FMSG.factClosureNote(md(clip(closure.note, 300))));
    const credit = resultByCode(closure.code)?.credit;
    if (credit) lines.push(FMSG.factCredit(credit));
  } else {
    lines.push(FMSG.factResult(result, result === '发现问题' ? (rect?.items.length ?? 0) : 0, task.state));
  }
  const completion = completionDateOf(task);
  if (completion) lines.push(FMSG.factCompletion(completion));
  if (pub?.publishedOn) {
    if (pub.dueDate) lines.push(FMSG.factDuePublished(pub.dueDate));
  } else if (pub?.dueDate) lines.push(FMSG.factDue(pub.dueDate, statusText(pub.dueDate, today)));
  else if (pub?.dueNote) lines.push(FMSG.factDueUnknown);
  if (result === '发现问题' && rect) {
    let line = FMSG.factRectification(rect.deadline, rect.days);
    if (task.rectificationCheck) line += FMSG.factRectConfirmed(task.rectificationCheck.confirmedOn);
    else if (task.disposal) line = '';
    else if (today > periodEnd(rect.deadline)) line += FMSG.factRectOverdue(workingDaysBetweenLenient(periodEnd(rect.deadline), today));
    if (line) lines.push(line);
  }
  if (task.disposal) lines.push(FMSG.factDisposal(task.disposal.kind, disposalDetail(task), task.disposal.on));
  return lines.join('\n');
}

function publicationText(task: TaskDoc): string | undefined {
  const pub = task.publication;
  if (!pub?.publishedOn) return undefined;
  const late = pub.dueDate && pub.publishedOn > pub.dueDate ? workingDaysBetweenLenient(pub.dueDate, pub.publishedOn) : 0;
  const lines = [FMSG.pubHeading, FMSG.pubDate(pub.publishedOn, pub.dueDate, late), FMSG.pubResult(pub.result ?? ''), FMSG.pubBy(md(pub.publishedByName ?? ''))];
  if (pub.reference) lines.push(FMSG.pubReference(md(pub.reference)));
  if (pub.amended) {
    lines.push(FMSG.pubAmended(pub.amended.from, pub.amended.on, md(pub.amended.byName)));
    if (pub.amended.reference) lines.push(FMSG.pubReference(md(pub.amended.reference)));
  }
  return lines.join('\n');
}

// ---- the task card ------------------------------------------------------------------------------------------------

/** The follow-up of one task for one viewer (state-entry notices, reminders, callback answers). */
export function followUpCard(task: TaskDoc, viewer: FollowUpViewer): CardJson {
  const rec = task.inspection;
  const id = String(task._id);
  const round = rec?.round ?? 0;
  const rect = rec?.rectification;
  const findings = rec?.result === '发现问题' && rect !== undefined;
  const check = task.rectificationCheck;
  const pub = task.publication;
  const { title, color } = headerOf(task, viewer.banner);

  const sections: string[] = [];
  if (findings && !check && !task.disposal) {
    sections.push([FMSG.itemsHeading, ...rect.items.map((it, i) => FMSG.itemLine(i + 1, md(clip(it.record || it.content, ITEM_CHARS)), it.no))].join('\n'));
  }
  const published = publicationText(task);
  if (published) sections.push(published);

  const canConfirm = mayConfirmRectification(viewer.openId, viewer.audience.countyHasLiaison ? viewer.audience.countyLiaisons : []);
  const canDispose = mayDispose(viewer.openId, viewer.audience.countyLiaisons);
  const canPublish = mayPublish(viewer.openId, task.team, viewer.audience.countyLiaisons);
  const confirmable = findings && !check && !task.disposal && (task.state === '待整改' || task.state === '已公示');
  const disposable = confirmable && (task.state === '待整改' || pub?.result === '发现问题待后续处理');
  const publishable = (task.state === '待公示' || task.state === '待整改') && !pub?.publishedOn && isComplete(task);
  const amendable = task.state === '已公示' && pub?.result === '发现问题待后续处理' && check !== undefined;
  // Nobody can confirm this rectification until the county has a 联络员: everyone who sees the card is told so.
  if (confirmable && !viewer.audience.countyHasLiaison) sections.push(FMSG.noCountyLiaison(md(task.enterprise.county)));

  let publishForm: FollowUpTaskView['publishForm'];
  if (canPublish && publishable) {
    const label = resultToPublish(task)?.label ?? publishedResultLabel(rec?.result, Boolean(check));
    publishForm = {
      name: 'publish_form',
      intro: FMSG.publishIntro(label),
      dateLabel: FMSG.publishDateLabel,
      datePlaceholder: FMSG.datePlaceholder,
      referenceLabel: FMSG.referenceLabel,
      referencePlaceholder: FMSG.referencePlaceholder,
      button: FMSG.publishButton,
      buttonName: 'btn_publish',
      confirm: task.state === '待整改' ? { title: FMSG.publishEarlyTitle, text: FMSG.publishEarlyText } : undefined,
      // The state the card showed decides the result label shown; a change meanwhile makes the click stale.
      value: { a: 'fu.publish', task: id, round, st: task.state },
    };
  } else if (canPublish && amendable) {
    publishForm = {
      name: 'amend_form',
      intro: FMSG.amendIntro(publishedResultLabel('发现问题', true)),
      dateLabel: FMSG.amendDateLabel,
      datePlaceholder: FMSG.datePlaceholder,
      referenceLabel: FMSG.referenceLabel,
      referencePlaceholder: FMSG.referencePlaceholder,
      button: FMSG.amendButton,
      buttonName: 'btn_amend',
      value: { a: 'fu.amend', task: id, round },
    };
  }

  let note: string = FMSG.notePending;
  if (task.state === '已公示') note = pub?.result === '发现问题待后续处理' ? FMSG.notePublishedPending : FMSG.notePublished;

  return renderCard('followupTask', {
    summary: `${title}：${task.enterprise.name}`,
    title,
    subtitle: task.enterprise.name,
    color,
    banner: bannerText(task, viewer.banner),
    facts: factsText(task, viewer.today),
    sections,
    confirmTable: check
      ? {
          pageSize: Math.min(10, Math.max(1, check.items.length)),
          columns: [
            { name: 'no', title: '序号' },
            { name: 'issue', title: '需整改问题' },
            { name: 'done', title: '完成整改情况' },
            { name: 'by', title: '县局监管确认' },
          ],
          rows: check.items.map((it) => ({
            no: String(it.no),
            issue: clip(it.issue, ITEM_CHARS),
            done: clip(it.done, DONE_CHARS),
            by: check.confirmedByName,
          })),
        }
      : undefined,
    confirmText: check
      ? [FMSG.confirmHeading, FMSG.confirmOpinion(md(check.opinion)), FMSG.confirmBy(md(check.confirmedByName), md(check.confirmedByUnit ?? ''), check.confirmedOn)].join('\n')
      : undefined,
    rectifyForm:
      canConfirm && confirmable
        ? {
            heading: FMSG.rectifyHeading,
            items: rect.items.map((it, i) => ({
              issue: FMSG.rectifyIssue(i + 1, md(clip(it.record || it.content, ITEM_CHARS))),
              name: `done_${i + 1}`,
              statusName: `status_${i + 1}`,
              label: FMSG.rectifyDoneLabel(i + 1),
            })),
            placeholder: FMSG.rectifyDonePlaceholder,
            statusPlaceholder: FMSG.rectifyStatusPlaceholder,
            opinionLabel: FMSG.rectifyOpinionLabel,
            opinion: RECTIFICATION_OPINION,
            button: FMSG.rectifyButton,
            confirmTitle: FMSG.rectifyConfirmTitle,
            confirmText: FMSG.rectifyConfirmText,
            value: { a: 'fu.rectify', task: id, round },
          }
        : undefined,
    disposeForm:
      canDispose && disposable
        ? {
            heading: FMSG.disposeHeading,
            kindLabel: FMSG.disposeKindLabel,
            caseNoLabel: FMSG.disposeCaseNoLabel,
            caseDateLabel: FMSG.disposeCaseDateLabel,
            toLabel: FMSG.disposeToLabel,
            noteLabel: FMSG.disposeNoteLabel,
            button: FMSG.disposeButton,
            confirmTitle: FMSG.disposeConfirmTitle,
            confirmText: FMSG.disposeConfirmText,
            value: { a: 'fu.dispose', task: id, round },
          }
        : undefined,
    publishForm,
    note,
  });
}

// ---- escalation report -----------------------------------------------------------------------------------------------

export interface EscalationRow {
  task: TaskDoc;
  reminder: Reminder;
  /** names of those responsible */
  responsible: string[];
}

const ESCALATION_ROWS = 50;

export function escalationCard(rows: readonly EscalationRow[], today: string): CardJson {
  const shown = rows.slice(0, ESCALATION_ROWS);
  return renderCard('report', {
    title: FMSG.escTitle,
    color: 'red',
    sections: [
      {
        text: FMSG.escIntro(today, rows.length),
        table: {
          pageSize: Math.min(10, Math.max(1, shown.length)),
          columns: [
            { name: 'name', title: '企业' },
            { name: 'county', title: '县区' },
            { name: 'what', title: '逾期事项' },
            { name: 'deadline', title: '期限' },
            { name: 'overdue', title: '逾期工作日' },
            { name: 'who', title: '责任人' },
          ],
          rows: shown.map((r) => ({
            name: r.task.enterprise.name,
            county: r.task.enterprise.county,
            what: r.reminder.subject === 'publication' ? FMSG.escPublication : FMSG.escRectification,
            deadline: r.reminder.deadline,
            overdue: String(r.reminder.overdue),
            who: r.responsible.join('、'),
          })),
        },
      },
      ...(rows.length > shown.length ? [{ text: FMSG.escMore(rows.length - shown.length) }] : []),
    ],
    note: FMSG.escNote,
  });
}

// ---- calendar data warning ----------------------------------------------------------------------------------------------

const CALENDAR_TASKS = 30;

export function calendarWarningCard(unknown: readonly TaskDoc[], today: string, todayEstimated: boolean): CardJson {
  const info = calendarDataInfo();
  const paragraphs = [FMSG.calIntro(info.years[0] ?? 0, info.years[info.years.length - 1] ?? 0)];
  if (todayEstimated) paragraphs.push(FMSG.calToday(today));
  const sections: { text: string }[] = [{ text: paragraphs.join('\n') }];
  if (unknown.length > 0) {
    const lines = unknown
      .slice(0, CALENDAR_TASKS)
      .map((t) => `- ${FMSG.calTask(md(t.enterprise.name), t.enterprise.county, completionDateOf(t) ?? '', t.publication?.dueNote ?? '')}`);
    if (unknown.length > CALENDAR_TASKS) lines.push(FMSG.calMore(unknown.length - CALENDAR_TASKS));
    sections.push({ text: [FMSG.calTasks(unknown.length), ...lines].join('\n') });
  }
  sections.push({ text: FMSG.calAction });
  return renderCard('report', { title: FMSG.calTitle, color: 'orange', sections });
}
