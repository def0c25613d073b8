/**
 * §3: commitment, reveal, seed and the derived keys.
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256Hex } from '../canonical';
import { HmacSha256 } from './hmac';
import { isHex64, jcs, sha256Bytes, sha256Text, trimSpace } from './jcs';
import { ALGORITHM, DrawError, type Commitment, type PublicSource } from './model';

/** 32 fresh random bytes, hex: the bot's secret value of a preview. */
export function newBotValue(): string {
  return randomBytes(32).toString('hex');
}

/** SHA-256 of the 32 raw bytes (not of the hex text). */
export function botValueHash(botValueHex: string): string {
  if (!isHex64(botValueHex)) throw new DrawError('随机值格式错误');
  return sha256Bytes(Buffer.from(botValueHex, 'hex'));
}

/**
 * 32 fresh random bytes, hex: the draw's blind (§3.1). Secret at the preview like the bot value, but never published:
 * it keys the registry hashes and the draw's keys, so that the public bundle (which reveals the seed) lets nobody
 * recompute selection scores or test guesses of the registry (and so of credit-risk classes). The internal bundle
 * carries it.
 */
export const newBlind = newBotValue;

/** SHA-256 of the blind's 32 raw bytes. */
export const blindHash = botValueHash;

export function commitmentHash(c: Commitment): string {
  return sha256Text(jcs(c));
}

/** seed = SHA-256(JCS({algorithm, botValue, commitment, entropy})), hex. */
export function deriveSeed(commitmentHashHex: string, botValueHex: string, entropy: string): string {
  return sha256Text(jcs({ algorithm: ALGORITHM, botValue: botValueHex, commitment: commitmentHashHex, entropy }));
}

export type KeyLabel = 'select' | 'team-order' | 'leader' | 'officer' | 'expert';

/**
 * K(label) = HMAC-SHA256(key = the 32 seed bytes, message = "spotcheck-draw/2|" + label + "|" + blind hex), hex (§3.3).
 * `blind` null: a bundle made before the blind (§12.1), message "spotcheck-draw/2|" + label.
 */
export function derivedKey(seedHex: string, label: KeyLabel, blindHex: string | null): string {
  if (blindHex !== null && !isHex64(blindHex)) throw new DrawError('盲值格式错误');
  return hmacSha256Hex(seedHex, blindHex === null ? `${ALGORITHM}|${label}` : `${ALGORITHM}|${label}|${blindHex}`);
}

/** HMAC-SHA256 keyed with K(label): a function of a UTF-8 message, hex out. */
export function keyedScore(seedHex: string, label: KeyLabel, blindHex: string | null): (message: string) => string {
  const mac = keyedMac(seedHex, label, blindHex);
  return (message) => mac.hex(message);
}

/** HMAC-SHA256 keyed with K(label), for results read as words (hmac.ts). */
export function keyedMac(seedHex: string, label: KeyLabel, blindHex: string | null): HmacSha256 {
  return new HmacSha256(Buffer.from(derivedKey(seedHex, label, blindHex), 'hex'));
}

// ---- the public source ------------------------------------------------------------------------------------------

const ANNOUNCED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})\+08:00$/;

/** The instant of `announcedAt` (YYYY-MM-DDTHH:mm+08:00), or null when malformed. */
export function announcedInstant(announcedAt: string): Date | null {
  const m = ANNOUNCED.exec(announcedAt);
  if (m === null) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const t = Date.UTC(y, mo - 1, d, h - 8, mi);
  const back = new Date(t + 8 * 3600_000);
  if (back.getUTCDate() !== d) return null;
  return new Date(t);
}

/** Why a source is not well formed, or null. */
export function sourceProblem(s: PublicSource): string | null {
  if (s === null || typeof s !== 'object' || !Array.isArray(s.parts) || s.parts.length < 1 || s.parts.length > 4) {
    return '公开来源应有1到4项';
  }
  for (const part of s.parts) {
    if (typeof part?.name !== 'string' || part.name.trim() === '' || part.name.length > 100) return '公开来源的名称应为1到100个字';
    if (typeof part.format !== 'string' || part.format.length > 100) return '公开来源的书写格式无效';
    if (part.pattern !== null) {
      if (typeof part.pattern !== 'string' || !/^\^[0-9A-Za-z[\]{}\-+]*\$$/.test(part.pattern)) return '公开来源的格式规则无效';
    }
  }
  if (typeof s.announcedAt !== 'string' || announcedInstant(s.announcedAt) === null) return '开奖时间应为YYYY-MM-DDTHH:mm+08:00';
  return null;
}

/**
 * §3.3: the entropy of a draw. With a source: the values of its parts (each trimmed of white space, none empty,
 * none containing “/”, each matching its pattern) joined by “/”. Without: the text as given, trimmed (may be empty).
 * Returns the entropy or a Chinese reason.
 */
/**
 * The 种子 as typed, in the form the draw uses (§3.3): compatibility forms folded (NFKC), so that “１２３” typed with a
 * Chinese input method in full-width mode is the 123 everyone reads on the published card, not other bytes.
 */
export function enteredEntropy(typed: string): string {
  return typed.normalize('NFKC');
}

export function entropyFor(source: PublicSource | null, entered: string): { ok: true; entropy: string } | { ok: false; reason: string } {
  const text = trimSpace(enteredEntropy(entered));
  if (text.length > 200) return { ok: false, reason: '种子过长（最多200个字符）' };
  if (source === null) return { ok: true, entropy: text };
  const values = text === '' ? [] : text.split('/').map(trimSpace);
  if (values.length !== source.parts.length) {
    return {
      ok: false,
      reason:
        source.parts.length === 1
          ? `种子应为“${source.parts[0]!.name}”的开奖号码（${source.parts[0]!.format}）`
          : `种子应为${source.parts.length}个开奖号码，依次为${source.parts.map((p) => `“${p.name}”`).join('、')}，用“/”分隔`,
    };
  }
  for (let i = 0; i < values.length; i++) {
    const part = source.parts[i]!;
    const v = values[i]!;
    if (v === '') return { ok: false, reason: `第${i + 1}个开奖号码（${part.name}）为空` };
    if (part.pattern !== null && !new RegExp(part.pattern).test(v)) {
      return { ok: false, reason: `第${i + 1}个开奖号码“${v}”不符合“${part.name}”的书写格式（${part.format}）` };
    }
  }
  return { ok: true, entropy: values.join('/') };
}

export function commitmentFor(c: Omit<Commitment, 'algorithm'>): Commitment {
  return { algorithm: ALGORITHM, ...c };
}
