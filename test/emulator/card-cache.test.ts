/**
 * The simulated client keeps the text and buttons of the cards the emulator holds (tests scan every message on each
 * wait): what it gives back is what it would compute afresh, an update shows the new card, and callers cannot change
 * what is kept.
 */
import { cardText, findButtons } from '../../src/sandbox/client';
import { EmulatorStore, isStoredContent } from '../../src/sandbox/emulator/store';
import type { JsonObject, SentMessage } from '../../src/sandbox/emulator/types';

const card = (title: string, button: string): JsonObject => ({
  schema: '2.0',
  header: { title: { tag: 'plain_text', content: title } },
  body: {
    elements: [
      { tag: 'markdown', content: `**${title}** &lt;b&gt;` },
      { tag: 'button', text: { tag: 'plain_text', content: button }, behaviors: [{ type: 'callback', value: { a: title } }] },
    ],
  },
});

function message(content: JsonObject): SentMessage {
  return {
    message_id: 'om_1',
    receive_id: 'ou_1',
    receive_id_type: 'open_id',
    chat_id: 'oc_1',
    msg_type: 'interactive',
    content,
    current: content,
    createdAt: 0,
    updates: [],
    updateLog: [],
  };
}

it('gives the text and buttons of a held card as computed afresh, and the new ones after an update', () => {
  const store = new EmulatorStore();
  const sent = card('检查任务', '开始检查');
  const fresh = { text: cardText(structuredClone(sent)), buttons: findButtons(structuredClone(sent)) };
  const msg = message(sent);
  store.addMessage(msg);
  expect(isStoredContent(msg.current)).toBe(true);
  expect(isStoredContent(structuredClone(sent))).toBe(false);
  for (let i = 0; i < 2; i++) {
    expect(cardText(msg.current)).toBe(fresh.text);
    expect(findButtons(msg.current).map(({ element: _e, ...b }) => b)).toEqual(fresh.buttons.map(({ element: _e, ...b }) => b));
  }
  expect(cardText(msg.current)).toContain('**检查任务** <b>');

  // callers get copies
  findButtons(msg.current)[0].text = 'changed';
  expect(findButtons(msg.current)[0].text).toBe('开始检查');

  store.updateMessage(msg, card('已开始', '提交'), 'patch', 1);
  expect(cardText(msg.current)).toContain('已开始');
  expect(cardText(msg.current)).not.toContain('检查任务');
  expect(findButtons(msg.current).map((b) => b.text)).toEqual(['提交']);
  // the content as sent keeps its own text
  expect(cardText(msg.content)).toContain('检查任务');
  // found by an equal card that is not the same object
  expect(store.findByCard(card('已开始', '提交'))).toBe(msg);
  expect(store.findByCard(card('检查任务', '开始检查'))).toBeUndefined();
});

it('keeps every update of a message by default, and only the latest when told not to keep the history', () => {
  const versions = ['一', '二', '三'].map((n) => card(`第${n}版`, '提交'));
  for (const keep of [true, false]) {
    const store = new EmulatorStore(keep);
    const msg = message(card('检查任务', '开始检查'));
    store.addMessage(msg);
    versions.forEach((v, i) => store.updateMessage(msg, v, 'callback', i + 1));
    expect(msg.current).toBe(versions[2]);
    expect(msg.updates).toEqual(keep ? versions : [versions[2]]);
    expect(msg.updateLog).toEqual(keep ? [1, 2, 3].map((at) => ({ via: 'callback', at })) : [{ via: 'callback', at: 3 }]);
    // the message as sent stays what it was
    expect(cardText(msg.content)).toContain('检查任务');
  }
});
