/** The card 2.0 rules table (docs/feishu-cards.md), enforced by the emulator's validator. */
import { checkVersionChange, formatCardViolation, validateCard, validateInteractiveContent } from '../../src/sandbox/emulator/card-validator';

const txt = (content: string) => ({ tag: 'plain_text', content });
const v2 = (elements: unknown[], extra: Record<string, unknown> = {}) => ({ schema: '2.0', body: { elements }, ...extra });
const button = (text: string, extra: Record<string, unknown> = {}) => ({ tag: 'button', text: txt(text), behaviors: [{ type: 'callback', value: { cmd: text } }], ...extra });
const submit = (name = 'submit') => ({ tag: 'button', name, form_action_type: 'submit', text: txt('提交') });
const form = (elements: unknown[], name = 'f') => ({ tag: 'form', name, elements });
const nest = (depth: number, inner: unknown): unknown => (depth === 0 ? inner : { tag: 'interactive_container', elements: [nest(depth - 1, inner)] });

const RICH = {
  schema: '2.0',
  config: { update_multi: true, width_mode: 'fill', summary: { content: '摘要' }, enable_forward: false, wide_screen_mode: true },
  card_link: { url: 'https://example.com' },
  header: {
    title: txt('检查单'), subtitle: txt('副标题'), template: 'green', icon: { tag: 'standard_icon', token: 'check_outlined' },
    text_tag_list: [{ tag: 'text_tag', element_id: 'tag1', text: txt('进行中'), color: 'blue' }], padding: '12px',
  },
  i18n_header: { en_us: { title: txt('Checklist') } },
  body: {
    direction: 'vertical', padding: '12px',
    elements: [
      { tag: 'markdown', element_id: 'md_1', content: '**粗体**', text_size: 'heading', text_align: 'left', margin: '4px 0' },
      { tag: 'div', text: { tag: 'lark_md', content: 'x' }, fields: [{ is_short: true, text: txt('a') }] },
      { tag: 'hr' },
      { tag: 'img', img_key: 'img_v3_x', alt: txt('图'), scale_type: 'crop_center', size: 'large' },
      { tag: 'img_combination', combination_mode: 'double', img_list: [{ img_key: 'a' }, { img_key: 'b' }] },
      { tag: 'person', user_id: 'ou_x', size: 'small' },
      { tag: 'person_list', persons: [{ id: 'ou_x' }], show_name: true },
      { tag: 'chart', chart_spec: { type: 'bar' }, aspect_ratio: '16:9' },
      { tag: 'table', page_size: 5, columns: [{ name: 'n', display_name: '名称', data_type: 'text' }], rows: [{ n: 'a', extra: 1 }], header_style: { bold: true } },
      { tag: 'audio', file_key: 'file_v3_x', audio_id: 'au1' },
      { tag: 'column_set', flex_mode: 'bisect', horizontal_spacing: '', columns: [
        { tag: 'column', width: 'weighted', weight: 1, elements: [button('符合', { type: 'primary', confirm: { title: txt('确认'), text: txt('确定？') } })] },
        { tag: 'column', elements: [button('打开', { behaviors: [{ type: 'open_url', default_url: 'https://e.com', pc_url: 'https://e.com' }] })] },
      ] },
      { tag: 'collapsible_panel', expanded: false, header: { title: { tag: 'markdown', content: '详情' }, icon: { tag: 'standard_icon', token: 'down' } }, border: { color: 'grey' }, elements: [
        { tag: 'interactive_container', behaviors: [{ type: 'callback', value: { x: 1 } }], elements: [{ tag: 'markdown', content: 'in' }] },
      ] },
      { tag: 'overflow', options: [{ text: txt('更多'), value: 'more' }] },
      { tag: 'checker', name: 'chk', checked: false, text: txt('已核对'), button_area: { buttons: [button('x', { name: 'chk_btn' })] } },
      form([
        { tag: 'input', name: 'remark', required: true, max_length: 1000, input_type: 'multiline_text', placeholder: txt('备注'), default_value: '' },
        { tag: 'input', name: 'short', max_length: 1 },
        { tag: 'select_static', name: 'lvl', initial_option: 'a', options: [{ text: txt('A'), value: 'a' }] },
        { tag: 'multi_select_static', name: 'tags', selected_values: ['a'], options: [{ text: txt('A'), value: 'a' }] },
        { tag: 'select_person', name: 'who', options: [{ value: 'ou_x' }] },
        { tag: 'multi_select_person', name: 'whos' },
        { tag: 'date_picker', name: 'd', initial_date: '2024-04-01' },
        { tag: 'picker_time', name: 't', initial_time: '09:30' },
        { tag: 'picker_datetime', name: 'dt', initial_datetime: '2024-04-01 09:30' },
        { tag: 'select_img', name: 'pics', multi_select: true, options: [{ img_key: 'a', value: 'a' }] },
        { tag: 'column_set', columns: [{ tag: 'column', elements: [submit()] }] },
      ]),
    ],
  },
};

describe('accepted', () => {
  test.each([
    ['an empty 2.0 card', { schema: '2.0' }],
    ['a card using every documented component', RICH],
    ['a legacy form_submit button', v2([form([{ tag: 'input', name: 'a' }, { tag: 'button', name: 's', action_type: 'form_submit', text: txt('s') }])])],
    ['containers nested 5 levels', v2([nest(5, { tag: 'markdown', content: 'deep' })])],
    ['a header with only a subtitle', v2([], { header: { subtitle: txt('s') } })],
    ['card_link with the three platform URLs', v2([], { card_link: { pc_url: 'a', ios_url: 'b', android_url: 'c' } })],
    ['a 1.0 card with action and note (lenient)', { config: { wide_screen_mode: true }, elements: [{ tag: 'note', elements: [] }, { tag: 'action', actions: [{ tag: 'button', value: { a: 1 } }] }] }],
  ])('%s', (_name, card) => {
    expect(validateCard(card)).toMatchObject({ ok: true });
  });

  test('template and CardKit references are not card JSON', () => {
    expect(validateInteractiveContent({ type: 'template', data: { template_id: 'ctp_x' } }).ok).toBe(true);
    expect(validateInteractiveContent({ type: 'card', data: { card_id: '7x' } }).ok).toBe(true);
  });
});

describe('refused', () => {
  const many = Array.from({ length: 201 }, () => ({ tag: 'hr' }));
  const tables = Array.from({ length: 6 }, () => ({ tag: 'table', columns: [{ name: 'a' }], rows: [] }));
  test.each<[string, unknown, number, RegExp]>([
    ['top-level elements', { schema: '2.0', elements: [] }, 200621, /ROOT/],
    ['i18n_elements', { schema: '2.0', i18n_elements: {} }, 200861, /ROOT/],
    ['an unknown top-level key', { schema: '2.0', foo: 1 }, 200621, /unknown property: foo/],
    ['the action module', v2([{ tag: 'action', actions: [] }]), 200861, /ErrPath: ROOT -> body -> elements -> \[0\]\(tag: action\);.*unsupported tag action/],
    ['note inside a column', v2([{ tag: 'column_set', columns: [{ tag: 'column', elements: [{ tag: 'note' }] }] }]), 200861, /columns -> \[0\]\(tag: column\) -> elements -> \[0\]\(tag: note\)/],
    ['an unknown tag', v2([{ tag: 'buttons' }]), 200621, /not supported tag: buttons/],
    ['a column outside column_set', v2([{ tag: 'column', elements: [] }]), 200621, /not supported tag: column/],
    ['a non-column in columns', v2([{ tag: 'column_set', columns: [{ tag: 'markdown', content: 'x' }] }]), 200621, /columns may only contain column/],
    ['corner_radius on a column', v2([{ tag: 'column_set', columns: [{ tag: 'column', corner_radius: '4px' }] }]), 200621, /unknown property: corner_radius/],
    ['a form inside a column', v2([{ tag: 'column_set', columns: [{ tag: 'column', elements: [form([submit()])] }] }]), 200621, /not supported tag: form/],
    ['a form inside a form', v2([form([submit(), form([submit('s2')], 'g')])]), 200621, /not supported tag: form/],
    ['a table inside a panel', v2([{ tag: 'collapsible_panel', header: { title: txt('p') }, elements: [{ tag: 'table', columns: [], rows: [] }] }]), 200621, /not supported tag: table/],
    ['a form without name', v2([{ tag: 'form', elements: [submit()] }]), 200621, /missing property: name/],
    ['a form without submit button', v2([form([{ tag: 'input', name: 'a' }, button('not submit')])]), 300123, /there is no submit button in the form container/],
    ['duplicate input names', v2([form([{ tag: 'input', name: 'a' }, { tag: 'input', name: 'a' }, submit()])]), 11310, /name\(a\) duplicate/],
    ['duplicate button names outside forms', v2([button('a', { name: 'b' }), button('c', { name: 'b' })]), 11310, /name\(b\) duplicate/],
    ['a form named like a field', v2([form([{ tag: 'input', name: 'f' }, submit()])]), 11310, /name\(f\) duplicate/],
    ['more than 200 components', v2(many), 11310, /element exceeds the limit/],
    ['more than 5 tables', v2(tables), 11310, /card table number over limit/],
    ['containers nested 6 levels', v2([nest(6, { tag: 'hr' })]), 200621, /nest at most 5 levels/],
    ['an element_id starting with a digit', v2([{ tag: 'hr', element_id: '1abc' }]), 200621, /element_id/],
    ['an element_id over 20 chars', v2([{ tag: 'hr', element_id: 'a'.repeat(21) }]), 200621, /element_id/],
    ['a duplicate element_id', v2([{ tag: 'hr', element_id: 'x' }, { tag: 'markdown', content: 'm', element_id: 'x' }]), 300301, /element_id\(x\) duplicate/],
    ['button text as a string', v2([{ tag: 'button', text: '确定' }]), 200621, /text/],
    ['button text with tag markdown', v2([{ tag: 'button', text: { tag: 'markdown', content: 'x' } }]), 200621, /plain_text\|lark_md/],
    ['an unknown behavior type', v2([button('x', { behaviors: [{ type: 'link', url: 'u' }] })]), 200621, /open_url\|callback/],
    ['open_url without default_url', v2([button('x', { behaviors: [{ type: 'open_url', pc_url: 'u' }] })]), 200621, /default_url/],
    ['an unknown form_action_type', v2([form([{ tag: 'button', name: 's', form_action_type: 'send', text: txt('s') }])]), 200621, /submit\|reset/],
    ['input max_length 0', v2([{ tag: 'input', name: 'a', max_length: 0 }]), 200621, /max_length/],
    ['input max_length 1001', v2([{ tag: 'input', name: 'a', max_length: 1001 }]), 200621, /max_length/],
    ['input max_length 1.5', v2([{ tag: 'input', name: 'a', max_length: 1.5 }]), 200621, /max_length/],
    ['an unknown input_type', v2([{ tag: 'input', name: 'a', input_type: 'number' }]), 200621, /input_type/],
    ['a numeric option value', v2([{ tag: 'select_static', name: 's', options: [{ text: txt('1'), value: 1 }] }]), 200621, /options -> \[0\] -> value/],
    ['select_static without options', v2([{ tag: 'select_static', name: 's' }]), 200621, /missing property: options/],
    ['a bad initial_date', v2([{ tag: 'date_picker', name: 'd', initial_date: '2024/04/01' }]), 200621, /yyyy-MM-dd/],
    ['multi select_img outside a form', v2([{ tag: 'select_img', name: 'p', multi_select: true, options: [] }]), 200621, /inside a form/],
    ['markdown without content', v2([{ tag: 'markdown' }]), 200621, /content/],
    ['markdown with href (dropped in 2.0)', v2([{ tag: 'markdown', content: 'x', href: {} }]), 200621, /unknown property: href/],
    ['img without img_key', v2([{ tag: 'img', alt: txt('x') }]), 200621, /img_key/],
    ['a table column without name', v2([{ tag: 'table', columns: [{ display_name: 'x' }], rows: [] }]), 200621, /name/],
    ['an unknown table data_type', v2([{ tag: 'table', columns: [{ name: 'a', data_type: 'link' }], rows: [] }]), 200621, /data_type/],
    ['the 1.0 header ud_icon', v2([], { header: { title: txt('t'), ud_icon: {} } }), 200621, /unknown property: ud_icon/],
    ['a header without title', v2([], { header: { template: 'blue' } }), 200621, /title/],
    ['a bad header text tag', v2([], { header: { title: { tag: 'text', content: 't' } } }), 200621, /plain_text\|lark_md/],
    ['a text_tag with another tag', v2([], { header: { title: txt('t'), text_tag_list: [{ tag: 'tag', text: txt('x') }] } }), 200621, /text_tag/],
    ['update_multi false', v2([], { config: { update_multi: false } }), 200621, /update_multi/],
    ['an unknown config key', v2([], { config: { foo: 1 } }), 200621, /unknown property: foo/],
    ['card_link with only pc_url', v2([], { card_link: { pc_url: 'x' } }), 200621, /card_link/],
    ['audio with forwarding enabled', v2([{ tag: 'audio', file_key: 'k' }]), 300220, /enable_forward/],
    ['a duplicate audio_id', v2([{ tag: 'audio', file_key: 'k', audio_id: 'a' }, { tag: 'audio', file_key: 'k', audio_id: 'a' }], { config: { enable_forward: false } }), 300230, /audio_id/],
    ['an icon with an unknown tag', v2([{ tag: 'markdown', content: 'x', icon: { tag: 'ud_icon', token: 't' } }]), 200621, /standard_icon\|custom_icon/],
    ['a card that is not an object', [1, 2], 200621, /ROOT/],
  ])('%s', (_name, card, errCode, pattern) => {
    const check = validateCard(card);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errCode).toBe(errCode);
    expect(formatCardViolation(check)).toMatch(pattern);
  });

  test.each<[string, unknown, string]>([
    ['a behavior', v2([button('x', { behaviors: [{ type: 'callback' }, { type: 'link' }] })]), 'ROOT -> body -> elements -> [0](tag: button) -> behaviors -> [1] -> type'],
    ['a table row', v2([{ tag: 'table', columns: [{ name: 'a' }], rows: [{}, 5] }]), 'ROOT -> body -> elements -> [0](tag: table) -> rows -> [1]'],
    ['a table column', v2([{ tag: 'table', columns: [{ name: 'a' }, { display_name: 'b' }], rows: [] }]), 'ROOT -> body -> elements -> [0](tag: table) -> columns -> [1] -> name'],
    [
      'a selected value',
      v2([form([{ tag: 'multi_select_static', name: 'm', selected_values: ['a', 3], options: [] }, submit()])]),
      'ROOT -> body -> elements -> [0](tag: form) -> elements -> [0](tag: multi_select_static) -> selected_values -> [1]',
    ],
    ['an image of a combination', v2([{ tag: 'img_combination', combination_mode: 'double', img_list: [{ img_key: 'a' }, {}] }]), 'ROOT -> body -> elements -> [0](tag: img_combination) -> img_list -> [1] -> img_key'],
    ['a component in a column', v2([{ tag: 'column_set', columns: [{ tag: 'column', elements: [{ tag: 'hr' }, { tag: 'markdown' }] }] }]), 'ROOT -> body -> elements -> [0](tag: column_set) -> columns -> [0](tag: column) -> elements -> [1](tag: markdown)'],
  ])('the path to %s is rendered as the platform renders it', (_name, card, errPath) => {
    expect(validateCard(card)).toMatchObject({ ok: false, errPath });
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('a component tagged %s is an unknown tag, not a crash', (tag) => {
    expect(validateCard(v2([{ tag }]))).toMatchObject({ ok: false, errCode: 200621, errMsg: `type of element is not supported tag: ${tag}` });
  });

  test('a 2.0 card cannot become 1.0 (200830)', () => {
    expect(checkVersionChange(v2([]), { elements: [] })).toMatchObject({ ok: false, errCode: 200830 });
    expect(checkVersionChange({ elements: [] }, v2([])).ok).toBe(true);
  });

  test('the 230099 message format', () => {
    const check = validateCard(v2([{ tag: 'markdown', content: 'x' }, { tag: 'action', actions: [] }]));
    expect(check.ok || formatCardViolation(check)).toBe(
      'Failed to create card content, ext=ErrCode: 200861; ErrPath: ROOT -> body -> elements -> [1](tag: action); ErrMsg: cards of schema V2 no longer support this capability; ErrorValue: unsupported tag action;',
    );
  });
});
