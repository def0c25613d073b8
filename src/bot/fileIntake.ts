/**
 * Every file sent to the bot (a Feishu `file` message) comes here first; who gets what, in this order (the README's
 * “向机器人发送文件” prints the same table):
 *
 * | # | 发送人                                                        | 文件                                    | 机器人                                                             |
 * |---|---------------------------------------------------------------|-----------------------------------------|--------------------------------------------------------------------|
 * | 0 | 任何人，在群聊中                                              | 任何                                    | 不处理（文件消息无法 @ 机器人）；不下载、不回答                    |
 * | 1 | 检查组成员，刚点了“无法正常检查”（登记未提交）或“上传签字页”（30 分钟内） | 任何（第 2 行的人发来表头可识别的 .xlsx/.csv 除外：按第 2 行） | 作为证据 / 签字页保存，与照片相同（operations/inspection/attachMedia.ts） |
 * | 2 | 市局联络员、ADMIN_OPEN_IDS 中的系统管理员                     | .xlsx / .csv，按第 1 行表头             | 名录库 / 人员名录库 / 节假日安排 / 附加检查表 / 平台抽取结果：试运行预览 → 确认导入 / 取消（bot/setup.ts） |
 * |   |                                                               | 表头不认识、空文件、其他类型            | 说明原因和可以发送的文件种类，不改变任何数据                      |
 * | 3 | 县区联络员（所属县区不是市局）                                | 名录库、节假日安排、附加检查表、平台抽取结果的表头| 只有市局联络员可以导入这些                                         |
 * |   |                                                               | 文档（domain/countyReport.ts 的类型，≤ 20 MB） | 询问是否作为本县区的情况汇报上报 → 确认上报 / 取消 → recordCountyReport |
 * |   |                                                               | 其他类型                                | 说明可以上报的文件类型                                             |
 * | 4 | 检查组成员（有未结束的任务），没有等待文件的登记               | 任何                                    | 文件未保存，说明文件可以怎样用（证据、签字页；检查项照片以图片发送；.xlsx/.csv 另说明名录库等只由市局联络员导入） |
 * | 5 | 其他人                                                        | 任何                                    | 没有权限：谁可以发送什么文件                                       |
 *
 * Row 1 comes first for everyone: the person has just pressed a button that asks for a file, and a photo sent at
 * that moment is taken the same way — except a .csv/.xlsx from someone of row 2 whose header row is a set-up kind,
 * which goes to row 2 (peekSetupFile). The confirm buttons of rows 2 and 3 are claimed once (a second click, a click
 * on a cancelled card or on one a newer file superseded is refused; the card is updated in place).
 */
import { shownFileName } from '../domain/textPolicy';
import { z } from 'zod';
import { Types } from 'mongoose';
import { attachMedia, hasMediaIntent, hasOpenTask } from '../operations/inspection/attachMedia';
import { isSetupFile, MAX_SETUP_FILE_BYTES } from '../operations/setup/setupFiles';
import { cancelCountyReport, confirmCountyReport, receiveCountyReport, type ReportSender } from '../operations/countyReportChat';
import type { CallbackResponse } from '../platform/events';
import { maySetUp, type Actor } from '../policies';
import { isReportFileType } from '../domain/countyReport';
import { CITY_BUREAU } from '../domain/types';
import type { SetupUploadDoc } from '../store/setupUpload';
import type { StaffMember } from '../store/staff';
import { downloadFile } from './fileDownload';
import {
  FILE_MSG,
  memberFileCard,
  reportClosedCard,
  reportNotRecordedCard,
  reportQuestionCard,
  reportRefusedCard,
  reportSubmittedCard,
  setupKindRefusedCard,
  whoMaySendCard,
  type ReportToast,
} from './fileIntakeCards';
import { mediaCard } from './inspection';
import { defineAction, type FileContext, type RouterHooks } from './router';
import { closeSuperseded, setupFile } from './setup';

/** A liaison of a county (not the city bureau): sends the county's 情况汇报. */
function isCountyLiaison(actor: Actor): boolean {
  return actor.roles.includes('联络员') && actor.county !== undefined && actor.county !== '' && actor.county !== CITY_BUREAU;
}

function reportSender(actor: Actor, staff: StaffMember | null): ReportSender {
  return { actor, name: staff?.name ?? actor.openId };
}

const isSpreadsheetName = (fileName: string): boolean => /\.(csv|xlsx)$/i.test(fileName);

/**
 * Row 1 would take any file from a member who pressed 无法正常检查 (for a day) or 上传签字页 (30 minutes). A 市局联络员
 * who also serves on a team may send a registry meanwhile: so for someone who may do the set-up, a .csv/.xlsx sent
 * while such an intent is open is read first, and one whose header row is a set-up kind goes to the set-up (a
 * registry, a calendar, a checklist or a platform draw is never a firm's evidence). The content decides rather than
 * a shorter window: a day on site is what the closure needs, and a spreadsheet of anything else (a firm's own
 * list, say) is still kept as evidence. The bytes are passed on so that row 2 does not download the file again.
 */
async function peekSetupFile(ctx: FileContext, fileName: string): Promise<{ setup: boolean; data?: Buffer }> {
  if (!maySetUp(ctx.actor) || !isSpreadsheetName(fileName) || !ctx.deps.files) return { setup: false };
  if (!(await hasMediaIntent(ctx.deps, ctx.actor.openId))) return { setup: false };
  const download = await ctx.deps.files.download(ctx.message.messageId, ctx.fileKey, MAX_SETUP_FILE_BYTES);
  // Not readable here: the rows below decide as before (row 2 answers a download failure itself).
  if (!download.ok) return { setup: false };
  return { setup: await isSetupFile(fileName, download.data), data: download.data };
}

/** Row 3: a county liaison's file → the question whether to submit it as the county's 情况汇报. */
async function countyReportFile(ctx: FileContext, fileName: string): Promise<void> {
  const title = FILE_MSG.reportRefusedTitle(fileName);
  // The type is checked before anything is downloaded.
  if (!isReportFileType(fileName)) {
    await ctx.reply(reportRefusedCard(fileName, FILE_MSG.reportFileType));
    return;
  }
  const data = await downloadFile(ctx, title, {
    tooLarge: FILE_MSG.reportTooLarge,
    failed: FILE_MSG.reportDownloadFailed,
    noDownloads: FILE_MSG.reportNoDownloads,
  });
  if (!data) return;
  const received = await receiveCountyReport(ctx.deps, {
    messageId: ctx.message.messageId,
    fileKey: ctx.fileKey,
    fileName,
    data,
    by: reportSender(ctx.actor, ctx.staff),
  });
  if (!received.ok) {
    switch (received.code) {
      case 'setupKind':
        await ctx.reply(setupKindRefusedCard(fileName, received.title));
        return;
      case 'fileType':
        await ctx.reply(reportRefusedCard(fileName, FILE_MSG.reportFileType));
        return;
      case 'empty':
        await ctx.reply(reportRefusedCard(fileName, FILE_MSG.reportEmpty));
        return;
      case 'noCampaign':
        await ctx.reply(reportRefusedCard(fileName, FILE_MSG.reportNoCampaign));
        return;
      case 'notLiaison':
        await ctx.reply(whoMaySendCard());
        return;
    }
  }
  await ctx.reply(
    reportQuestionCard({
      fileName,
      size: data.length,
      county: received.county,
      campaign: received.campaign,
      due: received.due,
      earlier: received.earlier,
      upload: received.upload,
    }),
  );
  await closeSuperseded(ctx, received.superseded, (old) => reportClosedCard(old, 'superseded'));
}

export const fileIntakeHooks: Pick<RouterHooks, 'onFile'> = {
  async onFile(ctx) {
    // Row 0: files shared in a group are not addressed to the bot (it cannot be @-mentioned in a file message).
    if (ctx.message.chatType !== 'p2p') return true;
    // as shown and kept everywhere after this (domain/textPolicy.ts shownFileName)
    const fileName = shownFileName(ctx.fileName) || '（没有文件名）';
    // Before row 1: a set-up file from someone who may do the set-up is the set-up's, whatever they pressed before.
    const peek = await peekSetupFile(ctx, fileName);
    if (peek.setup) {
      await setupFile(ctx, fileName, peek.data);
      return true;
    }
    // Row 1: a team member who has just asked to send closure evidence or a 签字页.
    const media = await attachMedia(ctx.deps, { openId: ctx.actor.openId, kind: 'file', key: ctx.fileKey, name: fileName, messageId: ctx.message.messageId });
    if (media.purpose !== 'none' || media.reason !== 'fileNotKept') {
      const card = mediaCard(media);
      if (card) {
        await ctx.reply(card);
        return true;
      }
    }
    // Row 2: the yearly set-up.
    if (maySetUp(ctx.actor)) {
      await setupFile(ctx, fileName, peek.data);
      return true;
    }
    // Row 3: a county's 情况汇报.
    if (isCountyLiaison(ctx.actor)) {
      await countyReportFile(ctx, fileName);
      return true;
    }
    // Row 4: a team member with nothing waiting for a file.
    if (await hasOpenTask(ctx.deps, ctx.actor.openId)) {
      await ctx.reply(memberFileCard(fileName, isSpreadsheetName(fileName)));
      return true;
    }
    // Row 5: anyone else.
    await ctx.reply(whoMaySendCard());
    return true;
  },
};

// ---- the 情况汇报 question's buttons ----------------------------------------------------------------------------------

const objectId = z.string().regex(/^[0-9a-f]{24}$/).transform((s) => new Types.ObjectId(s));

function refusedReportClick(why: ReportToast, upload: SetupUploadDoc | undefined): CallbackResponse {
  const content = FILE_MSG.reportToast[why];
  const type = why === 'imported' || why === 'importing' ? 'info' : 'error';
  if (!upload || why === 'notLiaison' || why === 'missing' || why === 'importing') return { toast: { type, content } };
  const closed = why === 'imported' || why === 'cancelled' || why === 'superseded' ? why : 'expired';
  return { toast: { type, content }, card: { type: 'raw', data: reportClosedCard(upload, closed) } };
}

export const reportSubmitAction = defineAction({
  name: 'report.submit',
  schema: z.object({ a: z.literal('report.submit'), u: objectId }),
  async handle(ctx, value) {
    const outcome = await confirmCountyReport(ctx.deps, { uploadId: value.u, by: reportSender(ctx.actor, ctx.staff) });
    if (!outcome.ok) {
      if (outcome.why === 'refused') {
        return { toast: { type: 'error', content: '没有上报' }, card: { type: 'raw', data: reportNotRecordedCard(outcome.upload, outcome.reason) } };
      }
      return refusedReportClick(outcome.why, outcome.upload);
    }
    return {
      toast: { type: 'success', content: '情况汇报已上报' },
      card: { type: 'raw', data: reportSubmittedCard(outcome.upload, outcome.result, outcome.earlier) },
    };
  },
});

export const reportCancelAction = defineAction({
  name: 'report.cancel',
  schema: z.object({ a: z.literal('report.cancel'), u: objectId }),
  async handle(ctx, value) {
    const outcome = await cancelCountyReport(ctx.deps, { uploadId: value.u, by: reportSender(ctx.actor, ctx.staff) });
    if (!outcome.ok) return refusedReportClick(outcome.why, outcome.upload);
    return { toast: { type: 'info', content: '已取消，没有上报' }, card: { type: 'raw', data: reportClosedCard(outcome.upload, 'cancelled') } };
  },
});

export const fileIntakeActions = [reportSubmitAction, reportCancelAction];
