/**
 * Cards of the file intake (bot/fileIntake.ts) that are not the set-up's own (bot/setupCards.ts): what a file is for
 * when the sender may not send one, what a team member's file needs, and a county's 情况汇报 (the question, the
 * result, and the question once it can no longer be answered).
 */
import { MAX_REPORT_BYTES, REPORT_FILE_TYPES_TEXT } from '../domain/countyReport';
import type { EarlierReports } from '../operations/countyReportChat';
import type { CountyReportResult } from '../operations/countyReports';
import type { SetupUploadDoc } from '../store/setupUpload';
import { md, renderCard, type CardJson } from './cards';
import { dateTime, shortHash } from './format';

export const FILE_MSG = {
  notAllowedTitle: '没有权限',
  whoMay: [
    '- 只有**市局联络员**（及系统管理员）可以发送名录库、节假日安排和附加检查表文件（.xlsx 或 .csv），预览后确认导入；监管平台的抽取结果只能由市局联络员导入；',
    '- **县区联络员**可以发送本县区的监督检查情况汇报（Word、PDF、Excel 等），确认后上报市局；',
    '- **检查组成员**在检查卡片上点“无法正常检查”或“上传签字页”后，可以发送证据或签字页。',
  ].join('\n'),
  notKept: '您发来的文件没有保存。发送 **/帮助** 查看您可以使用的命令。',
  setupKind: (fileName: string, title: string) =>
    `“${fileName}”是${title}文件：只有**市局联络员**可以导入名录库、节假日安排、附加检查表和监管平台的抽取结果，没有导入。请把文件交给市局联络员。`,
  setupKindReport: '如果要上报本县区的监督检查情况汇报，请发送汇报文件（Word、PDF 等）。',
  memberTitle: '文件未保存',
  member: (fileName: string) => `您发来的文件“${fileName}”没有保存。文件只在以下两种情况下保存：`,
  memberWays: [
    '- **无法正常检查的证据**：先在检查卡片上点“无法正常检查”，再发送照片或文件（如注销证明、停业公告），提交组长确认前都可以发送；',
    '- **签字页**：先在汇总卡片或检查记录卡片上点“上传签字页”，30 分钟内发送签字盖章页的照片或扫描件（如 PDF）。',
  ].join('\n'),
  memberPhotos: '检查项的现场照片，请在逐项检查时以**图片**发送，保存为当前检查项的证据。',
  memberSetup:
    '名录库、节假日安排、附加检查表和监管平台的抽取结果（.xlsx 或 .csv）只能由**市局联络员**（及系统管理员）发送导入；如需导入，请把文件交给市局联络员。',
  reportRefusedTitle: (fileName: string) => `无法上报：${fileName}`,
  reportFileType: `县区联络员发给我的文件作为本县区的监督检查情况汇报上报市局，这个文件的类型不在其中。请发送以下类型的文件（不超过 20 MB）：${REPORT_FILE_TYPES_TEXT}。`,
  reportEmpty: '文件是空的（0 字节），没有上报。',
  reportNoCampaign: '当前没有进行中的专项，无法上报情况汇报。请联系市局联络员。',
  reportTooLarge: (mb: string) => `文件大于 20 MB（至少 ${mb} MB），没有上报。请压缩（如缩小图片、另存为 PDF 或分成几个文件）后重新发送。`,
  reportDownloadFailed: (detail: string) => `没能从飞书下载这个文件（${detail}），没有上报。请稍后重新发送。`,
  reportNoDownloads: '当前没有连接飞书开放平台（本地试用模式），无法下载文件；可以请市局用命令行 npm run cli -- county-report add … 登记。',
  reportToast: {
    missing: '这张卡片已失效，请重新发送文件',
    imported: '这份文件已经上报过了，不会重复上报',
    cancelled: '已取消；如需上报请重新发送文件',
    superseded: '之后又发送了文件：请在最新的卡片上确认',
    importing: '正在上报这份文件，请稍候',
    expired: '已超过7天，文件已清除：请重新发送文件',
    corrupt: '文件与发送时不一致，没有上报：请重新发送文件',
    notLiaison: '只有本县区的联络员可以上报本县区的情况汇报',
  },
} as const;

export type ReportToast = keyof typeof FILE_MSG.reportToast;

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Anyone who may not send files: who may send what. */
export function whoMaySendCard(): CardJson {
  return renderCard('message', { title: FILE_MSG.notAllowedTitle, color: 'orange', paragraphs: [FILE_MSG.whoMay, FILE_MSG.notKept] });
}

/** A county liaison sent a registry, a calendar or a checklist file. */
export function setupKindRefusedCard(fileName: string, title: string): CardJson {
  return renderCard('message', { title: FILE_MSG.notAllowedTitle, color: 'orange', paragraphs: [FILE_MSG.setupKind(md(fileName), title), FILE_MSG.setupKindReport] });
}

/** A team member's file with nothing waiting for one; a spreadsheet may be a set-up file: who imports those. */
export function memberFileCard(fileName: string, spreadsheet = false): CardJson {
  const paragraphs = [FILE_MSG.member(md(fileName)), FILE_MSG.memberWays, FILE_MSG.memberPhotos];
  if (spreadsheet) paragraphs.push(FILE_MSG.memberSetup);
  return renderCard('message', { title: FILE_MSG.memberTitle, color: 'orange', paragraphs });
}

export function reportRefusedCard(fileName: string, text: string): CardJson {
  return renderCard('message', { title: FILE_MSG.reportRefusedTitle(fileName), color: 'orange', paragraphs: [text] });
}

function earlierText(earlier: EarlierReports): string | undefined {
  if (earlier.count === 0 || !earlier.latest) return undefined;
  const l = earlier.latest;
  return `本县区已上报过 ${earlier.count} 份（最近一份：${l.on} ${md(l.byName)}“${md(l.fileName)}”）。再次上报会**新增**一份，以最新一份为准，之前的仍然保留。`;
}

/** The question: submit this file as the county's 情况汇报? */
export function reportQuestionCard(input: {
  fileName: string;
  size: number;
  county: string;
  campaign: { name: string };
  due: string;
  earlier: EarlierReports;
  upload: SetupUploadDoc;
}): CardJson {
  const u = String(input.upload._id);
  const bigNote = input.size > MAX_REPORT_BYTES ? `文件超过 ${MAX_REPORT_BYTES / 1024 / 1024} MB，系统只保存它在飞书中的位置（文件本身留在这条消息里）。` : '';
  return renderCard('report', {
    title: '作为情况汇报上报？',
    color: 'blue',
    sections: [
      { text: `文件：**${md(input.fileName)}**（${sizeText(input.size)}）` },
      {
        text:
          `要把这份文件作为 **${md(input.county)}** 的监督检查情况汇报（专项“${md(input.campaign.name)}”，${input.due} 前上报）上报市局吗？` +
          '确认后市局联络员会收到通知，市局在 /进度 中可以看到。',
      },
      ...(earlierText(input.earlier) ? [{ text: earlierText(input.earlier)! }] : []),
      { text: `如果发错了文件，请点“取消”。${bigNote}` },
    ],
    note: `确认时按这份文件（SHA-256 ${shortHash(input.upload.sha256)}…）上报；之后再发送文件，本卡片即失效。`,
    buttons: [
      { text: '确认上报', type: 'primary', value: { a: 'report.submit', u } },
      { text: '取消', type: 'default', value: { a: 'report.cancel', u } },
    ],
  });
}

export function reportSubmittedCard(upload: SetupUploadDoc, result: Extract<CountyReportResult, { ok: true }>, earlier: EarlierReports): CardJson {
  const r = result.report;
  const again = earlier.count > 0 ? `这是本县区上报的第 ${earlier.count + 1} 份，以这一份为准（之前的仍然保留）。` : undefined;
  return renderCard('report', {
    title: '已上报 · 情况汇报',
    color: result.late ? 'orange' : 'green',
    sections: [
      {
        text: `**${md(r.county)}** 的监督检查情况汇报“${md(r.fileName)}”已于 ${r.on} 上报（截止 ${result.due}${result.late ? '，已逾期' : ''}）。`,
      },
      ...(again ? [{ text: again }] : []),
      { text: '市局联络员已收到通知；市局在 /进度 中可以看到各县区的上报情况。' },
    ],
    note: `上报人：${md(r.byName)}，${dateTime(r.at)}；文件 SHA-256 ${upload.sha256}。`,
  });
}

export function reportClosedCard(upload: SetupUploadDoc, why: 'cancelled' | 'superseded' | 'imported' | 'expired'): CardJson {
  const by = upload.doneByName ? `（${md(upload.doneByName)}${upload.doneAt ? `，${dateTime(upload.doneAt)}` : ''}）` : '';
  const text = {
    cancelled: `已取消，没有上报。${by}`,
    superseded: '之后又发送了文件，这份没有上报。请在最新的卡片上确认。',
    imported: `这份文件已于 ${upload.doneAt ? dateTime(upload.doneAt) : ''} 由 ${md(upload.doneByName ?? '')} 上报。`,
    expired: '已过期或文件已清除，没有上报。如需上报请重新发送文件。',
  }[why];
  return renderCard('message', {
    title: `${why === 'imported' ? '已上报' : '没有上报'} · 情况汇报`,
    color: 'grey',
    paragraphs: [`文件：**${md(upload.fileName)}**`, text],
  });
}

/** A confirm the operation refused (e.g. the campaign is gone): why, nothing recorded. */
export function reportNotRecordedCard(upload: SetupUploadDoc, reason: string): CardJson {
  return renderCard('message', {
    title: '没有上报 · 情况汇报',
    color: 'orange',
    paragraphs: [`文件：**${md(upload.fileName)}**`, `${md(reason)}。没有上报。`],
  });
}
