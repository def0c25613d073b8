/** Identifier generators shaped like the ones the Feishu Open Platform issues. */
import { createHash, randomFillSync, randomUUID } from 'node:crypto';

// Identifiers, not secrets: drawn from a pool refilled 4 KiB at a time rather than one system call per id (the
// benchmark's load generator makes a few per simulated click).
const pool = Buffer.alloc(4096);
let used = pool.length;
function hex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}
const digest = (input: string): string => createHash('sha256').update(input).digest('hex');

export const newMessageId = (): string => `om_${hex(16)}`;
export const newChatId = (): string => `oc_${hex(16)}`;
export const newOpenId = (): string => `ou_${hex(16)}`;
export const newEventId = (): string => hex(16);
export const newTenantToken = (): string => `t-g1${hex(19)}`;
export const newCardToken = (): string => `c-${hex(20)}`;
export const newFileKey = (): string => `file_v3_00${hex(1)}_${randomUUID()}g`;
export const newImageKey = (): string => `img_v3_02${hex(1)}_${randomUUID()}g`;
export const newDeviceId = (): string => String(7_000_000_000_000_000_000n + BigInt(`0x${hex(6)}`));

/** Feishu-style log id: UTC timestamp followed by 20 upper-case hex digits. */
export function newLogId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  return `${ts}${hex(10).toUpperCase()}`;
}

/** The p2p chat between an app and a user: stable, so the emulator and the simulated client agree on it. */
export const p2pChatId = (appId: string, openId: string): string => `oc_${digest(`p2p:${appId}:${openId}`).slice(0, 32)}`;

/** A stable default group chat for an app's simulated users. */
export const groupChatIdOf = (appId: string): string => `oc_${digest(`group:${appId}`).slice(0, 32)}`;

/** Stable union_id / user_id derived from an open_id (the simulated tenant has one identity per open_id). */
export const unionIdOf = (openId: string): string => `on_${digest(`union:${openId}`).slice(0, 32)}`;
export const userIdOf = (openId: string): string => digest(`user:${openId}`).slice(0, 8);
/** The bot's own open_id inside the simulated tenant (used in @-mentions). */
export const botOpenIdOf = (appId: string): string => `ou_${digest(`bot:${appId}`).slice(0, 32)}`;
