/**
 * 统一社会信用代码 (GB 32100-2015) check character.
 *
 * 18 characters from the 31-character set 0-9 A-H J-N P-R T-U W-Y (no I, O, S, V, Z).
 * Each of the first 17 characters has the value of its position in that set; multiply by the weights
 * 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 (3^i mod 31), sum, and take
 * check = 31 − (sum mod 31), with 31 written as 0. The 18th character is the character of that value.
 */

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const USCC_WEIGHTS: readonly number[] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

const VALUE = new Map<string, number>([...USCC_CHARSET].map((ch, i) => [ch, i]));
/** Character code → value, −1 outside the set (fast path for isValidUscc). */
const CODE_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < USCC_CHARSET.length; i++) CODE_VALUE[USCC_CHARSET.charCodeAt(i)] = i;

/** The check character for the first 17 characters; throws on wrong length or a character outside the set. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError(`统一社会信用代码前17位长度应为17，实际为${first17.length}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = VALUE.get(first17.charAt(i));
    if (v === undefined) throw new RangeError(`统一社会信用代码含非法字符“${first17.charAt(i)}”`);
    sum += v * (USCC_WEIGHTS[i] as number);
  }
  const check = 31 - (sum % 31);
  return USCC_CHARSET.charAt(check === 31 ? 0 : check);
}

/** True when `code` is 18 characters of the set (upper case) with a correct check character. */
export function isValidUscc(code: string): boolean {
  if (typeof code !== 'string' || code.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 18; i++) {
    const c = code.charCodeAt(i);
    const v = c < 128 ? (CODE_VALUE[c] as number) : -1;
    if (v < 0) return false;
    if (i < 17) sum += v * (USCC_WEIGHTS[i] as number);
    else {
      const check = 31 - (sum % 31);
      return v === (check === 31 ? 0 : check);
    }
  }
  return false;
}

/** Why a code is invalid (Chinese, for import reports), or null when it is valid. */
export function usccProblem(code: string): string | null {
  if (typeof code !== 'string' || code.length === 0) return '统一社会信用代码为空';
  if (code.length !== 18) return `统一社会信用代码应为18位，实际为${code.length}位`;
  for (let i = 0; i < 18; i++) {
    const ch = code.charAt(i);
    if (!VALUE.has(ch)) return `统一社会信用代码第${i + 1}位“${ch}”不是合法字符`;
  }
  const expected = usccCheckChar(code.slice(0, 17));
  if (expected !== code.charAt(17)) return `统一社会信用代码校验位错误（应为${expected}）`;
  return null;
}

/** Trims and upper-cases, and turns full-width letters and digits into ASCII (common in pasted data). */
export function normalizeUscc(raw: string): string {
  return raw
    .trim()
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
    .toUpperCase();
}
