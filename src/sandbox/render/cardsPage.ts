/**
 * The card previewer (`npm run cards`): every template under cards/ rendered with each of its example view models
 * (src/bot/cardExamples.ts), drawn by the sandbox's renderer, with the emulator's verdict on the card JSON (the
 * checks Feishu makes when a card is sent) and the JSON itself. One static HTML file, no server needed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CARD_EXAMPLES } from '../../bot/cardExamples';
import { renderCard, type CardJson, type CardViews } from '../../bot/cards';
import { formatCardViolation, validateCard } from '../emulator/card-validator';
import { renderCardHtml, UNSUPPORTED_CLASS } from './cardHtml';
import { escapeHtml } from './markdown';

export interface RenderedExample {
  template: string;
  name: string;
  card: CardJson;
  html: string;
  /** undefined: the emulator accepts the card */
  violation?: string;
  unsupported: boolean;
}

export function templateNames(cardsDir: string): string[] {
  return readdirSync(cardsDir)
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => path.basename(f, '.hbs'))
    .sort();
}

/** Every template × example, rendered; templates without examples are listed in `missing`. */
export function renderExamples(cardsDir: string): { examples: RenderedExample[]; missing: string[] } {
  const examples: RenderedExample[] = [];
  const missing: string[] = [];
  for (const template of templateNames(cardsDir)) {
    const list = (CARD_EXAMPLES as Record<string, readonly { name: string; view: unknown }[] | undefined>)[template];
    if (!list || list.length === 0) {
      missing.push(template);
      continue;
    }
    for (const ex of list) {
      const card = renderCard(template as keyof CardViews, ex.view as never);
      const check = validateCard(card);
      const html = renderCardHtml(card);
      examples.push({
        template,
        name: ex.name,
        card,
        html,
        violation: check.ok ? undefined : formatCardViolation(check),
        unsupported: html.includes(UNSUPPORTED_CLASS),
      });
    }
  }
  return { examples, missing };
}

function asset(name: string): string {
  const candidates = [path.join(__dirname, '../console/assets', name), path.resolve(__dirname, '../../../../src/sandbox/console/assets', name)];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`card stylesheet/script not found (looked in ${candidates.join(', ')})`);
  return readFileSync(file, 'utf8');
}

export function cardsPageHtml(cardsDir: string, generatedAt: string): string {
  const { examples, missing } = renderExamples(cardsDir);
  const sections = examples
    .map((e) => {
      const verdict = e.violation
        ? `<div class="verdict bad">飞书会拒绝这张卡片：${escapeHtml(e.violation)}</div>`
        : '<div class="verdict ok">✓ 通过卡片 JSON 2.0 校验</div>';
      const unsupported = e.unsupported ? '<div class="verdict bad">含有渲染器不支持的组件</div>' : '';
      const bytes = Buffer.byteLength(JSON.stringify(e.card), 'utf8');
      return `<section class="example" id="${escapeHtml(`${e.template}-${e.name}`)}">
  <h2><code>cards/${escapeHtml(e.template)}.hbs</code> · ${escapeHtml(e.name)}</h2>
  ${verdict}${unsupported}
  <div class="phone-width">${e.html}</div>
  <details><summary>卡片 JSON（${(bytes / 1024).toFixed(1)} KB，上限 30 KB）</summary><pre>${escapeHtml(JSON.stringify(e.card, null, 2))}</pre></details>
</section>`;
    })
    .join('\n');
  const missingBox = missing.length
    ? `<div class="verdict bad">以下模板还没有示例视图模型（src/bot/cardExamples.ts）：${missing.map(escapeHtml).join('、')}</div>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>卡片预览 · spotcheck</title>
<style>${asset('card.css')}
body { font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; background: #f5f6f7; margin: 0; padding: 24px; color: #1f2329; }
h1 { font-size: 20px; margin: 0 0 4px; } .lead { color: #646a73; margin: 0 0 20px; font-size: 13px; }
.grid { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.example { width: 390px; display: flex; flex-direction: column; gap: 8px; }
.example h2 { font-size: 13px; font-weight: 600; margin: 0; }
.phone-width { width: 374px; }
.verdict { font-size: 12px; border-radius: 4px; padding: 2px 8px; }
.verdict.ok { color: #237b19; background: #d9f5d6; } .verdict.bad { color: #d83931; background: #fde2e2; }
details pre { max-height: 320px; overflow: auto; background: #fff; border: 1px solid #dee0e3; padding: 8px; font-size: 11px; }
</style></head>
<body>
<h1>卡片预览：cards/ 下每个模板 × 示例视图模型</h1>
<p class="lead">${examples.length} 张卡片，${templateNames(cardsDir).length} 个模板；生成于 ${escapeHtml(generatedAt)}。渲染与本地试用页面（/sandbox）相同；按钮在这里不发送回调。</p>
${missingBox}
<div class="grid">
${sections}
</div>
<script>${asset('card.js')}</script>
</body></html>
`;
}
