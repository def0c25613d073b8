/**
 * The written form of a public source, as the liaison types it in chat (`来源=… 开奖时间=…`) or the CLI takes it:
 * parts separated by “+”, each optionally ending in “(N位数字)” (N digits), and a Beijing time. Example:
 * `中国福利彩票3D第2024065期开奖号码(3位数字)+中国体育彩票排列5第24065期开奖号码(5位数字)`, `2024-03-15T21:15`.
 */
import type { PublicSource, SourcePart } from './model';
import { announcedInstant, sourceProblem } from './seed';

const DIGITS = /^(.+?)[(（]\s*(\d{1,2})\s*位数字\s*[)）]$/;

export function parseSourceText(text: string, time: string): { ok: true; source: PublicSource } | { ok: false; reason: string } {
  const parts: SourcePart[] = [];
  for (const raw of text.split(/[+＋]/)) {
    const t = raw.trim();
    if (t === '') return { ok: false, reason: '“来源”中有空的一项；多个来源用“+”连接' };
    const m = DIGITS.exec(t);
    if (m) {
      const n = Number(m[2]);
      if (n < 1 || n > 20) return { ok: false, reason: `“${t}”的位数应为1到20` };
      parts.push({ name: m[1]!.trim(), format: `${n}位数字，按开奖公告书写`, pattern: `^[0-9]{${n}}$` });
    } else parts.push({ name: t, format: '按开奖公告书写', pattern: null });
  }
  const tm = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?:\+08:00)?$/.exec(time.trim());
  if (tm === null) return { ok: false, reason: '“开奖时间”应为北京时间 YYYY-MM-DDTHH:mm，例如 2024-03-15T21:15' };
  const announcedAt = `${tm[1]}T${tm[2]}:${tm[3]}+08:00`;
  if (announcedInstant(announcedAt) === null) return { ok: false, reason: `“开奖时间”${time}不是有效的时间` };
  const source: PublicSource = { parts, announcedAt };
  const problem = sourceProblem(source);
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, source };
}

/** 2024-03-15T21:15+08:00 → 2024-03-15 21:15 */
export function announcedText(announcedAt: string): string {
  return announcedAt.replace('T', ' ').replace('+08:00', '');
}

export function describeSource(s: PublicSource): string {
  return `${s.parts.map((p) => `${p.name}（${p.format}）`).join(' + ')}，${announcedText(s.announcedAt)}（北京时间）开奖`;
}
