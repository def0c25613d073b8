/**
 * Downloads the file of a file message for the intake (bot/fileIntake.ts), capped at 20 MB, and answers the sender
 * itself when it cannot: no connection to the Open Platform (the sandbox without an app), too large, or the
 * platform refused. Returns the bytes, or undefined once the sender has been answered.
 */
import { MAX_SETUP_FILE_BYTES } from '../operations/setup/setupFiles';
import type { FileContext } from './router';
import { SETUP_MSG, setupMessageCard } from './setupCards';

/** What to say when the file cannot be had (the set-up's words by default). */
export interface DownloadWords {
  tooLarge(mb: string): string;
  failed(detail: string): string;
  noDownloads: string;
}

const SETUP_WORDS: DownloadWords = { tooLarge: SETUP_MSG.tooLarge, failed: SETUP_MSG.downloadFailed, noDownloads: SETUP_MSG.noDownloads };

export async function downloadFile(ctx: FileContext, title: string, words: DownloadWords = SETUP_WORDS): Promise<Buffer | undefined> {
  if (!ctx.deps.files) {
    await ctx.reply(setupMessageCard(title, [words.noDownloads]));
    return undefined;
  }
  const download = await ctx.deps.files.download(ctx.message.messageId, ctx.fileKey, MAX_SETUP_FILE_BYTES);
  if (download.ok) return download.data;
  const text =
    download.reason === 'tooLarge'
      ? words.tooLarge((download.bytes / 1024 / 1024).toFixed(1))
      : words.failed(download.code !== undefined ? `错误码 ${download.code}` : '网络错误');
  await ctx.reply(setupMessageCard(title, [text]));
  return undefined;
}
