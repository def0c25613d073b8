/**
 * The markdown of Feishu cards (the subset the `markdown` component and `lark_md` text accept, docs/feishu-cards.md)
 * → HTML. Everything not recognised is shown as text: every character of the source is escaped unless a rule below
 * turns it into markup, so nothing a user typed can inject HTML into the sandbox page.
 *
 * Inline: `\` escapes, `code`, **bold**, *italic*, ~~strike~~, [text](url), <font color>, <text_tag color>, <at id>,
 * <link url>, <br>. Blocks: # headings, - / * / 1. lists, > quotes, ``` code blocks, --- rules; other lines keep
 * their line breaks, as the Feishu client does.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Colour names of the card colour enum (docs/feishu-cards.md §4) that the page's stylesheet knows. */
const COLOURS = new Set([
  'blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey',
  'gray', 'lime', 'neutral', 'default',
]);

export function colourClass(colour: string | undefined): string {
  const base = (colour ?? '').toLowerCase().replace(/-\d+$/, '');
  return COLOURS.has(base) ? `fc-c-${base === 'gray' ? 'grey' : base}` : 'fc-c-default';
}

/** Links open outside the page and only for web addresses (or paths of this service). */
export function safeUrl(url: string): string | undefined {
  const u = url.trim();
  if (/^https?:\/\//i.test(u) || /^\/(?!\/)/.test(u)) return u;
  return undefined;
}

const MARK = '\u0000';

function inline(source: string): string {
  const stash: string[] = [];
  const keep = (html: string): string => `${MARK}${stash.push(html) - 1}${MARK}`;
  let s = source;
  // 1. backslash escapes and code spans are taken out first: nothing inside them is markup
  s = s.replace(/\\([\\`*_~[\]()<>#|!+\-.{}])/g, (_m, c: string) => keep(escapeHtml(c)));
  s = s.replace(/`([^`\n]+)`/g, (_m, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  // character references show as the character they name, as in the Feishu client (the bot writes user text so)
  s = s.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos|nbsp);/gi, (m, ref: string) => {
    if (ref[0] !== '#') return keep(m);
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? keep(`&#${code};`) : m;
  });
  // 2. the tags Feishu knows; attributes are read, never copied
  const attr = (attrs: string, name: string): string | undefined =>
    new RegExp(`${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)"|([^\\s>]+))`, 'i').exec(attrs)?.slice(1).find((v) => v !== undefined);
  s = s.replace(/<br\s*\/?>/gi, () => keep('<br>'));
  s = s.replace(/<font\b([^>]*)>/gi, (_m, attrs: string) => keep(`<span class="fc-font ${colourClass(attr(attrs, 'color'))}">`));
  s = s.replace(/<\/font>/gi, () => keep('</span>'));
  s = s.replace(/<text_tag\b([^>]*)>/gi, (_m, attrs: string) => keep(`<span class="fc-tag ${colourClass(attr(attrs, 'color'))}">`));
  s = s.replace(/<\/text_tag>/gi, () => keep('</span>'));
  s = s.replace(/<at\b([^>]*)>\s*<\/at>/gi, (_m, attrs: string) => {
    const id = attr(attrs, 'id') ?? attr(attrs, 'user_id') ?? attr(attrs, 'email') ?? '';
    return keep(`<span class="fc-at">@${escapeHtml(id === 'all' ? '所有人' : id)}</span>`);
  });
  s = s.replace(/<link\b([^>]*)>([^<]*)<\/link>/gi, (_m, attrs: string, text: string) => {
    const url = safeUrl(attr(attrs, 'url') ?? attr(attrs, 'pc_url') ?? '');
    return keep(url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(text)}</a>` : escapeHtml(text));
  });
  s = s.replace(/<a\b([^>]*)>([^<]*)<\/a>/gi, (_m, attrs: string, text: string) => {
    const url = safeUrl(attr(attrs, 'href') ?? '');
    return keep(url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(text)}</a>` : escapeHtml(text));
  });
  // 3. links [text](url); the text may hold emphasis
  s = s.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_m, text: string, href: string) => {
    const url = safeUrl(href);
    return url ? keep(`<a href="${escapeHtml(url)}" target="_blank" rel="noopener">`) + text + keep('</a>') : `${text}`;
  });
  // 4. everything left is text
  s = escapeHtml(s);
  s = s.replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/~~([^~\n]+?)~~/g, '<del>$1</del>');
  s = s.replace(/(^|[^*\w])\*([^*\n]+?)\*(?!\*)/g, '$1<em>$2</em>');
  s = s.replace(/(^|[^_\w])_([^_\n]+?)_(?!\w)/g, '$1<em>$2</em>');
  return s.replace(new RegExp(`${MARK}(\\d+)${MARK}`, 'g'), (_m, i: string) => stash[Number(i)]!);
}

export function markdownToHtml(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  const flushPara = (): void => {
    if (para.length) out.push(`<p>${para.join('<br>')}</p>`);
    para = [];
  };
  const flushList = (): void => {
    if (list) out.push(`<${list.ordered ? 'ol' : 'ul'}>${list.items.map((i) => `<li>${i}</li>`).join('')}</${list.ordered ? 'ol' : 'ul'}>`);
    list = undefined;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const fence = /^```\s*(\S*)\s*$/.exec(line);
    if (fence) {
      flushPara();
      flushList();
      const code: string[] = [];
      for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) code.push(lines[i]!);
      out.push(`<pre class="fc-code">${escapeHtml(code.join('\n'))}</pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
    const quote = /^>\s?(.*)$/.exec(line);
    if (heading) {
      flushPara();
      flushList();
      out.push(`<div class="fc-h fc-h${heading[1]!.length}">${inline(heading[2]!)}</div>`);
    } else if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) {
      flushPara();
      flushList();
      out.push('<hr class="fc-md-hr">');
    } else if (bullet || numbered) {
      flushPara();
      const ordered = Boolean(numbered);
      if (list && list.ordered !== ordered) flushList();
      list ??= { ordered, items: [] };
      list.items.push(inline(ordered ? numbered![2]! : bullet![1]!));
    } else if (quote) {
      flushPara();
      flushList();
      out.push(`<blockquote>${inline(quote[1]!)}</blockquote>`);
    } else if (line.trim() === '') {
      flushPara();
      flushList();
    } else {
      flushList();
      para.push(inline(line));
    }
  }
  flushPara();
  flushList();
  return out.join('');
}
