/**
 * The steps not answered: numbers are the form's items (第2、5项); a step of an extra checklist comes as
 * `<name>#<序号>` (“<name>”第1、3项), grouped by checklist.
 */
function missingText(missing: readonly (number | string)[]): string {
  const parts: string[] = [];
  const form = missing.filter((m): m is number => typeof m === 'number');
  if (form.length > 0) parts.push(`第${form.join('、')}项`);
  const extras = new Map<string, string[]>();
  for (const m of missing) {
    if (typeof m !== 'string') continue;
    const i = m.lastIndexOf('#');
    const name = m.slice(0, i);
    extras.set(name, [...(extras.get(name) ?? []), m.slice(i + 1)]);
  }
  for (const [name, nos] of extras) parts.push(`“${name}”第${nos.join('、')}项`);
  return parts.join('、');
}

/** Every sentence of the inspection checklist (issue 4) in chat, in one place (Simplified Chinese, short for phones). */
export const IMSG = {
  // ---- refusals (toasts) ------------------------------------------------------------------------------------
  notFound: '找不到该检查任务，请发送 /我的任务 查看',
  notMember: '您不是该任务检查组成员，不能操作此检查',
  void: '该任务已作废（抽取已重做），无需检查',
  notStarted: '检查尚未开始，请先点“开始检查”',
  submitted: '检查结果已提交，不能再修改；如需修改，请组长重新打开',
  published: '检查结果已公示，不能再修改',
  stale: '卡片不是最新进度，已为您刷新，请重新操作',
  staleAnswer: (item: number, verdict: string, byName: string) =>
    `第${item}项已由${byName}记录为“${verdict}”，您的选择未覆盖它（已留存备查）。卡片已刷新`,
  recordRequired: '选择“不符合”时必须填写检查记录',
  recordTooLong: (length: number) => `检查记录最多 1000 字，当前 ${length} 字，请精简后再提交`,
  representativeRequired: '请填写企业代表姓名后再提交',
  representativeTooLong: '企业代表姓名最多 40 字',
  incomplete: (missing: readonly (number | string)[]) => `还有${missingText(missing)}未检查，请全部完成后再提交`,
  badDays: '整改期限请填写 1–365 之间的整数天数，例如 15',
  notLeader: '只有本组组长可以重新打开检查',
  noLeader: '本组没有组长，无法重新打开，请联系市局联络员',
  reasonRequired: '请填写重新打开的原因',
  reasonTooLong: '原因最多 200 字',
  notSigning: '检查记录已重新打开或已更新，这张签字卡片已失效，已刷新为最新状态',
  alreadySigned: '您已签字，无需重复确认',

  // ---- confirmations (toasts) -------------------------------------------------------------------------------
  started: (n: number) => `已开始检查，共 ${n} 项`,
  saved: (item: number, verdict: string) => `已保存第${item}项：${verdict}`,
  savedExtra: (name: string, no: number, verdict: string) => `已保存“${name}”第${no}项：${verdict}`,
  /** appended when a 符合 came with the unchanged record of the 不符合 it replaced (answerItem.ts save) */
  recordNotCarried: '（原“不符合”的检查记录未沿用，仍保留在修改记录中；如需备注请重新填写）',
  submittedOk: (waiting: number) => (waiting > 0 ? `已提交，等待其他 ${waiting} 位成员确认签字` : '已提交，检查记录已完成'),
  signedOk: (waiting: number) => (waiting > 0 ? `已签字，还差 ${waiting} 位成员` : '已签字，检查记录已完成'),
  reopenedOk: '已重新打开，修改后请重新提交',

  // ---- checklist item card ----------------------------------------------------------------------------------
  itemHeading: (k: number, n: number, answered: number) => `**第 ${k}/${n} 项**　已记录 ${answered}/${n}`,
  currentAnswer: (verdict: string, byName: string, at: string) => `当前结论：**${verdict}**（${byName}，${at}）`,
  itemPhotos: (count: number) => `本项已附照片 ${count} 张`,
  recordLabel: '检查记录',
  recordPlaceholder: '选“不符合”时必填；选“符合”可不填',
  back: '上一项',
  forward: '下一项',
  itemHint: '点“符合”或“不符合”即保存本项并进入下一项。现场照片直接发给我，会附在当前项。企业无法正常检查（无法联系、停业、拒绝检查等）时点“无法正常检查”。',
  extraHeading: (name: string) => `**进一次门，查多项事：${name}**`,
  extraSubtitle: (name: string) => `进一次门，查多项事：${name}`,
  extraItemHeading: (name: string, no: number, of: number, answered: number, total: number) =>
    `**${name}** 第 ${no}/${of} 项　本次检查已记录 ${answered}/${total}`,
  closeButton: '无法正常检查',
  signaturePageButton: '上传签字页',
  signaturePagesLine: (n: number, by: string, at: string) => `**签字页**：已上传 ${n} 张（最近：${by}，${at}）`,
  signaturePageTitle: '请发送签字页',
  signaturePageText: (name: string, until: string) =>
    `请拍摄 **${name}** 已签字盖章的纸质文书（附件1、附件3/附件4 等）发给我。${until} 前发来的照片都作为签字页附在检查记录上。`,
  signaturePageSavedTitle: '签字页已保存',
  signaturePageSaved: (name: string, n: number) => `已作为 **${name}** 检查记录的签字页（共 ${n} 张）。`,
  fileNotKept: '文件未保存：只有在“无法正常检查”登记中（作为证据）或点了“上传签字页”之后发来的文件才会保存。',
  fileNotKeptTitle: '文件未保存',
  closureFull: '证据已达 30 份上限，未再保存。',
  closing: '已登记无法正常检查，等待组长确认；如需继续检查，请组长退回登记',
  windowTitle: '不在检查时间内',
  windowText: (from: string, to: string) => `本专项的检查时间为 **${from} 至 ${to}**（通知“检查时间”），今天不在其内。`,
  windowLeader: '如确需今天检查，请填写原因后开始；原因记入检查记录，市局可查。',
  windowOthers: (leader: string) => `需由组长${leader ? ` ${leader} ` : ''}填写原因后才能开始，请联系组长。企业无法正常检查的，可点“无法正常检查”登记。`,
  windowReasonLabel: '在检查时间外开始检查的原因（组长填写）',
  windowReasonPlaceholder: '例如：企业10月底停产检修，经市局同意提前检查',
  windowButton: '说明原因并开始检查',
  windowNote: '检查时间外开始的检查，原因和填写人会记入检查记录。',
  outsideWindowToast: (from: string, to: string) => `今天不在检查时间（${from} 至 ${to}）内，需组长填写原因`,
  windowRecorded: (reason: string, by: string) => `检查时间外开始：${reason}（${by}）`,

  // ---- summary / record card --------------------------------------------------------------------------------
  summaryIntroDone: (n: number, result: string, ng: number) =>
    `**${n} 项已全部检查**　结论：**${result}**${ng > 0 ? `（${ng} 项不符合）` : ''}\n请核对后填写企业代表姓名，提交检查结果。`,
  summaryIntroMissing: (missing: readonly (number | string)[]) => `**还有${missingText(missing)}未检查**，完成后才能提交。`,
  summaryNote: '提交后不能再修改（需组长重新打开）；其他成员会收到“确认签字”卡片。',
  itemLine: (no: number, verdict: string, content: string) => `**${no}. ${verdict}**　${content}`,
  itemMissing: (no: number, content: string) => `**${no}. 未检查**　${content}`,
  itemRecord: (record: string) => `检查记录：${record}`,
  itemPhotoCount: (count: number) => `照片 ${count} 张`,
  edit: '修改',
  answerNow: '去检查',
  photosHeading: (count: number) => `**现场照片**（${count} 张）`,
  photoLine: (where: string, byName: string, at: string) => `${where} · ${byName} · ${at}`,
  photoWhereItem: (item: number) => `第${item}项`,
  photoWhereAll: '整体',
  photosMore: (count: number) => `另有 ${count} 张未列出`,
  recordState: (state: string, result: string) => `**状态：${state}**　结论：**${result}**`,
  recordMeta: (representative: string, date: string, submitter: string) =>
    `企业代表：${representative}　检查完成日期：${date}\n提交人：${submitter}`,
  recordDeadline: (days: number, deadline: string) => `整改期限：${days} 天（至 ${deadline}）`,
  signRequest: '**请核对检查记录，无误后点击“确认签字”。**如有异议，请联系组长重新打开检查修改后再签。',
  signReminder: (submitted: string, days: number) =>
    `**签字提醒：检查记录已于 ${submitted} 提交，等待您确认签字（已 ${days} 个工作日）。**全体签字后检查才算完成，而 20 个工作日的公示期限已从提交之日起算。核对无误后点击“确认签字”；如有异议，请联系组长重新打开检查。`,
  completedBanner: '**检查记录已完成，全体成员已签字。**',
  signaturesHeading: (signed: number, total: number) => `**检查组签字**（${signed}/${total}）`,
  signedLine: (name: string, role: string, at: string) => `✅ ${name}（${role}）${at}`,
  unsignedLine: (name: string, role: string) => `⏳ ${name}（${role}）待签字`,
  reopensLine: (count: number, last: string) => `已重新打开 ${count} 次，最近一次原因：${last}`,
  noteSigning: '全体成员签字后检查记录即完成。',
  notePending: '检查记录已完成，待公示。',
  noteRectify: '意见汇总表已发送县局联络员和检查组，待企业整改。',
  notePublished: '检查结果已公示。',

  // ---- 附件1 --------------------------------------------------------------------------------------------------
  noticeTitle: '意见汇总表（附件1）',
  noticeFields: (name: string, product: string, licence: string, validity: string) =>
    `**企业名称**：${name}\n**获证产品**：${product}\n**许可证号**：${licence}\n**有效期起止**：${validity}`,
  noticeItem: (i: number, record: string, no: number, content: string) => `**${i}.** ${record}\n（检查项第${no}项：${content}）`,
  noticeDeadline: (deadline: string) => `整改期限至 **${deadline}**。`,
  noticeSignatures: (team: string, representative: string, date: string) =>
    `**检查组签字**：${team}\n**企业代表签字**：${representative}\n**日期**：${date}`,
  noticeSigner: (name: string, role: string, date: string) => `${name}（${role}，${date}）`,
  viewRecord: '查看检查记录',

  // ---- /我的任务 ----------------------------------------------------------------------------------------------
  tasksTitle: '我的检查任务',
  tasksIntro: (total: number, shown: number) => (total > shown ? `共 ${total} 项任务，显示前 ${shown} 项。` : `共 ${total} 项任务。`),
  tasksEmpty: '您目前没有检查任务。抽取完成后，您会收到任务卡片。',
  taskRow: (name: string, state: string, form: string, role: string) => `**${name}**\n${state} · ${form} · ${role}`,
  taskDeadline: (deadline: string) => ` · 整改期限至 ${deadline}`,
  start: '开始检查',
  resume: '继续检查',
  goSign: '去签字',
  view: '查看记录',
  tasksNote: '点“继续检查”回到当前检查项；检查中可直接向我发送现场照片。',
  tasksCommandSummary: '查看我的检查任务及进度',
  tasksCommandDetail:
    '发送 /我的任务（或 /tasks）查看您所在检查组的全部任务和状态（待接收、待检查、检查中 k/9、待签字、待整改、待公示、已公示），点按钮继续检查或签字。',

  // ---- other cards ---------------------------------------------------------------------------------------------
  notStartedTitle: '检查尚未开始',
  notStartedText: (name: string) => `**${name}** 的检查尚未开始。`,
  stateOnly: (state: string) => `该任务当前状态：${state}。`,
  voidTitle: '任务已作废',
  voidText: (name: string) => `**${name}** 的检查任务已作废（抽取已重做），无需检查。`,
  photoSavedTitle: '照片已保存',
  photoSaved: (name: string, where: string, count: number) => `已作为 **${name}** ${where}的检查证据（共 ${count} 张）。`,
  photoSavedItem: (item: number) => `第 ${item} 项`,
  photoSavedAll: '整体',
  backToChecklist: '返回检查',
  photoNotSavedTitle: '照片未保存',
  photoNotSaved: '您当前没有进行中的检查，照片未保存。请先在任务卡片上点“开始检查”，再发送照片。',
  reopenTitle: '检查已重新打开',
  reopenText: (leader: string, name: string) => `组长 ${leader} 重新打开了 **${name}** 的检查记录。`,
  reopenReason: (reason: string) => `原因：${reason}`,
  reopenWithdrawn: '此前发送的意见汇总表作废，以重新提交后的为准。',
  reopenConfirmationVoid: (name: string, on: string) =>
    `${name} 于 ${on} 现场确认的整改结果确认单（附件2）随之作废：检查记录重新提交后，如仍有需整改问题，须按新的意见汇总表重新到现场确认。`,
  reopenMember: '修改并重新提交后，需要您再次确认签字。',
} as const;
