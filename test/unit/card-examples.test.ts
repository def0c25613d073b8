/**
 * Every card the bot can send (every template under cards/ × its example view models): Feishu would accept it (the
 * emulator's card validator), it fits the 30 KB limit, the sandbox renderer knows every component in it, and each
 * button the renderer draws is the one the simulated Feishu client would click. Also the `npm run cards` page.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CARD_EXAMPLES } from '../../src/bot/cardExamples';
import { findButtons } from '../../src/sandbox/client';
import { validateCard } from '../../src/sandbox/emulator';
import { elementAt, UNSUPPORTED_CLASS } from '../../src/sandbox/render/cardHtml';
import { cardsPageHtml, renderExamples } from '../../src/sandbox/render/cardsPage';

const CARDS_DIR = path.resolve(__dirname, '../../cards');
const { examples, missing } = renderExamples(CARDS_DIR);

it('has example view models for every template under cards/', () => {
  const templates = readdirSync(CARDS_DIR).filter((f) => f.endsWith('.hbs')).map((f) => f.replace(/\.hbs$/, ''));
  expect(missing).toEqual([]);
  expect(new Set(examples.map((e) => e.template))).toEqual(new Set(templates));
  expect(examples.length).toBe(Object.values(CARD_EXAMPLES).reduce((n, list) => n + list.length, 0));
});

describe.each(examples.map((e) => [`${e.template} · ${e.name}`, e] as const))('%s', (_label, e) => {
  it('passes the card validator and the 30 KB limit', () => {
    const check = validateCard(e.card);
    expect(check).toEqual({ ok: true, schema: '2.0' });
    expect(Buffer.byteLength(JSON.stringify(e.card), 'utf8')).toBeLessThanOrEqual(30 * 1024);
  });

  it('renders with no unsupported component', () => {
    expect(e.html).not.toContain(UNSUPPORTED_CLASS);
    expect(e.unsupported).toBe(false);
  });

  it('draws each button so that a click reaches the button the Feishu client would send', () => {
    const paths = [...e.html.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]!);
    expect(paths.map((p) => elementAt(e.card, p))).toEqual(findButtons(e.card).map((b) => b.element));
  });
});

it('puts every example into the previewer page with the validator’s verdict', () => {
  const html = cardsPageHtml(CARDS_DIR, '2026-06-18 09:00');
  expect(html.match(/<section class="example"/g)).toHaveLength(examples.length);
  expect(html.match(/通过卡片 JSON 2\.0 校验/g)).toHaveLength(examples.length);
  expect(html).not.toContain('飞书会拒绝');
  expect(html).toContain('.fc-card {'); // the stylesheet is inlined: the page stands alone
});
