import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { rememberCardText } from '../platform/callbackBody';
import { CARD_MAX_BYTES } from '../platform/outbox';
import { MSG } from './messages';

/** A card JSON 2.0 object, ready for im/v1 or a callback response. */
export type CardJson = Record<string, unknown>;

export type HeaderColor = 'blue' | 'green' | 'orange' | 'red' | 'grey' | 'turquoise' | 'wathet' | 'yellow';

export interface ButtonView {
  text: string;
  type: 'primary' | 'default' | 'danger';
  /** the callback value, validated again (zod) when the click comes back */
  value: Record<string, string | number>;
}

// ---- view models, one per template under cards/ -------------------------------------------------------------

export interface MessageView {
  title: string;
  color: HeaderColor;
  /** markdown paragraphs; user-supplied parts must pass through `md()` */
  paragraphs: string[];
  buttons?: ButtonView[];
}

export interface HelpView {
  title: string;
  intro: string;
  commands: { usage: string; summary: string; detail?: string; button?: ButtonView }[];
  footer: string;
}

export interface TableView {
  pageSize: number;
  columns: { name: string; title: string }[];
  rows: Record<string, string>[];
}

/** Header, sections of markdown each with an optional table, a small-print note and buttons. */
export interface ReportView {
  title: string;
  color: HeaderColor;
  sections: { heading?: string; text: string; table?: TableView }[];
  note?: string;
  buttons?: ButtonView[];
}

/** Other modules add their views by augmenting this interface (`declare module './cards'`). */
export interface CardViews {
  message: MessageView;
  help: HelpView;
  report: ReportView;
}

// ---- rendering ------------------------------------------------------------------------------------------------

export function findCardsDir(): string {
  // src/bot → ../../cards; dist/src/bot → ../../../cards
  const candidates = [path.resolve(__dirname, '../../cards'), path.resolve(__dirname, '../../../cards')];
  const dir = candidates.find((d) => existsSync(path.join(d, 'message.hbs')));
  if (!dir) throw new Error(`card templates not found (looked in ${candidates.join(', ')})`);
  return dir;
}

/**
 * A template's source without the whitespace that lays its JSON out (outside JSON strings and outside `{{…}}`), so
 * that it renders to compact JSON: the same card, in fewer bytes to build, parse and send. What is inside a JSON
 * string literal or a Handlebars tag is kept as written (a tag inside a string included).
 */
export function compactTemplate(source: string): string {
  let out = '';
  let inString = false;
  // where the last tag ended in `out`: a "}" right after it, or a tag right after a "{", would make "}}}" or
  // "{{{" (a triple-stash); a space between them that the tag's "~" takes away again keeps them apart
  let tagEnd = -1;
  const emit = (c: string) => {
    if (c === '}' && tagEnd === out.length) out = `${out.endsWith('~}}') ? out : `${out.slice(0, -2)}~}}`} `;
    out += c;
  };
  let i = 0;
  while (i < source.length) {
    if (source.startsWith('{{', i)) {
      // a tag: {{!-- … --}} comments may hold "}}", every other tag ends at the first "}}"
      const comment = source.startsWith('{{!--', i);
      const close = comment ? source.indexOf('--}}', i + 5) + 4 : source.indexOf('}}', i + 2) + 2;
      if (close < 4) throw new Error('unclosed Handlebars tag in a card template');
      let tag = source.slice(i, close);
      if (out.endsWith('{') && !comment) tag = ` ${tag.startsWith('{{~') ? tag : `{{~${tag.slice(2)}`}`;
      out += tag;
      tagEnd = out.length;
      i = close;
      continue;
    }
    const c = source[i]!;
    if (inString) {
      if (c === '\\') {
        emit(source.slice(i, i + 2));
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      emit(c);
    } else if (c === '"') {
      inString = true;
      emit(c);
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      emit(c);
    }
    i += 1;
  }
  return out;
}

/**
 * Templates write JSON; every value goes through {{json …}}, so nothing a user typed can break the structure.
 * Compiled from their compact form (compactTemplate): a card renders to the compact JSON of itself, the text
 * JSON.stringify would give (test/unit/card-text.test.ts checks it for every example), which a callback answer then
 * sends as it is (platform/callbackBody.ts).
 */
export function createEngine(dir: string, opts: { compact?: boolean } = {}): Map<string, HandlebarsTemplateDelegate> {
  const compact = opts.compact ?? true;
  const load = (file: string) => {
    const source = readFileSync(file, 'utf8');
    return compact ? compactTemplate(source) : source;
  };
  const hb = Handlebars.create();
  hb.registerHelper('json', (value: unknown) => new hb.SafeString(JSON.stringify(value ?? null)));
  hb.registerHelper('comma', (isLast: unknown) => (isLast ? '' : ','));
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  const partialDir = path.join(dir, 'partials');
  if (existsSync(partialDir)) {
    for (const f of readdirSync(partialDir).filter((f) => f.endsWith('.hbs'))) {
      hb.registerPartial(path.basename(f, '.hbs'), load(path.join(partialDir, f)));
    }
  }
  const templates = new Map<string, HandlebarsTemplateDelegate>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.hbs'))) {
    templates.set(path.basename(f, '.hbs'), hb.compile(load(path.join(dir, f)), { noEscape: true }));
  }
  return templates;
}

let engine: Map<string, HandlebarsTemplateDelegate> | undefined;

/** Feishu refuses a card over 30 KB (230025): measured as sent, the compact JSON in UTF-8 bytes. */
export { CARD_MAX_BYTES };

export function cardBytes(card: CardJson): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * What is sent instead of a card too big for Feishu: a short card with the original title that says so and how to
 * get the content (/导出 for records, /汇总 for reports), so a too-big card is never lost silently.
 */
export function oversizeCard(card: CardJson, bytes: number): CardJson {
  const header = card.header as { title?: { content?: unknown } } | undefined;
  const raw = typeof header?.title?.content === 'string' ? header.title.content : '';
  const head = [...raw.slice(0, 82)];
  const title = head.length > 40 ? `${head.slice(0, 40).join('')}…` : raw || MSG.oversizeTitle;
  const short = render('message', { title, color: 'orange', paragraphs: [MSG.oversizeText(Math.ceil(bytes / 1024)), MSG.oversizeHint] });
  STAND_INS.add(short);
  return short;
}

/** The short cards renderCard gave instead of one that was too large. */
const STAND_INS = new WeakSet<CardJson>();

/**
 * Whether `card` is the short stand-in renderCard returned for a card over Feishu's limit. Callers for whom the
 * stand-in is no use (the draw's dispatch: a task card without its buttons) park the item instead.
 */
export function isOversizeStandIn(card: CardJson): boolean {
  return STAND_INS.has(card);
}

/** The card and the template's text it was parsed from: the card's compact JSON (createEngine). */
function renderText<K extends keyof CardViews>(name: K, view: CardViews[K]): { card: CardJson; text: string } {
  engine ??= createEngine(findCardsDir());
  const template = engine.get(name);
  if (!template) throw new Error(`no card template “${name}”`);
  const text = template(view);
  try {
    return { card: JSON.parse(text) as CardJson, text };
  } catch (err) {
    throw new Error(`card template “${name}” produced invalid JSON: ${(err as Error).message}`);
  }
}

function render<K extends keyof CardViews>(name: K, view: CardViews[K]): CardJson {
  return renderText(name, view).card;
}

/** Renders a card; one that would be over Feishu's 30 KB comes out as `oversizeCard` instead. */
export function renderCard<K extends keyof CardViews>(name: K, view: CardViews[K]): CardJson {
  const { card, text } = renderText(name, view);
  // The template's text is the card's compact JSON ({{json}} is JSON.stringify), so its UTF-8 size is the size
  // as sent. The exact measure is kept for a text over the limit (no second serialisation of every card).
  if (Buffer.byteLength(text, 'utf8') <= CARD_MAX_BYTES) {
    rememberCardText(card, text);
    return card;
  }
  const bytes = cardBytes(card);
  if (bytes > CARD_MAX_BYTES) return oversizeCard(card, bytes);
  rememberCardText(card, text);
  return card;
}

/**
 * Makes text from users (names, records, typed arguments) show as it is in a markdown component: every character
 * that Feishu's card markdown could read as syntax (links, images, emphasis, code, headings, lists, tables, quotes,
 * tags such as <at id=all>, <font>, <a>, <link>, emoji :OK:, and the entity `&` that would turn &lt;at&gt; back into
 * a tag) becomes an HTML numeric character reference, the escaping Feishu documents for card markdown
 * (docs/feishu-cards.md). Use it for markdown only: plain_text elements, table cells of type text and toasts show
 * text as it is and need no escaping.
 */
export function md(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (c) => `&#${c.charCodeAt(0)};`);
}

const MARKDOWN_SPECIAL = /[\\`*_~[\]()<>#|&!+\-:$=.]/g;
