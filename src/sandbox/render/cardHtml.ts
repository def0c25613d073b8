/**
 * Card JSON (2.0, and the 1.0 shapes the platform still accepts) → HTML, the way the Feishu client on a phone lays
 * it out. Used by the browser sandbox (each card the bot sent) and by `npm run cards` (every template with its
 * example view models). Pure: no I/O, no page state.
 *
 * The HTML carries what the page script needs to act as the Feishu client: buttons have `data-path` (their place in
 * the card JSON, resolved again on the server against the card as the emulator holds it), a `data-confirm` dialog,
 * `data-action` (`callback`, `submit`, `reset`, `link`, `none`); form fields have `data-field` with their name and
 * kind. A component this renderer does not know is shown as a visible “不支持的组件” box (`fc-unsupported`), never
 * dropped, so a card that would look different in Feishu is noticed.
 */
import { colourClass, escapeHtml, markdownToHtml, safeUrl } from './markdown';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** The class every unknown component gets; tests look for it. */
export const UNSUPPORTED_CLASS = 'fc-unsupported';

interface Ctx {
  /** JSON path of the current node, e.g. body/elements/3/columns/0/elements/1 */
  path: string;
  legacy: boolean;
  /** a form's name while inside it */
  form?: string;
}

const at = (ctx: Ctx, ...steps: (string | number)[]): Ctx => ({ ...ctx, path: [ctx.path, ...steps].filter((p) => p !== '').join('/') });

function attrs(map: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(map)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeHtml(String(v))}"`))
    .join('');
}

/** A text object ({tag: plain_text | lark_md, content}) or a bare string. */
function textHtml(t: unknown): string {
  if (typeof t === 'string') return escapeHtml(t).replace(/\n/g, '<br>');
  if (!isObject(t)) return '';
  const content = str(t.content) ?? '';
  if (t.tag === 'lark_md' || t.tag === 'markdown') return markdownToHtml(content);
  return escapeHtml(content).replace(/\n/g, '<br>');
}

const plain = (t: unknown): string => (isObject(t) ? str(t.content) ?? '' : typeof t === 'string' ? t : '');

function textStyle(el: Obj): string {
  const classes: string[] = [];
  const size = str(el.text_size) ?? (isObject(el.text) ? str(el.text.text_size) : undefined);
  if (size) classes.push(`fc-size-${size.replace(/[^a-z0-9-]/gi, '')}`);
  const align = str(el.text_align) ?? (isObject(el.text) ? str(el.text.text_align) : undefined);
  if (align === 'center' || align === 'right') classes.push(`fc-align-${align}`);
  const color = isObject(el.text) ? str(el.text.text_color) : str(el.text_color);
  if (color) classes.push(colourClass(color));
  return classes.join(' ');
}

function unsupported(el: Obj, why?: string): string {
  const tag = str(el.tag) ?? '（无 tag）';
  return `<div class="${UNSUPPORTED_CLASS}" title="${escapeHtml(why ?? '沙盒的卡片渲染器不认识这个组件')}">不支持的组件：${escapeHtml(tag)}</div>`;
}

function children(list: unknown, ctx: Ctx, key = 'elements'): string {
  if (!Array.isArray(list)) return '';
  return list.map((el, i) => element(el, at(ctx, key, i))).join('');
}

function spacing(v: unknown): string | undefined {
  const named: Record<string, string> = { small: '4px', medium: '8px', large: '12px', extra_large: '16px', default: '8px' };
  const s = str(v);
  if (!s) return undefined;
  return named[s] ?? (/^\d+px$/.test(s) ? s : undefined);
}

// ---- interactive components ---------------------------------------------------------------------------------------

function behaviourOf(el: Obj): { action: 'callback' | 'submit' | 'reset' | 'link' | 'none'; url?: string } {
  const behaviors = Array.isArray(el.behaviors) ? el.behaviors.filter(isObject) : [];
  const formAction = el.form_action_type ?? (el.action_type === 'form_submit' ? 'submit' : el.action_type === 'form_reset' ? 'reset' : undefined);
  if (formAction === 'reset') return { action: 'reset' };
  if (formAction === 'submit') return { action: 'submit' };
  if (behaviors.some((b) => b.type === 'callback')) return { action: 'callback' };
  const link = behaviors.find((b) => b.type === 'open_url');
  const url = safeUrl(str(link?.default_url) ?? str(link?.pc_url) ?? str(el.url) ?? (isObject(el.multi_url) ? str(el.multi_url.url) : undefined) ?? '');
  if (url) return { action: 'link', url };
  if (isObject(el.value)) return { action: 'callback' }; // 1.0 buttons
  return { action: 'none' };
}

function confirmAttrs(el: Obj): Record<string, string | undefined> {
  if (!isObject(el.confirm)) return {};
  return { 'data-confirm-title': plain(el.confirm.title) || '确认', 'data-confirm-text': plain(el.confirm.text) };
}

function button(el: Obj, ctx: Ctx): string {
  const type = str(el.type) ?? 'default';
  const { action, url } = behaviourOf(el);
  const width = el.width === 'fill' ? ' fc-btn-fill' : '';
  const size = str(el.size) ? ` fc-btn-${str(el.size)}` : '';
  return `<button type="button"${attrs({
    class: `fc-btn fc-btn-${type.replace(/[^a-z_]/g, '')}${width}${size}`,
    'data-path': ctx.path,
    'data-action': action,
    'data-url': url,
    'data-form': ctx.form,
    disabled: el.disabled === true,
    title: el.disabled === true ? plain(el.disabled_tips) || undefined : plain(el.hover_tips) || undefined,
    ...confirmAttrs(el),
  })}>${escapeHtml(plain(el.text))}</button>`;
}

function fieldLabel(el: Obj, id: string): string {
  const label = plain(el.label);
  if (!label) return '';
  const star = el.required === true ? '<span class="fc-required">*</span>' : '';
  return `<label class="fc-label" for="${escapeHtml(id)}">${star}${escapeHtml(label)}</label>`;
}

let fieldSeq = 0;

function input(el: Obj, ctx: Ctx): string {
  const id = `fcf-${(fieldSeq += 1)}`;
  const name = str(el.name) ?? '';
  const max = typeof el.max_length === 'number' ? el.max_length : 1000;
  const value = str(el.default_value) ?? str(el.value) ?? '';
  const common = attrs({
    id,
    name,
    class: 'fc-input',
    'data-field': name,
    'data-kind': 'input',
    'data-form': ctx.form,
    maxlength: max,
    required: el.required === true,
    disabled: el.disabled === true,
    placeholder: plain(el.placeholder) || undefined,
    'data-default': value,
  });
  const field = el.input_type === 'multiline_text'
    ? `<textarea${common} rows="${typeof el.rows === 'number' ? el.rows : 3}">${escapeHtml(value)}</textarea>`
    : `<input type="${el.input_type === 'password' ? 'password' : 'text'}"${common} value="${escapeHtml(value)}">`;
  const left = el.label_position === 'left' ? ' fc-field-left' : '';
  return `<div class="fc-field${left}">${fieldLabel(el, id)}${field}<div class="fc-field-note" data-counter-for="${id}"></div></div>`;
}

function options(el: Obj): { value: string; text: string }[] {
  return (Array.isArray(el.options) ? el.options.filter(isObject) : []).map((o) => ({
    value: str(o.value) ?? '',
    text: plain(o.text) || str(o.value) || '',
  }));
}

function select(el: Obj, ctx: Ctx, multi: boolean): string {
  const id = `fcf-${(fieldSeq += 1)}`;
  const name = str(el.name) ?? '';
  const opts = options(el);
  const selected = new Set<string>(
    multi
      ? (Array.isArray(el.selected_values) ? el.selected_values.map(String) : [])
      : [str(el.initial_option) ?? (typeof el.initial_index === 'number' ? opts[el.initial_index - 1]?.value ?? '' : '')],
  );
  const person = String(el.tag).includes('person');
  const list = opts
    .map((o) => `<option${attrs({ value: o.value, selected: selected.has(o.value) })}>${escapeHtml(person && o.text === o.value ? `用户 ${o.value}` : o.text)}</option>`)
    .join('');
  const placeholder = multi ? '' : `<option value="">${escapeHtml(plain(el.placeholder) || '请选择')}</option>`;
  return `<div class="fc-field">${fieldLabel(el, id)}<select${attrs({
    id,
    name,
    class: 'fc-select',
    'data-field': name,
    'data-kind': multi ? 'multi' : 'select',
    'data-form': ctx.form,
    multiple: multi,
    required: el.required === true,
    disabled: el.disabled === true,
  })}>${placeholder}${list}</select></div>`;
}

function picker(el: Obj, ctx: Ctx): string {
  const id = `fcf-${(fieldSeq += 1)}`;
  const name = str(el.name) ?? '';
  const kind = el.tag === 'date_picker' ? 'date' : el.tag === 'picker_time' ? 'time' : 'datetime';
  const initial = str(el.initial_date) ?? str(el.initial_time) ?? str(el.initial_datetime) ?? str(el.value) ?? '';
  const type = kind === 'datetime' ? 'datetime-local' : kind;
  return `<div class="fc-field">${fieldLabel(el, id)}<input${attrs({
    id,
    type,
    name,
    class: 'fc-input fc-picker',
    'data-field': name,
    'data-kind': kind,
    'data-form': ctx.form,
    value: kind === 'datetime' ? initial.replace(' ', 'T') : initial,
    'data-default': initial,
    required: el.required === true,
    disabled: el.disabled === true,
    title: plain(el.placeholder) || undefined,
  })}></div>`;
}

function checker(el: Obj, ctx: Ctx): string {
  const name = str(el.name) ?? '';
  return `<label class="fc-checker"><input type="checkbox"${attrs({
    'data-field': name || undefined,
    'data-kind': 'checker',
    'data-form': ctx.form,
    checked: el.checked === true,
    disabled: el.disabled === true,
  })}> <span>${textHtml(el.text)}</span></label>`;
}

// ---- display components -------------------------------------------------------------------------------------------

function imgPlaceholder(el: Obj, key: string | undefined): string {
  const label = plain(el.alt) || plain(el.title) || '图片';
  return `<div class="fc-img" data-img-key="${escapeHtml(key ?? '')}"><span>🖼 ${escapeHtml(label)}</span></div>`;
}

function tableCell(value: unknown, type: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    return value
      .map((v) => (isObject(v) ? `<span class="fc-tag ${colourClass(str(v.color))}">${escapeHtml(plain(v.text) || str(v.value) || str(v.id) || '')}</span>` : escapeHtml(String(v))))
      .join(' ');
  }
  const s = str(value) ?? JSON.stringify(value);
  if (type === 'lark_md' || type === 'markdown') return markdownToHtml(s);
  return escapeHtml(s).replace(/\n/g, '<br>');
}

function table(el: Obj): string {
  const cols = (Array.isArray(el.columns) ? el.columns.filter(isObject) : []).map((c) => ({
    name: str(c.name) ?? '',
    title: str(c.display_name) ?? str(c.name) ?? '',
    type: str(c.data_type) ?? 'text',
    align: str(c.horizontal_align),
  }));
  const rows = Array.isArray(el.rows) ? el.rows.filter(isObject) : [];
  const pageSize = typeof el.page_size === 'number' && el.page_size >= 1 ? Math.min(10, Math.floor(el.page_size)) : 5;
  const head = cols.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('');
  const body = rows
    .map((r, i) => {
      const cells = cols.map((c) => `<td${c.align === 'right' || c.type === 'number' ? ' class="fc-num"' : ''}>${tableCell(r[c.name], c.type)}</td>`).join('');
      const page = Math.floor(i / pageSize);
      return `<tr data-page="${page}"${page > 0 ? ' hidden' : ''}>${cells}</tr>`;
    })
    .join('');
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const pager = pages > 1
    ? `<div class="fc-pager" data-pages="${pages}"><button type="button" class="fc-page-prev" disabled>‹</button><span class="fc-page-no">1/${pages}</span><button type="button" class="fc-page-next">›</button></div>`
    : '';
  return `<div class="fc-table-wrap"><table class="fc-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${pager}</div>`;
}

function columnSet(el: Obj, ctx: Ctx): string {
  const cols = Array.isArray(el.columns) ? el.columns : [];
  const gap = spacing(el.horizontal_spacing) ?? '8px';
  const mode = str(el.flex_mode) ?? 'none';
  const inner = cols
    .map((c, i) => {
      const cctx = at(ctx, 'columns', i);
      if (!isObject(c) || c.tag !== 'column') return isObject(c) ? unsupported(c, '分栏里只能放 column') : '';
      const width = str(c.width) ?? 'auto';
      const weight = typeof c.weight === 'number' ? c.weight : 1;
      const style = width === 'weighted' ? `flex:${weight} 1 0` : /^\d+px$/.test(width) ? `flex:0 0 ${width}` : 'flex:0 1 auto';
      const valign = str(c.vertical_align) ?? 'top';
      return `<div class="fc-col fc-valign-${valign.replace(/[^a-z]/g, '')}" style="${style}">${children(c.elements, cctx)}</div>`;
    })
    .join('');
  return `<div class="fc-cols fc-flex-${mode.replace(/[^a-z]/g, '')}" style="gap:${gap}">${inner}</div>`;
}

function panel(el: Obj, ctx: Ctx): string {
  const header = isObject(el.header) ? el.header : {};
  const title = isObject(header.title) ? textHtml({ ...header.title, tag: header.title.tag === 'markdown' ? 'lark_md' : header.title.tag }) : '';
  return `<details class="fc-panel"${el.expanded === true ? ' open' : ''}><summary>${title}</summary><div class="fc-panel-body">${children(el.elements, ctx)}</div></details>`;
}

function element(node: unknown, ctx: Ctx): string {
  if (!isObject(node)) return '';
  const el = node;
  switch (el.tag) {
    case 'markdown':
    case 'lark_md':
      return `<div class="fc-md ${textStyle(el)}">${markdownToHtml(str(el.content) ?? '')}</div>`;
    case 'plain_text':
      return `<div class="fc-text ${textStyle(el)}">${textHtml(el)}</div>`;
    case 'div': {
      const fields = Array.isArray(el.fields)
        ? `<div class="fc-fields">${el.fields.filter(isObject).map((f) => `<div class="${f.is_short === true ? 'fc-short' : 'fc-long'}">${textHtml(f.text)}</div>`).join('')}</div>`
        : '';
      const extra = ctx.legacy && isObject(el.extra) ? element(el.extra, at(ctx, 'extra')) : '';
      return `<div class="fc-div ${textStyle(el)}">${textHtml(el.text)}${fields}${extra}</div>`;
    }
    case 'hr':
      return '<hr class="fc-hr">';
    case 'column_set':
      return columnSet(el, ctx);
    case 'form': {
      const name = str(el.name) ?? '';
      return `<form class="fc-form" data-form-name="${escapeHtml(name)}" novalidate>${children(el.elements, { ...ctx, form: name })}</form>`;
    }
    case 'interactive_container':
      return `<div class="fc-container${el.has_border === true ? ' fc-bordered' : ''}">${children(el.elements, ctx)}</div>`;
    case 'collapsible_panel':
      return panel(el, ctx);
    case 'button':
      return button(el, ctx);
    case 'input':
      return input(el, ctx);
    case 'select_static':
    case 'select_person':
      return select(el, ctx, false);
    case 'multi_select_static':
    case 'multi_select_person':
      return select(el, ctx, true);
    case 'date_picker':
    case 'picker_time':
    case 'picker_datetime':
      return picker(el, ctx);
    case 'checker':
      return checker(el, ctx);
    case 'overflow':
      return `<div class="fc-overflow">${options(el).map((o) => `<span class="fc-chip">${escapeHtml(o.text)}</span>`).join('')}</div>`;
    case 'table':
      return table(el);
    case 'img':
      return imgPlaceholder(el, str(el.img_key));
    case 'img_combination':
      return `<div class="fc-img-grid">${(Array.isArray(el.img_list) ? el.img_list.filter(isObject) : []).map((i) => imgPlaceholder({}, str(i.img_key))).join('')}</div>`;
    case 'select_img':
      return `<div class="fc-img-grid">${(Array.isArray(el.options) ? el.options.filter(isObject) : []).map((i) => imgPlaceholder({}, str(i.img_key))).join('')}</div>`;
    case 'person':
      return `<span class="fc-at">@${escapeHtml(str(el.user_id) ?? '')}</span>`;
    case 'person_list':
      return `<div>${(Array.isArray(el.persons) ? el.persons.filter(isObject) : []).map((p) => `<span class="fc-at">@${escapeHtml(str(p.id) ?? '')}</span>`).join(' ')}</div>`;
    case 'chart':
      return '<div class="fc-placeholder">📊 图表（沙盒中不绘制）</div>';
    case 'audio':
      return '<div class="fc-placeholder">🔊 语音</div>';
    // 1.0 only (refused in 2.0, docs/feishu-cards.md §5)
    case 'action':
      return ctx.legacy ? `<div class="fc-cols fc-flex-flow" style="gap:8px">${children(el.actions, ctx, 'actions')}</div>` : unsupported(el, '卡片 2.0 不再支持 action');
    case 'note':
      return ctx.legacy ? `<div class="fc-md fc-size-notation">${children(el.elements, ctx)}</div>` : unsupported(el, '卡片 2.0 不再支持 note');
    default:
      return unsupported(el);
  }
}

const HEADER_TEMPLATES = new Set(['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default']);

function header(card: Obj): string {
  const h = isObject(card.header) ? card.header : undefined;
  if (!h) return '';
  const template = str(h.template) ?? 'default';
  const cls = HEADER_TEMPLATES.has(template) ? template : 'default';
  const title = plain(h.title);
  const subtitle = plain(h.subtitle);
  const tags = (Array.isArray(h.text_tag_list) ? h.text_tag_list.filter(isObject) : [])
    .slice(0, 3)
    .map((t) => `<span class="fc-tag ${colourClass(str(t.color))}">${escapeHtml(plain(t.text))}</span>`)
    .join('');
  return `<div class="fc-header fc-header-${cls}"><div class="fc-title">${escapeHtml(title || subtitle)}${tags}</div>${title && subtitle ? `<div class="fc-subtitle">${escapeHtml(subtitle)}</div>` : ''}</div>`;
}

/**
 * The card as HTML. A card sent as a template reference (`{type: 'template'}`) cannot be shown without the
 * template: it is shown as an unsupported box.
 */
export function renderCardHtml(card: unknown): string {
  if (!isObject(card)) return `<div class="fc-card">${unsupported({ tag: 'card' }, '卡片内容不是 JSON 对象')}</div>`;
  if (card.type === 'template' || card.type === 'card') return `<div class="fc-card">${unsupported({ tag: `${String(card.type)}` }, '模板卡片需要在飞书开放平台上的模板才能显示')}</div>`;
  const legacy = card.schema !== '2.0';
  const body = isObject(card.body) ? card.body : undefined;
  const list = legacy ? card.elements : body?.elements;
  const ctx: Ctx = { path: legacy ? '' : 'body', legacy };
  const pad = body && spacing(body.vertical_spacing) ? ` style="gap:${spacing(body.vertical_spacing)}"` : '';
  return `<div class="fc-card">${header(card)}<div class="fc-body"${pad}>${children(list, ctx)}</div></div>`;
}

/** The summary line a chat list shows for a card (config.summary, else the title). */
export function cardSummary(card: unknown): string {
  if (!isObject(card)) return '[卡片]';
  const summary = isObject(card.config) && isObject(card.config.summary) ? str(card.config.summary.content) : undefined;
  const title = isObject(card.header) ? plain(card.header.title) : '';
  return summary || title || '[卡片]';
}

/** The component at a `data-path` of a rendered card (as the server resolves a click). */
export function elementAt(card: unknown, path: string): Obj | undefined {
  let node: unknown = card;
  for (const step of path.split('/').filter((s) => s !== '')) {
    if (Array.isArray(node) && /^\d+$/.test(step)) node = node[Number(step)];
    else if (isObject(node)) node = node[step];
    else return undefined;
  }
  return isObject(node) ? node : undefined;
}
