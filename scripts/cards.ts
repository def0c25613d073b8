/**
 * npm run cards: every card template (cards/*.hbs) with its example view models (src/bot/cardExamples.ts) in one
 * static HTML page, drawn by the same renderer as the browser sandbox; prints the page's path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cardsPageHtml, renderExamples } from '../src/sandbox/render/cardsPage';

const CARDS_DIR = path.resolve(__dirname, '..', 'cards');
const OUT = path.resolve(__dirname, '..', 'out', 'cards.html');

function main(): void {
  mkdirSync(path.dirname(OUT), { recursive: true });
  const now = new Date().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  writeFileSync(OUT, cardsPageHtml(CARDS_DIR, now));
  const { examples, missing } = renderExamples(CARDS_DIR);
  const refused = examples.filter((e) => e.violation);
  const unsupported = examples.filter((e) => e.unsupported);
  process.stdout.write(`${OUT}\n`);
  process.stderr.write(`${examples.length} 张示例卡片；校验未通过 ${refused.length} 张，含不支持组件 ${unsupported.length} 张，缺少示例的模板 ${missing.length} 个\n`);
  for (const e of refused) process.stderr.write(`  ${e.template} · ${e.name}：${e.violation}\n`);
  if (refused.length || unsupported.length || missing.length) process.exitCode = 1;
}

main();
