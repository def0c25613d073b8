/**
 * Which files the demo saves under out/: only what the bot produced and sent to one person after a given point of the
 * conversation. Matching on a file name or extension is not enough: the emulator's file store also holds what users
 * sent the bot (a staff registry .xlsx, a county's 情况汇报 .docx), and earlier exports to other people.
 */
import type { LarkEmulator } from '../src/sandbox/emulator';
import type { StoredFile } from '../src/sandbox/emulator/types';

/** How many file messages the bot has sent to `to` so far: the mark to pass to botFilesSentTo / waitForBotFiles. */
export function fileMessagesTo(emulator: LarkEmulator, to: string): number {
  return emulator.messages().filter((m) => m.msg_type === 'file' && m.receive_id === to).length;
}

/** The files the bot uploaded and sent to `to` in file messages after the first `since` of them, in sending order. */
export function botFilesSentTo(emulator: LarkEmulator, to: string, since: number): StoredFile[] {
  const byKey = new Map(emulator.files().map((f) => [f.file_key, f] as const));
  const out: StoredFile[] = [];
  for (const m of emulator.messages().filter((x) => x.msg_type === 'file' && x.receive_id === to).slice(since)) {
    const key = (m.content as { file_key?: unknown }).file_key;
    const f = typeof key === 'string' ? byKey.get(key) : undefined;
    if (f && f.uploadedBy === 'bot') out.push(f);
  }
  return out;
}

/**
 * Wait until the bot has sent `to` at least `count` files (after the mark `since`) that `match`, and return those
 * that do; after `timeoutMs` returns what there is (the demo reports it rather than failing on a slow machine).
 */
export async function waitForBotFiles(
  emulator: LarkEmulator,
  to: string,
  since: number,
  count: number,
  match: (f: StoredFile) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<StoredFile[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = botFilesSentTo(emulator, to, since).filter(match);
    if (files.length >= count || Date.now() > deadline) return files;
    await new Promise((r) => setTimeout(r, 100));
  }
}
