/**
 * The body of a card callback's answer. A card rendered from a template (bot/cards.ts renderCard) comes with the JSON
 * text it was parsed from, which is exactly JSON.stringify of the card; the answer puts that text in instead of
 * serialising the card a second time. Anything else is serialised as usual.
 */

/** The JSON text of each card renderCard returned. Cards are not changed after rendering. */
const CARD_TEXT = new WeakMap<object, string>();

/** Records that `text` is JSON.stringify(card), for the answer that may carry the card. */
export function rememberCardText(card: object, text: string): void {
  CARD_TEXT.set(card, text);
}

// what stands for the card while the rest of the answer is serialised (a string no card answer holds otherwise)
const CARD_SLOT = '\u0000card\u0000';
const CARD_SLOT_JSON = JSON.stringify(CARD_SLOT);

/** Exactly JSON.stringify(answer), with a rendered card's text put in as it is. */
export function callbackAnswerBody(answer: Record<string, unknown>): string {
  const card = answer.card;
  const data = typeof card === 'object' && card !== null ? (card as { data?: unknown }).data : undefined;
  const text = typeof data === 'object' && data !== null ? CARD_TEXT.get(data) : undefined;
  if (text === undefined) return JSON.stringify(answer);
  const json = JSON.stringify(answer, (_key, value: unknown) => (value === data ? CARD_SLOT : value));
  const at = json.indexOf(CARD_SLOT_JSON);
  // the slot's characters elsewhere too (a toast could hold them): serialised as usual
  if (at < 0 || json.indexOf(CARD_SLOT_JSON, at + 1) >= 0) return JSON.stringify(answer);
  return json.slice(0, at) + text + json.slice(at + CARD_SLOT_JSON.length);
}
