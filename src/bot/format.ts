/** Display formats for chat (Asia/Shanghai, whatever TZ the process has). */
const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** 2024-03-15 09:30 */
export function dateTime(d: Date): string {
  const parts = Object.fromEntries(DATE_TIME.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** the first characters of a hex hash, for people to compare by eye (the full hash is in the bundle) */
export function shortHash(hash: string): string {
  return hash.slice(0, 16);
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
