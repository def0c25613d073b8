/**
 * Cards of 无法正常检查 (operations/closure): the form a team member fills in (reason from the result dictionary,
 * 情况说明, evidence sent as pictures or documents), the 组长's confirmation, the returned draft and the confirmed
 * result. Rendered from the stored task for one viewer.
 *
 * Callback values:
 *   close.open    {task}   无法正常检查 (item card, summary, task card): this form
 *   close.submit  {task}   提交组长确认 (form `closure_form`: reason, note)
 *   close.cancel  {task}   取消 (drops the draft)
 *   close.confirm {task}   确认无法检查 (form `closure_decide_form`)
 *   close.return  {task}   退回补充 (form `closure_decide_form`: return_reason)
 */
import { CLOSURE_RESULTS, resultByCode } from '../domain/results';
import { isLeader } from '../domain/inspection';
import type { TaskDoc } from '../store/task';
import { md, renderCard, type ButtonView, type CardJson, type HeaderColor } from './cards';
import { dateTime } from './format';

type Value = ButtonView['value'];

export interface ClosureView {
  summary: string;
  title: string;
  subtitle: string;
  color: HeaderColor;
  banner?: string;
  facts: string;
  evidence: string;
  draftForm?: {
    options: { text: string; value: string }[];
    initial?: string;
    note?: string;
    placeholder: string;
    button: string;
    confirmTitle: string;
    confirmText: string;
    value: Value;
  };
  decideForm?: { confirm: Value; return: Value; confirmText: string };
  buttons?: ButtonView[];
  note: string;
}

declare module './cards' {
  interface CardViews {
    closure: ClosureView;
  }
}

export const CMSG = {
  titleDraft: '无法正常检查',
  titleProposed: '无法检查 · 待组长确认',
  titleConfirmed: '无法检查 · 已确认',
  intro:
    '企业无法按检查表正常检查时在此登记：①把现场照片或相关文件（如注销证明）直接发给我，作为证据（至少 1 份）；②选择原因并填写情况说明；③提交组长确认。',
  evidenceNone: '**证据**：尚无。请把现场照片或文件直接发给我。',
  evidenceHeading: (photos: number, files: number) => `**证据**：照片 ${photos} 张、文件 ${files} 份`,
  evidenceLine: (what: string, by: string, at: string) => `- ${what} · ${by} · ${at}`,
  evidencePhoto: '照片',
  evidenceFile: (name: string) => `文件“${name}”`,
  evidenceMore: (n: number) => `- 另有 ${n} 份未列出`,
  facts: (name: string, county: string, licence: string, address: string) =>
    `**企业**：${name}（${county}）\n**许可证编号**：${licence}\n**生产地址**：${address}`,
  reason: (label: string) => `**原因**：${label}`,
  note: (note: string) => `**情况说明**：${note}`,
  proposedBy: (name: string, at: string) => `**登记人**：${name}（${at}）`,
  confirmedBy: (name: string, on: string) => `**组长确认**：${name}（${on}）`,
  credit: (what: string) => `⚠️ **需后续处理**：${what}（县局按规定办理，附件5 和 /导出 中已标注）`,
  placeholder: '写明到访时间、地点和看到的情况，例如：5月6日上午到登记地址，厂房已出租给他人，电话无人接听',
  submit: '提交组长确认',
  submitConfirmTitle: '提交无法正常检查？',
  submitConfirmText: '将交组长确认；确认后以所选原因作为检查结果，20 个工作日内录入公示。',
  submitLeaderText: '您是组长，提交即确认；以所选原因作为检查结果，20 个工作日内录入公示。',
  cancel: '取消登记',
  back: '返回检查',
  noteDraft: '组长确认后任务结束，结果按所选原因公示；退回的可补充后再提交。',
  askBanner: (name: string) => `**${name}** 登记该企业无法正常检查，请核对证据和情况说明后确认或退回。`,
  askNoLeader: '本组没有组长，由市局联络员确认。',
  waitLeader: '已提交，等待组长确认。',
  returnedByYouBanner: (reason: string, name: string) => `您已退回：${reason}\n等待 **${name}** 补充证据或修改说明后重新提交。`,
  returnedBanner: (name: string, reason: string) => `组长 **${name}** 退回了无法检查登记：${reason}\n请补充证据或修改说明后重新提交。`,
  confirmedBanner: (label: string, on: string) => `该企业无法正常检查，检查结果为“**${label}**”，${on} 确认；请自确认之日起 20 个工作日内录入并公示。`,
  decideConfirmText: '确认后任务结束，以所选原因作为检查结果，自今天起 20 个工作日内录入公示。',
  noteProposed: '组长确认后，县区联络员会收到公示登记卡片。',
  noteConfirmed: '公示登记见“整改与公示”卡片；/导出 可获取情况记录（Word）。',
  // toasts
  notFound: '找不到该检查任务，请发送 /我的任务 查看',
  notMember: '您不是该任务检查组成员，不能操作',
  notAllowed: '您无权进行此操作',
  void: '该任务已作废（抽取已重做），无需检查',
  notClosable: (state: string) => `任务当前状态为“${state}”，检查记录已提交，不能再登记无法检查（如需更改请组长重新打开）`,
  noDraft: '登记已取消或已处理，请重新点“无法正常检查”',
  proposed: (name: string) => `已由${name}提交，等待组长确认`,
  awaitingResubmit: (name: string) => `已退回，等待${name}补充后重新提交`,
  notProposed: '该登记已处理或已退回，无需操作',
  confirmed: '该企业已确认无法检查，任务已结束',
  reasonRequired: '请选择无法正常检查的原因',
  badReason: '原因不在可选范围内，请从下拉列表中选择',
  noteRequired: '请填写情况说明',
  noteTooLong: (n: number) => `情况说明最多 1000 字，当前 ${n} 字，请精简`,
  noEvidence: '还没有证据：请先把现场照片或文件发给我（至少 1 份），再提交',
  returnReasonRequired: '退回时请填写退回原因',
  returnReasonTooLong: '退回原因最多 200 字',
  stale: '卡片不是最新状态，已刷新，请重新操作',
  submittedOk: '已提交，等待组长确认',
  confirmedOk: '已确认，任务结束，请按期录入公示',
  returnedOk: '已退回，登记人会收到通知',
  cancelledOk: '已取消登记',
  evidenceSaved: (name: string, n: number) => `已作为 **${name}** 无法检查登记的证据（共 ${n} 份）。`,
  evidenceSavedTitle: '证据已保存',
  backToForm: '返回登记',
} as const;

const EVIDENCE_LINES = 10;

function evidenceText(task: TaskDoc): string {
  const ev = task.closure?.evidence ?? [];
  if (ev.length === 0) return CMSG.evidenceNone;
  const photos = ev.filter((e) => e.kind === 'image').length;
  const lines = ev
    .slice(0, EVIDENCE_LINES)
    .map((e) => CMSG.evidenceLine(e.kind === 'image' ? CMSG.evidencePhoto : CMSG.evidenceFile(md(e.name ?? '')), md(e.byName), dateTime(e.at)));
  if (ev.length > EVIDENCE_LINES) lines.push(CMSG.evidenceMore(ev.length - EVIDENCE_LINES));
  return [CMSG.evidenceHeading(photos, ev.length - photos), ...lines].join('\n');
}

function factsText(task: TaskDoc): string {
  const e = task.enterprise;
  const c = task.closure;
  const lines = [CMSG.facts(md(e.name), md(e.county), md(e.licenceNo), md(e.address))];
  if (c && c.status !== 'draft') {
    if (c.result) lines.push(CMSG.reason(c.result));
    if (c.note) lines.push(CMSG.note(md(c.note)));
    if (c.proposedByName && c.proposedAt) lines.push(CMSG.proposedBy(md(c.proposedByName), dateTime(c.proposedAt)));
    if (c.status === 'confirmed' && c.confirmedByName) lines.push(CMSG.confirmedBy(md(c.confirmedByName), c.confirmedOn ?? ''));
    const credit = resultByCode(c.code)?.credit;
    if (credit) lines.push(CMSG.credit(credit));
  }
  return lines.join('\n');
}

/**
 * The closure of a task for one viewer. `banner`: why it was sent (ask = to the 组长, returned = to the proposer,
 * confirmed = to the team and the liaisons). `canConfirm`: the viewer decides (default: the team's 组长).
 */
export function closureCard(task: TaskDoc, viewer: string, banner: 'none' | 'ask' | 'returned' | 'confirmed' = 'none', canConfirm?: boolean): CardJson {
  const c = task.closure;
  const id = String(task._id);
  const member = task.team.some((m) => m.openId === viewer);
  const leader = isLeader(task.team, viewer);
  const decide = canConfirm ?? (leader || (banner === 'ask' && !task.team.some((m) => m.role === '组长')));
  const status = c?.status ?? 'draft';
  const title = status === 'confirmed' ? CMSG.titleConfirmed : status === 'proposed' ? CMSG.titleProposed : CMSG.titleDraft;
  const color: HeaderColor = status === 'confirmed' ? 'grey' : status === 'proposed' ? 'orange' : 'yellow';
  // the one who returned a member's registration: it waits for that member (proposeClosure refuses it from them)
  const lastReturn = status === 'draft' ? c?.returns.at(-1) : undefined;
  const returnedByViewer = Boolean(lastReturn && lastReturn.by === viewer && c?.proposedBy && c.proposedBy !== viewer);
  const banners: string[] = [];
  if (status === 'draft' && !returnedByViewer) banners.push(CMSG.intro);
  if (banner === 'ask' && c?.proposedByName) banners.push(CMSG.askBanner(md(c.proposedByName)));
  if (banner === 'ask' && !task.team.some((m) => m.role === '组长')) banners.push(CMSG.askNoLeader);
  if (lastReturn && returnedByViewer) banners.push(CMSG.returnedByYouBanner(md(lastReturn.reason), md(c?.proposedByName ?? '')));
  else if (lastReturn) banners.push(CMSG.returnedBanner(md(lastReturn.byName), md(lastReturn.reason)));
  if (status === 'confirmed' && c?.result) banners.push(CMSG.confirmedBanner(c.result, c.confirmedOn ?? ''));
  if (status === 'proposed' && !decide) banners.push(CMSG.waitLeader);

  const buttons: ButtonView[] = [];
  if (status === 'draft' && member) {
    buttons.push({ text: CMSG.back, type: 'default', value: { a: 'insp.start', task: id } });
    buttons.push({ text: CMSG.cancel, type: 'danger', value: { a: 'close.cancel', task: id } });
  }
  return renderCard('closure', {
    summary: `${title}：${task.enterprise.name}`,
    title,
    subtitle: task.enterprise.name,
    color,
    banner: banners.length > 0 ? banners.join('\n') : undefined,
    facts: factsText(task),
    evidence: evidenceText(task),
    draftForm:
      status === 'draft' && member && !returnedByViewer
        ? {
            options: CLOSURE_RESULTS.map((r) => ({ text: r.hint ? `${r.label}（${r.hint}）` : r.label, value: r.code })),
            initial: c?.code,
            note: c?.note,
            placeholder: CMSG.placeholder,
            button: CMSG.submit,
            confirmTitle: CMSG.submitConfirmTitle,
            confirmText: leader ? CMSG.submitLeaderText : CMSG.submitConfirmText,
            value: { a: 'close.submit', task: id },
          }
        : undefined,
    decideForm:
      status === 'proposed' && decide
        ? { confirm: { a: 'close.confirm', task: id }, return: { a: 'close.return', task: id }, confirmText: CMSG.decideConfirmText }
        : undefined,
    buttons,
    note: status === 'confirmed' ? CMSG.noteConfirmed : status === 'proposed' ? CMSG.noteProposed : CMSG.noteDraft,
  });
}

export function evidenceSavedCard(task: TaskDoc, count: number): CardJson {
  return renderCard('message', {
    title: CMSG.evidenceSavedTitle,
    color: 'green',
    paragraphs: [CMSG.evidenceSaved(md(task.enterprise.name), count)],
    buttons: [{ text: CMSG.backToForm, type: 'primary', value: { a: 'close.open', task: String(task._id) } }],
  });
}
