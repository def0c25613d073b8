import { md } from '../../src/bot/cards';
/** The sandbox's card renderer: Feishu's markdown subset, every component it knows, the unsupported box, click paths. */
import { findButtons } from '../../src/sandbox/client';
import { cardSummary, elementAt, renderCardHtml, UNSUPPORTED_CLASS } from '../../src/sandbox/render/cardHtml';
import { markdownToHtml } from '../../src/sandbox/render/markdown';

const card = (elements: unknown[], header?: object) => ({ schema: '2.0', ...(header ? { header } : {}), body: { elements } });
const unsupported = (html: string) => html.split(UNSUPPORTED_CLASS).length - 1;

describe('markdown (Feishu subset)', () => {
  it('renders emphasis, strike, code, links, line breaks and lists', () => {
    expect(markdownToHtml('**粗体** *斜体* ~~删除~~ `代码`')).toBe('<p><strong>粗体</strong> <em>斜体</em> <del>删除</del> <code>代码</code></p>');
    expect(markdownToHtml('第一行\n第二行')).toBe('<p>第一行<br>第二行</p>');
    expect(markdownToHtml('- 甲\n- 乙\n1. 一')).toBe('<ul><li>甲</li><li>乙</li></ul><ol><li>一</li></ol>');
    expect(markdownToHtml('[公示](/public/results)')).toBe('<p><a href="/public/results" target="_blank" rel="noopener">公示</a></p>');
    expect(markdownToHtml('# 标题\n---\n> 引用')).toBe('<div class="fc-h fc-h1">标题</div><hr class="fc-md-hr"><blockquote>引用</blockquote>');
  });

  it('renders <font color>, <text_tag>, <at> and <br> and nothing else as markup', () => {
    expect(markdownToHtml("<font color='red'>**3**</font>")).toBe('<p><span class="fc-font fc-c-red"><strong>3</strong></span></p>');
    expect(markdownToHtml("<text_tag color='blue'>待接收</text_tag>")).toBe('<p><span class="fc-tag fc-c-blue">待接收</span></p>');
    expect(markdownToHtml('<at id=all></at> 请注意<br>次行')).toBe('<p><span class="fc-at">@所有人</span> 请注意<br>次行</p>');
    expect(markdownToHtml('<script>alert(1)</script><img src=x onerror=alert(1)>')).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</p>',
    );
    expect(markdownToHtml('[点我](javascript:alert(1))')).not.toContain('href');
    expect(markdownToHtml("<font color='x\" onmouseover=alert(1)'>t</font>")).toBe('<p><span class="fc-font fc-c-default">t</span></p>');
  });

  it('keeps what md() escaped as text (names with * _ [ ] are shown as typed)', () => {
    expect(markdownToHtml('企业\\*名称\\_甲\\[1\\] \\`x\\`')).toBe('<p>企业*名称_甲[1] `x`</p>');
    expect(markdownToHtml('a\\<b\\>c')).toBe('<p>a&lt;b&gt;c</p>');
  });

  it('shows character references (what md() writes) as the characters they name, and as text only', () => {
    const typed = '**运城**[点此](https://e.example) <at id=all></at> （晋）XK13-002-00177 &lt;at id=all&gt;';
    const html = markdownToHtml(md(typed));
    for (const markup of ['<strong', '<a ', 'fc-at', '<at']) expect(html).not.toContain(markup);
    const text = html
      .replace(/^<p>|<\/p>$/g, '')
      .replace(/&(#\d+|lt|gt|quot|amp);/g, (_m, r: string) =>
        r[0] === '#' ? String.fromCodePoint(Number(r.slice(1))) : ({ lt: '<', gt: '>', quot: '"', amp: '&' } as Record<string, string>)[r]!);
    expect(text).toBe(typed);
    expect(markdownToHtml('&#0; &#xD800; &#99999999;')).not.toMatch(/&#(0|55296|99999999);/);
  });
});

describe('components', () => {
  it('renders header templates, subtitles and every known component without an unsupported box', () => {
    const html = renderCardHtml(
      card(
        [
          { tag: 'markdown', content: '**正文**', text_size: 'notation', text_align: 'center' },
          { tag: 'div', text: { tag: 'plain_text', content: '普通文本\n第二行' }, fields: [{ is_short: true, text: { tag: 'lark_md', content: '**字段**' } }] },
          { tag: 'hr' },
          { tag: 'column_set', flex_mode: 'bisect', columns: [{ tag: 'column', width: 'weighted', weight: 2, elements: [{ tag: 'markdown', content: '左' }] }, { tag: 'column', width: 'auto', elements: [] }] },
          { tag: 'collapsible_panel', expanded: false, header: { title: { tag: 'markdown', content: '**展开**' } }, elements: [{ tag: 'markdown', content: '里面' }] },
          { tag: 'img', img_key: 'img_v3_x', alt: { tag: 'plain_text', content: '现场照片' } },
          { tag: 'table', page_size: 2, columns: [{ name: 'a', display_name: '列', data_type: 'text' }], rows: [{ a: '1' }, { a: '2' }, { a: '3' }] },
          { tag: 'select_static', name: 's', options: [{ text: { tag: 'plain_text', content: '甲' }, value: 'a' }], initial_option: 'a' },
          { tag: 'interactive_container', has_border: true, elements: [{ tag: 'markdown', content: '容器' }] },
          { tag: 'chart', chart_spec: {} },
          { tag: 'person', user_id: 'ou_x' },
        ],
        { title: { tag: 'plain_text', content: '标题' }, subtitle: { tag: 'plain_text', content: '副标题' }, template: 'orange' },
      ),
    );
    expect(unsupported(html)).toBe(0);
    expect(html).toContain('fc-header-orange');
    expect(html).toContain('<div class="fc-title">标题</div><div class="fc-subtitle">副标题</div>');
    expect(html).toContain('fc-size-notation fc-align-center');
    expect(html).toContain('普通文本<br>第二行');
    expect(html).toContain('<details class="fc-panel"><summary><p><strong>展开</strong></p></summary>');
    expect(html).toContain('🖼 现场照片');
    expect(html).toContain('<tr data-page="1" hidden><td>3</td>');
    expect(html).toContain('data-pages="2"');
    expect(html).toContain('<option value="a" selected>甲</option>');
    expect(html).toContain('flex:2 1 0');
  });

  it('shows an element it does not know as a visible box, never drops it', () => {
    const html = renderCardHtml(card([{ tag: 'markdown', content: '前' }, { tag: 'fancy_widget', x: 1 }, { tag: 'action', actions: [] }, { tag: 'markdown', content: '后' }]));
    expect(unsupported(html)).toBe(2);
    expect(html).toContain('不支持的组件：fancy_widget');
    expect(html).toContain('不支持的组件：action'); // 1.0 only: refused in 2.0
    expect(html.indexOf('前')).toBeLessThan(html.indexOf('fancy_widget'));
    expect(html.indexOf('fancy_widget')).toBeLessThan(html.indexOf('后'));
    expect(renderCardHtml({ type: 'template', data: { template_id: 'x' } })).toContain(UNSUPPORTED_CLASS);
  });

  it('renders a form: required inputs with their maximum length, a submit button with its confirm dialog, a reset button', () => {
    const c = card([
      {
        tag: 'form',
        name: 'f',
        elements: [
          { tag: 'input', name: 'record', required: true, max_length: 40, input_type: 'multiline_text', label: { tag: 'plain_text', content: '检查记录' }, default_value: '已有' },
          { tag: 'date_picker', name: 'on', initial_date: '2026-03-20' },
          {
            tag: 'column_set',
            columns: [
              {
                tag: 'column',
                elements: [
                  {
                    tag: 'button',
                    name: 'ok',
                    type: 'danger',
                    text: { tag: 'plain_text', content: '提交' },
                    form_action_type: 'submit',
                    confirm: { title: { tag: 'plain_text', content: '确认？' }, text: { tag: 'plain_text', content: '提交后不能修改' } },
                    behaviors: [{ type: 'callback', value: { a: 'x' } }],
                  },
                ],
              },
            ],
          },
          { tag: 'button', name: 'r', text: { tag: 'plain_text', content: '重置' }, form_action_type: 'reset' },
        ],
      },
      { tag: 'button', text: { tag: 'plain_text', content: '打开' }, behaviors: [{ type: 'open_url', default_url: 'https://www.samr.gov.cn/' }] },
      { tag: 'button', text: { tag: 'plain_text', content: '无回调' }, disabled: true },
    ]);
    const html = renderCardHtml(c);
    expect(html).toContain('<form class="fc-form" data-form-name="f" novalidate>');
    expect(html).toMatch(/<textarea[^>]*data-field="record"[^>]*maxlength="40" required[^>]*>已有<\/textarea>/);
    expect(html).toContain('<span class="fc-required">*</span>检查记录');
    expect(html).toMatch(/<input[^>]*type="date"[^>]*data-field="on"[^>]*value="2026-03-20"/);
    expect(html).toMatch(/<button type="button" class="fc-btn fc-btn-danger" data-path="body\/elements\/0\/elements\/2\/columns\/0\/elements\/0" data-action="submit" data-form="f" data-confirm-title="确认？" data-confirm-text="提交后不能修改">提交<\/button>/);
    expect(html).toContain('data-action="reset"');
    expect(html).toContain('data-action="link" data-url="https://www.samr.gov.cn/"');
    expect(html).toMatch(/data-action="none" disabled>无回调/);
  });

  it('gives every button a path that leads back to the same component the simulated client clicks', () => {
    const c = card([
      { tag: 'column_set', columns: [{ tag: 'column', elements: [{ tag: 'button', text: { tag: 'plain_text', content: '接收' }, behaviors: [{ type: 'callback', value: { a: 1 } }] }] }] },
      { tag: 'collapsible_panel', header: { title: { tag: 'plain_text', content: '更多' } }, elements: [{ tag: 'button', text: { tag: 'plain_text', content: '取消' }, behaviors: [{ type: 'callback', value: { a: 2 } }] }] },
    ]);
    const paths = [...renderCardHtml(c).matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]!);
    expect(paths).toEqual(['body/elements/0/columns/0/elements/0', 'body/elements/1/elements/0']);
    const buttons = findButtons(c);
    expect(paths.map((p) => elementAt(c, p))).toEqual(buttons.map((b) => b.element));
    expect(elementAt(c, 'body/elements/9')).toBeUndefined();
  });

  it('names a card by its summary, else its title', () => {
    expect(cardSummary({ schema: '2.0', config: { summary: { content: '摘要' } }, header: { title: { content: '标题' } } })).toBe('摘要');
    expect(cardSummary({ schema: '2.0', header: { title: { tag: 'plain_text', content: '标题' } } })).toBe('标题');
  });
});
