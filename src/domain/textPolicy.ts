/**
 * What text from outside may be: one table of fields (registry columns, form inputs, command arguments) with a
 * maximum length each, and one character policy for all of them. Pure: no I/O.
 *
 * Why: everything typed or imported ends up in cards (Feishu refuses a card over 30 KB), in the Word forms
 * (附件1–4 are XML: a character XML cannot hold makes the file unreadable) and on the public page. A value is
 * checked where it enters (registry import, chat commands, card callbacks), so nothing stored can break an output.
 *
 * Characters refused (XML 1.0 "Char" production, plus invisible controls no name or record needs):
 * - C0 controls except tab and line feed (carriage returns are normalised to line feeds first), DEL and the C1
 *   controls U+0080–U+009F;
 * - lone surrogates (half of a UTF-16 pair: not a character at all);
 * - non-characters: U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE …);
 * - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make text display in another
 *   order than it is stored.
 * Lengths are counted in characters as people count them: one 汉字 or one emoji (one code point) is one.
 * Single-line fields have their line breaks and tabs turned into spaces (a name typed with Alt+Enter in Excel).
 */

export interface FieldPolicy {
  /** the field's name as the person who fills it in knows it */
  label: string;
  /** maximum length in characters (code points) */
  max: number;
  /** line breaks are kept (records, opinions); otherwise they become spaces */
  multiline?: boolean;
}

/** Every field from outside, with its limit. Registry columns use their header as the label. */
export const FIELDS = {
  // 检查对象名录库
  enterpriseName: { label: '企业名称', max: 100 },
  licenceNo: { label: '许可证编号', max: 50 },
  product: { label: '获证产品', max: 200 },
  address: { label: '生产地址', max: 200 },
  contact: { label: '联系人', max: 50 },
  phone: { label: '联系电话', max: 40 },
  // 执法检查人员名录库和专家库
  staffName: { label: '姓名', max: 50 },
  unit: { label: '单位', max: 100 },
  businessLine: { label: '业务口', max: 50 },
  expertise: { label: '专业领域', max: 200 },
  avoidList: { label: '回避企业', max: 2000 },
  // card form inputs (their `name` in cards/*.hbs is the key in FORM_INPUTS below)
  record: { label: '检查记录', max: 1000, multiline: true },
  representative: { label: '企业代表姓名', max: 40 },
  reopenReason: { label: '重新打开的原因', max: 200, multiline: true },
  rectificationDone: { label: '整改情况', max: 500, multiline: true },
  opinion: { label: '确认意见', max: 500, multiline: true },
  reference: { label: '公示文号或链接', max: 200 },
  // chat
  command: { label: '消息', max: 2000, multiline: true },
  campaignName: { label: '专项名称', max: 100 },
  /** any other input of a card form */
  formInput: { label: '输入内容', max: 2000, multiline: true },
} as const satisfies Record<string, FieldPolicy>;

export type FieldName = keyof typeof FIELDS;

/** Card form input names → their field (inputs not listed are checked as `formInput`). */
export const FORM_INPUTS: Readonly<Record<string, FieldName>> = {
  record: 'record',
  representative: 'representative',
  reason: 'reopenReason',
  opinion: 'opinion',
  reference: 'reference',
};

/** The field of a card form input (`done_1` … are the 整改情况 inputs of the 附件2 form). */
export function formInputField(name: string): FieldName {
  if (/^done_\d+$/.test(name)) return 'rectificationDone';
  return FORM_INPUTS[name] ?? 'formInput';
}

/** The refused character at a position (1-based, in characters) of a text, or null when every character is allowed. */
export function findBadChar(text: string): { position: number; codePoint: number } | null {
  let position = 0;
  for (let i = 0; i < text.length; i++) {
    position += 1;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return { position, codePoint: c };
      const cp = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
      i += 1;
      if ((cp & 0xfffe) === 0xfffe) return { position, codePoint: cp };
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return { position, codePoint: c };
    if (isRefusedBmp(c)) return { position, codePoint: c };
  }
  return null;
}

function isRefusedBmp(c: number): boolean {
  if (c < 0x20) return c !== 0x09 && c !== 0x0a;
  if (c >= 0x7f && c <= 0x9f) return true;
  if (c >= 0xfdd0 && c <= 0xfdef) return true;
  if (c === 0xfffe || c === 0xffff) return true;
  if (c >= 0x202a && c <= 0x202e) return true;
  if (c >= 0x2066 && c <= 0x2069) return true;
  return false;
}

/** Length in characters (code points), counted without copying the text. */
export function charCount(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

export type TextProblem =
  | { kind: 'tooLong'; length: number; max: number }
  | { kind: 'badChar'; position: number; codePoint: number };

/** `U+FFFE` */
export function codePointName(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The text as it will be stored: line ends normalised, single-line fields on one line, trimmed. */
export function normalizeText(raw: string, policy: FieldPolicy): string {
  const text = raw.replace(/\r\n?/g, '\n');
  return (policy.multiline ? text : text.replace(/[\n\t\u2028\u2029]+/g, ' ')).trim();
}

/** What is wrong with an already normalised text, or null. Length is checked first (a 10 MB name is not scanned). */
export function textProblem(text: string, policy: FieldPolicy): TextProblem | null {
  if (text.length > policy.max) {
    const length = charCount(text);
    if (length > policy.max) return { kind: 'tooLong', length, max: policy.max };
  }
  const bad = findBadChar(text);
  return bad ? { kind: 'badChar', ...bad } : null;
}

/**
 * The Chinese sentence that says which field, what is wrong and what to do, e.g.
 * “检查记录第12个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新提交”.
 * `action` is what the person does next (提交 in a card, 填写 in a registry file, 发送 in chat).
 */
export function problemMessage(label: string, p: TextProblem, action = '提交'): string {
  if (p.kind === 'tooLong') return `${label}最多${p.max}个字，当前${p.length}个字，请精简后重新${action}`;
  return `${label}第${p.position}个字符是无法保存的不可见字符（${codePointName(p.codePoint)}），请删除该字符后重新${action}`;
}

export type TextCheck = { ok: true; text: string } | { ok: false; problem: TextProblem; message: string };

/** Normalises and checks a value of `field`; non-strings count as empty. */
export function checkText(field: FieldName, raw: unknown, action = '提交'): TextCheck {
  const policy = FIELDS[field];
  const text = typeof raw === 'string' ? normalizeText(raw, policy) : '';
  const problem = textProblem(text, policy);
  return problem ? { ok: false, problem, message: problemMessage(policy.label, problem, action) } : { ok: true, text };
}

/**
 * The text without the refused characters: for outputs (Word forms, workbooks) built from data stored before
 * this policy, so that no file is ever malformed. New data is refused at the edge instead (checkText).
 */
export function stripRefused(text: string): string {
  if (findBadChar(text) === null) return text;
  let out = '';
  for (let rest = text; rest !== ''; ) {
    const bad = findBadChar(rest);
    if (bad === null) return out + rest;
    // position is in code points: find its UTF-16 index
    let index = 0;
    for (let p = 1; p < bad.position; p++) index += (rest.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    out += rest.slice(0, index);
    rest = rest.slice(index + (bad.codePoint > 0xffff ? 2 : 1));
  }
  return out;
}

/**
 * A file name as the bot shows and keeps it (cards, closure evidence, 签字页, 情况汇报): the refused characters (a
 * right-to-left override would show “evidence\u202Egpj.exe” as “evidence exe.jpg”) and line breaks removed, at most
 * `max` characters with the extension kept (a 40,000-character name made every card of its task too large to show).
 */
export function shownFileName(raw: string, max = 100): string {
  const name = stripRefused(raw).replace(/[\t\n\r]+/g, ' ').trim();
  const chars = [...name];
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? [...name.slice(dot)] : [];
  return `${chars.slice(0, max - ext.length - 1).join('')}…${ext.join('')}`;
}
