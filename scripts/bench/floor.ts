/**
 * The database floor's answer (bench/baselineServer.ts with FLOOR_MONGODB_URI): a toast and a card holding the
 * document written, padded to the size of the service's card answers.
 */

/**
 * The size of the floor's answer (bytes): about the service's answer to an item answer (a toast and the next item's
 * card: 2.8–3 KB in the bench's walks, measured on the answers' text in December 2026).
 */
export const FLOOR_ANSWER_BYTES = 3000;

/** The answer's JSON text: exactly FLOOR_ANSWER_BYTES long (UTF-8) unless the document alone is longer. */
export function floorAnswerBody(doc: unknown): string {
  const answer = { toast: { type: 'success', content: 'saved' }, card: { type: 'raw', data: { doc, padding: '' } } };
  const bare = Buffer.byteLength(JSON.stringify(answer), 'utf8');
  answer.card.data.padding = 'x'.repeat(Math.max(0, FLOOR_ANSWER_BYTES - bare));
  return JSON.stringify(answer);
}
