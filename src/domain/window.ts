/**
 * The campaign's inspection window (e.g. 2024-03-15 … 10-31, notice 一(四)): a visit starts inside it; outside, only
 * with the 组长's reason (recorded on the record). Before it closes, the reminders warn about tasks not started yet,
 * 30 and 10 working days ahead. Pure; dates are YYYY-MM-DD (Asia/Shanghai).
 */
import { charLength } from './inspection';
import { withoutXmlInvalid } from './xmlSafe';
import { workingDaysBetweenLenient } from './followup';

export const MAX_WINDOW_REASON_LENGTH = 200;
/** working days before the window closes on which the unstarted tasks are reported */
export const WINDOW_WARNING_DAYS: readonly number[] = [30, 10];

export type WindowPosition = 'before' | 'inside' | 'after';

export function windowPosition(today: string, from: string, to: string): WindowPosition {
  if (today < from) return 'before';
  if (today > to) return 'after';
  return 'inside';
}

export function checkWindowReason(raw: unknown): { ok: true; reason: string } | { ok: false; error: 'required' | 'tooLong' } {
  const reason = typeof raw === 'string' ? withoutXmlInvalid(raw).replace(/\s+/g, ' ').trim() : '';
  if (reason === '') return { ok: false, error: 'required' };
  if (charLength(reason) > MAX_WINDOW_REASON_LENGTH) return { ok: false, error: 'tooLong' };
  return { ok: true, reason };
}

/**
 * The warning due on `today` about unstarted tasks, as a threshold (30 or 10): the largest threshold reached and not
 * passed by the next one, so a run missed on the exact day is made up the next working day (the caller keys each
 * threshold once). None outside the window's last 30 working days or after it closed.
 */
export function windowWarning(today: string, to: string): { threshold: number; left: number } | undefined {
  if (today > to) return undefined;
  const left = workingDaysBetweenLenient(today, to);
  const sorted = [...WINDOW_WARNING_DAYS].sort((a, b) => a - b);
  const threshold = sorted.find((t) => left <= t);
  return threshold === undefined ? undefined : { threshold, left };
}
