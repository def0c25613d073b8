/**
 * Cards render to their compact JSON (bot/cards.ts compactTemplate), and a callback answer carries that text as it is
 * (platform/callbackBody.ts): for every example view model the text is JSON.stringify of the card, the card is the one
 * the templates as written give, and an answer's body is JSON.stringify of the answer.
 */
import { CARD_EXAMPLES } from '../../src/bot/cardExamples';
import { compactTemplate, createEngine, findCardsDir, renderCard, type CardViews } from '../../src/bot/cards';
import { callbackAnswerBody } from '../../src/platform/callbackBody';

const dir = findCardsDir();
const compact = createEngine(dir);
const asWritten = createEngine(dir, { compact: false });
const examples = Object.entries(CARD_EXAMPLES).flatMap(([template, list]) =>
  (list as readonly { name: string; view: unknown }[]).map((e) => [`${template} · ${e.name}`, template, e.view] as const),
);

it('has examples to check', () => {
  expect(examples.length).toBeGreaterThanOrEqual(20);
});

describe.each(examples)('%s', (_label, template, view) => {
  it('renders to the compact JSON of the card the template as written gives', () => {
    const text = compact.get(template)!(view);
    const card = JSON.parse(text) as unknown;
    expect(text).toBe(JSON.stringify(card));
    expect(card).toEqual(JSON.parse(asWritten.get(template)!(view)));
  });

  it('is answered with the bytes of the answer serialised', () => {
    const card = renderCard(template as keyof CardViews, view as never);
    const answers = [{ card: { type: 'raw', data: card } }, { toast: { type: 'success', content: '已保存' }, card: { type: 'raw', data: card } }];
    for (const answer of answers) expect(callbackAnswerBody(answer)).toBe(JSON.stringify(answer));
  });
});

describe('compactTemplate', () => {
  it('drops layout whitespace only', () => {
    expect(compactTemplate('{\n  "a": "x y\\" z",\n  "b": [ 1, {{json b}} ]\n}')).toBe('{"a":"x y\\" z","b":[1,{{json b}}]}');
  });

  it('keeps tags and comments as written, also inside strings', () => {
    expect(compactTemplate('{{!-- a "b" }} --}}\n{ "t": "{{#if x}}a b{{/if}}", {{> button this}} }')).toBe(
      '{{!-- a "b" }} --}}{"t":"{{#if x}}a b{{/if}}",{{> button this~}} }',
    );
  });

  it('keeps a tag apart from a brace next to it (no "{{{" or "}}}"), with the space between taken away by "~"', () => {
    expect(compactTemplate('{ {{#if a}}"a": {{json a}}{{/if}} }')).toBe('{ {{~#if a}}"a":{{json a}}{{/if~}} }');
    expect(compactTemplate('[ {{json (concat "a b" c)}} ]')).toBe('[{{json (concat "a b" c)}}]');
  });
});

describe('callbackAnswerBody', () => {
  const card = renderCard('message', { title: '标题', color: 'blue', paragraphs: ['正文'] });

  it('serialises what has no rendered text as usual', () => {
    const answers = [{}, { toast: { type: 'info', content: '好' } }, { card: { type: 'raw', data: { ...card } } }, { card: { type: 'raw', data: null } }];
    for (const answer of answers) expect(callbackAnswerBody(answer)).toBe(JSON.stringify(answer));
  });

  it('is the answer serialised when a toast holds the placeholder’s characters', () => {
    const answer = { toast: { type: 'info', content: '\u0000card\u0000' }, card: { type: 'raw', data: card } };
    expect(callbackAnswerBody(answer)).toBe(JSON.stringify(answer));
  });

  it('puts the rendered text in (not a second serialisation)', () => {
    const answer = { card: { type: 'raw', data: card } };
    // a change after rendering is not seen: the text is the card as rendered (cards are not changed after rendering)
    const body = callbackAnswerBody(answer);
    (card.header as { template: string }).template = 'red';
    expect(callbackAnswerBody(answer)).toBe(body);
    expect(JSON.parse(body).card.data.header.template).toBe('blue');
  });
});
