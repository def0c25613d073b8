/**
 * Server-side validation of interactive card content, following docs/feishu-cards.md.
 *
 * Schema 2.0 cards are checked strictly (unknown keys and tags are refused, like the platform does); 1.0 cards only
 * need to be JSON objects. The first violation found wins, as on the server. Values the rules list as "unclear"
 * (style enumerations, length ranges other than input max_length, server-state checks) are accepted.
 */

export interface CardViolation {
  /** The sub-code the platform puts after `ErrCode:` (e.g. 200621, 200861, 300123, 11310). */
  errCode: number;
  /** `ROOT -> body -> elements -> [1](tag: action)` style location. */
  errPath: string;
  errMsg: string;
  errorValue: string;
}

export type CardCheck = { ok: true; schema: '1.0' | '2.0' } | ({ ok: false } & CardViolation);

export const CardErr = {
  parse: 200621,
  removedInV2: 200861,
  limitOrDuplicateName: 11310,
  noSubmitButton: 300123,
  duplicateElementId: 300301,
  audioForward: 300220,
  duplicateAudioId: 300230,
  versionDowngrade: 200830,
} as const;

/** The `msg` of a 230099 answer for a violation. */
export function formatCardViolation(v: CardViolation): string {
  return `Failed to create card content, ext=ErrCode: ${v.errCode}; ErrPath: ${v.errPath}; ErrMsg: ${v.errMsg}; ErrorValue: ${v.errorValue};`;
}

export const isCardV2 = (card: unknown): boolean => isObject(card) && card.schema === '2.0';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Refusal extends Error {
  constructor(readonly violation: CardViolation) {
    super(violation.errMsg);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Component table (rules §4, §5)

const COMMON = ['tag', 'element_id', 'margin', 'fallback'];
const LAYOUT = ['direction', 'padding', 'horizontal_spacing', 'vertical_spacing', 'horizontal_align', 'vertical_align'];
const INTERACTIVE = ['name', 'required', 'disabled', 'disabled_tips', 'width', 'placeholder', 'behaviors', 'confirm'];

type ContainerKind = 'elements' | 'columns';

interface ComponentSpec {
  keys: readonly string[];
  required?: readonly string[];
  /** Children property of a container (counts as one nesting level). */
  container?: ContainerKind;
  /** A form field: its value is submitted with the form. */
  formField?: boolean;
}

const SPECS: Record<string, ComponentSpec> = {
  // containers
  column_set: {
    keys: [...LAYOUT, 'flex_mode', 'background_style', 'action', 'columns'],
    required: ['columns'],
    container: 'columns',
  },
  form: { keys: [...LAYOUT, 'name', 'elements'], required: ['name', 'elements'], container: 'elements' },
  interactive_container: {
    keys: [...LAYOUT, 'width', 'height', 'background_style', 'has_border', 'border_color', 'corner_radius', 'behaviors',
      'disabled', 'disabled_tips', 'confirm', 'hover_tips', 'elements'],
    container: 'elements',
  },
  collapsible_panel: {
    keys: [...LAYOUT, 'expanded', 'background_color', 'header', 'border', 'elements'],
    required: ['header'],
    container: 'elements',
  },
  // display
  markdown: { keys: ['content', 'i18n_content', 'text_size', 'text_align', 'icon'] },
  div: { keys: ['width', 'text', 'icon', 'fields'] },
  img: {
    keys: ['img_key', 'i18n_img_key', 'alt', 'title', 'corner_radius', 'scale_type', 'size', 'transparent', 'preview',
      'mode', 'custom_width', 'compact_width'],
  },
  img_combination: {
    keys: ['combination_mode', 'combination_transparent', 'corner_radius', 'img_list'],
    required: ['combination_mode', 'img_list'],
  },
  hr: { keys: [] },
  person: { keys: ['user_id', 'size', 'show_avatar', 'show_name', 'style'], required: ['user_id'] },
  person_list: {
    keys: ['persons', 'drop_invalid_user_id', 'lines', 'show_name', 'show_avatar', 'size', 'icon', 'ud_icon'],
    required: ['persons'],
  },
  chart: { keys: ['chart_spec', 'aspect_ratio', 'color_theme', 'preview', 'height'], required: ['chart_spec'] },
  table: {
    keys: ['page_size', 'row_height', 'row_max_height', 'freeze_first_column', 'header_style', 'columns', 'rows'],
    required: ['columns', 'rows'],
  },
  audio: {
    keys: ['file_key', 'i18n_file_key', 'audio_id', 'disabled', 'disabled_tips', 'show_progress_bar', 'show_time',
      'time_display', 'time_position', 'border', 'style', 'padding', 'background_style', 'fill_color', 'width'],
    required: ['file_key'],
  },
  // interactive
  button: {
    keys: ['type', 'size', 'width', 'text', 'icon', 'hover_tips', 'disabled', 'disabled_tips', 'name', 'form_action_type',
      'behaviors', 'confirm', 'url', 'multi_url', 'value', 'action_type', 'complex_interaction'],
  },
  input: {
    keys: [...INTERACTIVE, 'default_value', 'i18n_default_value', 'max_length', 'input_type', 'rows', 'auto_resize',
      'max_rows', 'show_icon', 'label', 'label_position', 'value'],
    formField: true,
  },
  select_static: {
    keys: [...INTERACTIVE, 'type', 'initial_option', 'initial_index', 'options'],
    required: ['options'],
    formField: true,
  },
  multi_select_static: {
    keys: [...INTERACTIVE, 'type', 'selected_values', 'options'],
    required: ['options'],
    formField: true,
  },
  select_person: { keys: [...INTERACTIVE, 'type', 'initial_option', 'options'], formField: true },
  multi_select_person: { keys: [...INTERACTIVE, 'type', 'selected_values', 'options'], formField: true },
  date_picker: { keys: [...INTERACTIVE, 'initial_date', 'value'], formField: true },
  picker_time: { keys: [...INTERACTIVE, 'initial_time', 'value'], formField: true },
  picker_datetime: { keys: [...INTERACTIVE, 'initial_datetime', 'value'], formField: true },
  overflow: { keys: ['options', 'behaviors', 'confirm', 'width', 'value'], required: ['options'] },
  checker: {
    keys: ['name', 'checked', 'text', 'overall_checkable', 'button_area', 'checked_style', 'padding', 'hover_tips',
      'disabled', 'disabled_tips', 'behaviors', 'confirm'],
    formField: true,
  },
  select_img: {
    keys: ['multi_select', 'layout', 'name', 'required', 'can_preview', 'aspect_ratio', 'disabled', 'disabled_tips',
      'value', 'options', 'behaviors', 'confirm', 'width'],
    required: ['options'],
    formField: true,
  },
};

/** The properties each component may have: the common ones and its own. */
const ELEMENT_KEYS = new Map(Object.entries(SPECS).map(([tag, spec]) => [tag, [...COMMON, ...spec.keys]]));
const COLUMN_KEYS = [...COMMON, ...LAYOUT, 'background_style', 'width', 'weight', 'action', 'elements'];

/** Tags that existed in 1.0 and were removed from 2.0 (ErrCode 200861). */
const REMOVED_IN_V2 = new Set(['action', 'note']);

const TEXT_KEYS = ['tag', 'content', 'i18n_content', 'element_id', 'text_size', 'text_color', 'text_align', 'lines'];
const ICON_TAGS = ['standard_icon', 'custom_icon'];
const ICON_KEYS = ['tag', 'token', 'color', 'img_key', 'size'];
const CONFIG_KEYS = ['streaming_mode', 'streaming_config', 'summary', 'locales', 'enable_forward', 'update_multi',
  'width_mode', 'use_custom_translation', 'enable_forward_interaction', 'style', 'wide_screen_mode'];
const HEADER_KEYS = ['title', 'subtitle', 'text_tag_list', 'i18n_text_tag_list', 'template', 'icon', 'padding'];
const BODY_KEYS = ['elements', ...LAYOUT];
const TOP_KEYS = ['schema', 'config', 'card_link', 'header', 'body', 'i18n_header', 'fallback'];
const TABLE_DATA_TYPES = ['text', 'lark_md', 'options', 'number', 'persons', 'date', 'markdown'];
const ELEMENT_ID = /^[A-Za-z][A-Za-z0-9_]{0,19}$/;
const MAX_CONTAINER_DEPTH = 5;
const MAX_COMPONENTS = 200;
const MAX_TABLES = 5;

interface Scope {
  depth: number;
  atRoot: boolean;
  form?: { hasSubmit: boolean };
}

/**
 * Where a rule is checked, rendered only when it fails, the way the platform renders ErrPath (segments joined by
 * ' -> '): a property's key, an array index `[i]`, or a component `[i](tag: …)`. Each step is one small object that
 * points to the step before it, since every property of every component is checked and nearly none fails: copying
 * the whole path at each step made most of what a card's check allocated (the bench's load generator checks every
 * card a click gets back).
 */
class Path {
  constructor(
    private readonly parent: Path | undefined,
    private readonly key: string | number,
    /** a component's position: `[key](tag: …)` */
    private readonly component: boolean,
    private readonly tag?: unknown,
  ) {}

  private segment(): string {
    if (typeof this.key === 'string') return this.key;
    return this.component ? `[${this.key}](tag: ${String(this.tag)})` : `[${this.key}]`;
  }

  render(): string {
    const segments: string[] = [];
    for (let p: Path | undefined = this; p; p = p.parent) segments.push(p.segment());
    return segments.reverse().join(' -> ');
  }
}
const ROOT = new Path(undefined, 'ROOT', false);
const at = (path: Path, key: string): Path => new Path(path, key, false);
const idx = (path: Path, index: number): Path => new Path(path, index, false);
const item = (path: Path, index: number, tag: unknown): Path => new Path(path, index, true, tag);

class CardValidator {
  private readonly names = new Set<string>();
  private readonly elementIds = new Set<string>();
  private readonly audioIds = new Set<string>();
  private components = 0;
  private tables = 0;

  constructor(private readonly card: Obj) {}

  run(): void {
    const card = this.card;
    if ('elements' in card) this.fail(CardErr.parse, ROOT, 'schema 2.0 cards put components in body.elements', 'unknown property: elements');
    if ('i18n_elements' in card) {
      this.fail(CardErr.removedInV2, ROOT, 'cards of schema V2 no longer support this capability', 'unsupported property i18n_elements');
    }
    this.keys(card, TOP_KEYS, ROOT);
    if (card.config !== undefined) this.config(card.config, at(ROOT, 'config'));
    if (card.card_link !== undefined) this.cardLink(card.card_link, at(ROOT, 'card_link'));
    if (card.header !== undefined) this.header(card.header, at(ROOT, 'header'));
    if (card.i18n_header !== undefined) {
      const p = at(ROOT, 'i18n_header');
      for (const [locale, header] of Object.entries(this.object(card.i18n_header, p))) this.header(header, at(p, locale));
    }
    if (card.body !== undefined) {
      const p = at(ROOT, 'body');
      const body = this.object(card.body, p);
      this.keys(body, BODY_KEYS, p);
      if (body.elements !== undefined) this.elements(body.elements, at(p, 'elements'), { depth: 0, atRoot: true });
    }
  }

  // -- helpers ------------------------------------------------------------------------------------------------------

  private fail(errCode: number, path: Path, errMsg: string, errorValue: string): never {
    throw new Refusal({ errCode, errPath: path.render(), errMsg, errorValue });
  }

  private object(v: unknown, path: Path): Obj {
    if (!isObject(v)) this.fail(CardErr.parse, path, 'parse card json err, expected an object', JSON.stringify(v) ?? 'undefined');
    return v;
  }

  private array(v: unknown, path: Path): unknown[] {
    if (!Array.isArray(v)) this.fail(CardErr.parse, path, 'parse card json err, expected an array', JSON.stringify(v) ?? 'undefined');
    return v;
  }

  private string(v: unknown, path: Path): string {
    if (typeof v !== 'string') this.fail(CardErr.parse, path, 'parse card json err, expected a string', JSON.stringify(v) ?? 'undefined');
    return v;
  }

  private keys(o: Obj, allowed: readonly string[], path: Path): void {
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) this.fail(CardErr.parse, path, 'parse card json err, unknown property', `unknown property: ${key}`);
    }
  }

  private oneOf(v: unknown, allowed: readonly string[], path: Path): void {
    if (typeof v !== 'string' || !allowed.includes(v)) {
      this.fail(CardErr.parse, path, `parse card json err, value must be one of ${allowed.join('|')}`, JSON.stringify(v) ?? 'undefined');
    }
  }

  private count(path: Path): void {
    if (++this.components > MAX_COMPONENTS) this.fail(CardErr.limitOrDuplicateName, path, 'element exceeds the limit', String(MAX_COMPONENTS));
  }

  private elementId(v: unknown, path: Path): void {
    if (v === undefined) return;
    if (typeof v !== 'string' || !ELEMENT_ID.test(v)) {
      this.fail(CardErr.parse, at(path, 'element_id'),
        'element_id must start with a letter, contain only letters, digits and underscores, and be at most 20 characters',
        JSON.stringify(v) ?? 'undefined');
    }
    if (this.elementIds.has(v)) this.fail(CardErr.duplicateElementId, at(path, 'element_id'), `element_id(${v}) duplicate`, v);
    this.elementIds.add(v);
  }

  private name(v: unknown, path: Path): void {
    if (v === undefined || v === '') return;
    const name = this.string(v, at(path, 'name'));
    if (this.names.has(name)) this.fail(CardErr.limitOrDuplicateName, at(path, 'name'), `name(${name}) duplicate`, name);
    this.names.add(name);
  }

  // -- shared sub-objects --------------------------------------------------------------------------------------------

  private text(v: unknown, path: Path, tags: readonly string[] = ['plain_text', 'lark_md']): void {
    const t = this.object(v, path);
    this.keys(t, TEXT_KEYS, path);
    this.oneOf(t.tag, tags, at(path, 'tag'));
    if (t.content !== undefined) this.string(t.content, at(path, 'content'));
    if (t.i18n_content !== undefined) this.object(t.i18n_content, at(path, 'i18n_content'));
    this.elementId(t.element_id, path);
    this.count(path);
  }

  private icon(v: unknown, path: Path): void {
    const icon = this.object(v, path);
    this.keys(icon, ICON_KEYS, path);
    this.oneOf(icon.tag, ICON_TAGS, at(path, 'tag'));
  }

  private confirm(v: unknown, path: Path): void {
    const c = this.object(v, path);
    this.keys(c, ['title', 'text'], path);
    if (c.title !== undefined) this.text(c.title, at(path, 'title'));
    if (c.text !== undefined) this.text(c.text, at(path, 'text'));
  }

  private behaviors(v: unknown, path: Path): void {
    this.array(v, path).forEach((b, i) => {
      const p = idx(path, i);
      const behavior = this.object(b, p);
      this.oneOf(behavior.type, ['open_url', 'callback'], at(p, 'type'));
      if (behavior.type === 'open_url') {
        this.keys(behavior, ['type', 'default_url', 'android_url', 'ios_url', 'pc_url'], p);
        this.string(behavior.default_url, at(p, 'default_url'));
      } else {
        this.keys(behavior, ['type', 'value'], p);
      }
    });
  }

  private options(v: unknown, path: Path, keys: readonly string[], requireValue: boolean): void {
    this.array(v, path).forEach((o, i) => {
      const p = idx(path, i);
      const option = this.object(o, p);
      this.keys(option, keys, p);
      if (option.text !== undefined) this.text(option.text, at(p, 'text'));
      if (option.icon !== undefined) this.icon(option.icon, at(p, 'icon'));
      if (requireValue || option.value !== undefined) this.string(option.value, at(p, 'value'));
    });
  }

  private datePattern(v: unknown, pattern: RegExp, format: string, path: Path): void {
    if (v === undefined) return;
    if (typeof v !== 'string' || !pattern.test(v)) this.fail(CardErr.parse, path, `value must be formatted as ${format}`, JSON.stringify(v) ?? 'undefined');
  }

  // -- top level -----------------------------------------------------------------------------------------------------

  private config(v: unknown, path: Path): void {
    const config = this.object(v, path);
    this.keys(config, CONFIG_KEYS, path);
    if (config.update_multi !== undefined && config.update_multi !== true) {
      this.fail(CardErr.parse, at(path, 'update_multi'), 'update_multi can only be true in schema 2.0', JSON.stringify(config.update_multi));
    }
    if (config.summary !== undefined) this.keys(this.object(config.summary, at(path, 'summary')), ['content', 'i18n_content'], at(path, 'summary'));
    if (config.streaming_config !== undefined) {
      const p = at(path, 'streaming_config');
      this.keys(this.object(config.streaming_config, p), ['print_frequency_ms', 'print_step', 'print_strategy'], p);
    }
    if (config.style !== undefined) this.keys(this.object(config.style, at(path, 'style')), ['text_size', 'color'], at(path, 'style'));
  }

  private cardLink(v: unknown, path: Path): void {
    const link = this.object(v, path);
    this.keys(link, ['url', 'pc_url', 'ios_url', 'android_url'], path);
    const allPlatforms = link.pc_url !== undefined && link.ios_url !== undefined && link.android_url !== undefined;
    if (link.url === undefined && !allPlatforms) this.fail(CardErr.parse, path, 'card_link needs url, or pc_url, ios_url and android_url', JSON.stringify(link));
  }

  private header(v: unknown, path: Path): void {
    const header = this.object(v, path);
    this.keys(header, HEADER_KEYS, path);
    if (header.title === undefined && header.subtitle === undefined) this.fail(CardErr.parse, path, 'header needs a title', 'title');
    if (header.title !== undefined) this.text(header.title, at(path, 'title'));
    if (header.subtitle !== undefined) this.text(header.subtitle, at(path, 'subtitle'));
    if (header.icon !== undefined) this.icon(header.icon, at(path, 'icon'));
    if (header.text_tag_list !== undefined) this.textTags(header.text_tag_list, at(path, 'text_tag_list'));
    if (header.i18n_text_tag_list !== undefined) {
      const p = at(path, 'i18n_text_tag_list');
      for (const [locale, list] of Object.entries(this.object(header.i18n_text_tag_list, p))) this.textTags(list, at(p, locale));
    }
  }

  private textTags(v: unknown, path: Path): void {
    this.array(v, path).forEach((t, i) => {
      const tag = this.object(t, path);
      const p = item(path, i, tag.tag);
      this.keys(tag, ['tag', 'element_id', 'text', 'color'], p);
      this.oneOf(tag.tag, ['text_tag'], at(p, 'tag'));
      this.elementId(tag.element_id, p);
      if (tag.text !== undefined) this.text(tag.text, at(p, 'text'), ['plain_text']);
    });
  }

  // -- components ----------------------------------------------------------------------------------------------------

  private elements(v: unknown, path: Path, scope: Scope): void {
    this.array(v, path).forEach((el, i) => this.element(el, item(path, i, isObject(el) ? el.tag : undefined), scope));
  }

  private element(v: unknown, path: Path, scope: Scope): void {
    const el = this.object(v, path);
    const tag = el.tag;
    if (typeof tag !== 'string') this.fail(CardErr.parse, path, 'component has no tag', JSON.stringify(el).slice(0, 80));
    if (REMOVED_IN_V2.has(tag)) {
      this.fail(CardErr.removedInV2, path, 'cards of schema V2 no longer support this capability', `unsupported tag ${tag}`);
    }
    const spec = Object.hasOwn(SPECS, tag) ? SPECS[tag] : undefined;
    if (!spec || tag === 'column') this.fail(CardErr.parse, path, `type of element is not supported tag: ${tag}`, tag);
    if ((tag === 'form' || tag === 'table') && !scope.atRoot) {
      this.fail(CardErr.parse, path, `type of element is not supported tag: ${tag}`, `${tag} is only allowed in body.elements`);
    }
    this.keys(el, ELEMENT_KEYS.get(tag)!, path);
    for (const key of spec.required ?? []) {
      if (el[key] === undefined) this.fail(CardErr.parse, path, `parse card json err, required property missing`, `missing property: ${key}`);
    }
    this.elementId(el.element_id, path);
    this.count(path);
    if (spec.formField || tag === 'button' || tag === 'form') this.name(el.name, path);
    if (el.behaviors !== undefined) this.behaviors(el.behaviors, at(path, 'behaviors'));
    if (el.confirm !== undefined) this.confirm(el.confirm, at(path, 'confirm'));
    if (el.placeholder !== undefined) this.text(el.placeholder, at(path, 'placeholder'), ['plain_text']);
    for (const key of ['disabled_tips', 'hover_tips']) if (el[key] !== undefined) this.text(el[key], at(path, key));
    if (el.icon !== undefined) this.icon(el.icon, at(path, 'icon'));

    const inner: Scope = { depth: scope.depth, atRoot: false, form: scope.form };
    if (spec.container) {
      inner.depth = scope.depth + 1;
      if (inner.depth > MAX_CONTAINER_DEPTH) {
        this.fail(CardErr.parse, path, `containers nest at most ${MAX_CONTAINER_DEPTH} levels`, String(inner.depth));
      }
    }
    this.own(tag, el, path, inner);
  }

  /** Component-specific rules. */
  private own(tag: string, el: Obj, path: Path, scope: Scope): void {
    switch (tag) {
      case 'form': {
        this.string(el.name, at(path, 'name'));
        const form = { hasSubmit: false };
        this.elements(el.elements, at(path, 'elements'), { ...scope, form });
        if (!form.hasSubmit) this.fail(CardErr.noSubmitButton, path, 'there is no submit button in the form container', String(el.name));
        return;
      }
      case 'column_set': {
        const p = at(path, 'columns');
        this.array(el.columns, p).forEach((c, i) => this.column(c, item(p, i, isObject(c) ? c.tag : undefined), scope));
        return;
      }
      case 'interactive_container':
        if (el.elements !== undefined) this.elements(el.elements, at(path, 'elements'), scope);
        return;
      case 'collapsible_panel':
        this.panelHeader(el.header, at(path, 'header'));
        if (el.border !== undefined) this.keys(this.object(el.border, at(path, 'border')), ['color', 'corner_radius'], at(path, 'border'));
        if (el.elements !== undefined) this.elements(el.elements, at(path, 'elements'), scope);
        return;
      case 'markdown':
        if (el.content === undefined && el.i18n_content === undefined) this.fail(CardErr.parse, path, 'markdown needs content', 'missing property: content');
        if (el.content !== undefined) this.string(el.content, at(path, 'content'));
        return;
      case 'div':
        if (el.text !== undefined) this.text(el.text, at(path, 'text'));
        if (el.fields !== undefined) {
          this.array(el.fields, at(path, 'fields')).forEach((f, i) => {
            const p = idx(at(path, 'fields'), i);
            const field = this.object(f, p);
            this.keys(field, ['is_short', 'text'], p);
            if (field.text !== undefined) this.text(field.text, at(p, 'text'));
          });
        }
        return;
      case 'img':
        if (el.img_key === undefined && el.i18n_img_key === undefined) this.fail(CardErr.parse, path, 'img needs img_key', 'missing property: img_key');
        if (el.img_key !== undefined) this.string(el.img_key, at(path, 'img_key'));
        for (const key of ['alt', 'title']) if (el[key] !== undefined) this.text(el[key], at(path, key));
        return;
      case 'img_combination':
        this.array(el.img_list, at(path, 'img_list')).forEach((img, i) => {
          const p = idx(at(path, 'img_list'), i);
          const o = this.object(img, p);
          this.keys(o, ['img_key', 'transparent'], p);
          this.string(o.img_key, at(p, 'img_key'));
        });
        return;
      case 'person':
        this.string(el.user_id, at(path, 'user_id'));
        return;
      case 'person_list':
        this.array(el.persons, at(path, 'persons')).forEach((person, i) => {
          const p = idx(at(path, 'persons'), i);
          const o = this.object(person, p);
          this.keys(o, ['id'], p);
          this.string(o.id, at(p, 'id'));
        });
        return;
      case 'chart':
        this.object(el.chart_spec, at(path, 'chart_spec'));
        return;
      case 'table':
        this.table(el, path);
        return;
      case 'audio':
        this.audio(el, path);
        return;
      case 'button':
        this.button(el, path, scope);
        return;
      case 'input':
        if (el.max_length !== undefined) {
          const n = el.max_length;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) {
            this.fail(CardErr.parse, at(path, 'max_length'), 'max_length must be an integer in [1, 1000]', JSON.stringify(n));
          }
        }
        if (el.input_type !== undefined) this.oneOf(el.input_type, ['text', 'multiline_text', 'password'], at(path, 'input_type'));
        if (el.default_value !== undefined) this.string(el.default_value, at(path, 'default_value'));
        if (el.label !== undefined) this.text(el.label, at(path, 'label'));
        return;
      case 'select_static':
      case 'multi_select_static':
        this.options(el.options, at(path, 'options'), ['text', 'icon', 'value'], true);
        this.selection(el, path);
        return;
      case 'select_person':
      case 'multi_select_person':
        if (el.options !== undefined) this.options(el.options, at(path, 'options'), ['value'], true);
        this.selection(el, path);
        return;
      case 'date_picker':
        this.datePattern(el.initial_date, /^\d{4}-\d{2}-\d{2}$/, 'yyyy-MM-dd', at(path, 'initial_date'));
        return;
      case 'picker_time':
        this.datePattern(el.initial_time, /^\d{2}:\d{2}$/, 'HH:mm', at(path, 'initial_time'));
        return;
      case 'picker_datetime':
        this.datePattern(el.initial_datetime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, 'yyyy-MM-dd HH:mm', at(path, 'initial_datetime'));
        return;
      case 'overflow':
        this.options(el.options, at(path, 'options'), ['text', 'multi_url', 'value'], false);
        return;
      case 'checker':
        if (el.text !== undefined) this.text(el.text, at(path, 'text'));
        if (el.button_area !== undefined) {
          const p = at(path, 'button_area');
          const area = this.object(el.button_area, p);
          this.keys(area, ['pc_display_rule', 'buttons'], p);
          if (area.buttons !== undefined) this.elements(area.buttons, at(p, 'buttons'), scope);
        }
        return;
      case 'select_img':
        this.options(el.options, at(path, 'options'), ['img_key', 'value', 'disabled', 'disabled_tips', 'hover_tips'], false);
        if (el.multi_select === true && !scope.form) {
          this.fail(CardErr.parse, path, 'select_img with multi_select must be inside a form', 'multi_select');
        }
        return;
      default:
        return; // hr: nothing of its own
    }
  }

  private column(v: unknown, path: Path, scope: Scope): void {
    const col = this.object(v, path);
    if (col.tag !== 'column') this.fail(CardErr.parse, path, 'columns may only contain column', String(col.tag));
    this.keys(col, COLUMN_KEYS, path);
    this.elementId(col.element_id, path);
    this.count(path);
    if (col.elements !== undefined) this.elements(col.elements, at(path, 'elements'), scope);
  }

  private panelHeader(v: unknown, path: Path): void {
    const h = this.object(v, path);
    this.keys(h, ['title', 'background_color', 'vertical_align', 'padding', 'position', 'width', 'icon', 'icon_position',
      'icon_expanded_angle'], path);
    if (h.title !== undefined) this.text(h.title, at(path, 'title'), ['plain_text', 'markdown', 'lark_md']);
    if (h.icon !== undefined) this.icon(h.icon, at(path, 'icon'));
  }

  private button(el: Obj, path: Path, scope: Scope): void {
    if (el.text !== undefined) this.text(el.text, at(path, 'text'));
    if (el.form_action_type !== undefined) this.oneOf(el.form_action_type, ['submit', 'reset'], at(path, 'form_action_type'));
    if (el.action_type !== undefined) {
      this.oneOf(el.action_type, ['link', 'request', 'multi', 'form_submit', 'form_reset'], at(path, 'action_type'));
    }
    const submits = el.form_action_type === 'submit' || el.action_type === 'form_submit';
    if (submits && scope.form) scope.form.hasSubmit = true;
  }

  private selection(el: Obj, path: Path): void {
    if (el.initial_option !== undefined) this.string(el.initial_option, at(path, 'initial_option'));
    if (el.selected_values !== undefined) {
      this.array(el.selected_values, at(path, 'selected_values')).forEach((s, i) => this.string(s, idx(at(path, 'selected_values'), i)));
    }
  }

  private table(el: Obj, path: Path): void {
    if (++this.tables > MAX_TABLES) this.fail(CardErr.limitOrDuplicateName, path, 'card table number over limit', String(this.tables));
    const cols = at(path, 'columns');
    this.array(el.columns, cols).forEach((c, i) => {
      const p = idx(cols, i);
      const col = this.object(c, p);
      this.keys(col, ['name', 'display_name', 'width', 'data_type', 'vertical_align', 'horizontal_align', 'format', 'date_format'], p);
      this.string(col.name, at(p, 'name'));
      if (col.data_type !== undefined) this.oneOf(col.data_type, TABLE_DATA_TYPES, at(p, 'data_type'));
    });
    this.array(el.rows, at(path, 'rows')).forEach((r, i) => this.object(r, idx(at(path, 'rows'), i)));
    if (el.header_style !== undefined) {
      const p = at(path, 'header_style');
      this.keys(this.object(el.header_style, p), ['text_align', 'text_size', 'background_style', 'text_color', 'bold', 'lines'], p);
    }
  }

  private audio(el: Obj, path: Path): void {
    this.string(el.file_key, at(path, 'file_key'));
    const config = isObject(this.card.config) ? this.card.config : {};
    if (config.enable_forward !== false) {
      this.fail(CardErr.audioForward, path, 'cards with audio must set config.enable_forward to false', 'enable_forward');
    }
    if (el.audio_id !== undefined) {
      const id = this.string(el.audio_id, at(path, 'audio_id'));
      if (this.audioIds.has(id)) this.fail(CardErr.duplicateAudioId, at(path, 'audio_id'), `audio_id(${id}) duplicate`, id);
      this.audioIds.add(id);
    }
  }
}

/** Validate a card object (already parsed from the message content). */
export function validateCard(card: unknown): CardCheck {
  if (!isObject(card)) {
    return { ok: false, errCode: CardErr.parse, errPath: 'ROOT', errMsg: 'parse card json err', errorValue: JSON.stringify(card) ?? 'undefined' };
  }
  if (card.schema !== '2.0') {
    // 1.0 (or no schema): lenient; only the container shapes are checked.
    if (card.elements !== undefined && !Array.isArray(card.elements)) {
      return { ok: false, errCode: CardErr.parse, errPath: 'ROOT -> elements', errMsg: 'parse card json err', errorValue: 'elements' };
    }
    return { ok: true, schema: '1.0' };
  }
  try {
    new CardValidator(card).run();
    return { ok: true, schema: '2.0' };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, ...e.violation };
    throw e;
  }
}

/**
 * Validate interactive message content: a card, or a template / CardKit reference (`{type:'template'|'card', data}`),
 * which is not card JSON and is accepted as is.
 */
export function validateInteractiveContent(content: unknown): CardCheck {
  if (isObject(content) && (content.type === 'template' || content.type === 'card') && isObject(content.data)) {
    return { ok: true, schema: '1.0' };
  }
  return validateCard(content);
}

/** A card that was 2.0 must stay 2.0 (200830), for PATCH, delayed updates and callback cards. */
export function checkVersionChange(before: unknown, after: unknown): CardCheck {
  if (isCardV2(before) && !isCardV2(after)) {
    return {
      ok: false,
      errCode: CardErr.versionDowngrade,
      errPath: 'ROOT -> schema',
      errMsg: 'a schema 2.0 card cannot be updated to a schema 1.0 card',
      errorValue: JSON.stringify(isObject(after) ? after.schema : undefined) ?? 'undefined',
    };
  }
  return validateInteractiveContent(after);
}
