/**
 * 无法正常检查 (a firm that could not be inspected), as pure rules: which tasks can be closed this way, what a valid
 * proposal is, and how long a photo intent lasts. See operations/closure/README.md for the flow.
 */
import { charLength } from './inspection';
import { withoutXmlInvalid } from './xmlSafe';
import { CLOSURE_RESULTS, resultByCode, type ResultEntry } from './results';

/** A task can be closed this way before its checklist was submitted. */
export const CLOSABLE_STATES: readonly string[] = ['待接收', '待检查', '检查中'];

export const MAX_CLOSURE_NOTE_LENGTH = 1000;
export const MAX_RETURN_REASON_LENGTH = 200;
/** evidence items kept per closure (photos and documents) */
export const MAX_EVIDENCE = 30;

/** A closure draft keeps pictures for this long after the form was opened (a day on site is enough). */
export const CLOSURE_INTENT_MS = 24 * 3600_000;
/** After 上传签字页, pictures count as 签字页 for this long. */
export const SIGNATURE_INTENT_MS = 30 * 60_000;

export type ClosureInputCheck =
  | { ok: true; entry: ResultEntry; note: string }
  | { ok: false; error: 'reasonRequired' | 'badReason' | 'noteRequired' }
  | { ok: false; error: 'noteTooLong'; length: number };

/** The reason (a closure code of the dictionary) and the 情况说明 (required, ≤ 1,000 characters). */
export function checkClosureInput(code: unknown, note: unknown): ClosureInputCheck {
  const c = typeof code === 'string' ? code.trim() : Array.isArray(code) && typeof code[0] === 'string' ? code[0].trim() : '';
  if (c === '') return { ok: false, error: 'reasonRequired' };
  const entry = resultByCode(c);
  if (!entry || !CLOSURE_RESULTS.includes(entry)) return { ok: false, error: 'badReason' };
  const text = typeof note === 'string' ? withoutXmlInvalid(note).replace(/\r\n?/g, '\n').trim() : '';
  if (text === '') return { ok: false, error: 'noteRequired' };
  const length = charLength(text);
  if (length > MAX_CLOSURE_NOTE_LENGTH) return { ok: false, error: 'noteTooLong', length };
  return { ok: true, entry, note: text };
}

export function checkReturnReason(raw: unknown): { ok: true; reason: string } | { ok: false; error: 'required' | 'tooLong' } {
  const reason = typeof raw === 'string' ? withoutXmlInvalid(raw).trim() : '';
  if (reason === '') return { ok: false, error: 'required' };
  if (charLength(reason) > MAX_RETURN_REASON_LENGTH) return { ok: false, error: 'tooLong' };
  return { ok: true, reason };
}
