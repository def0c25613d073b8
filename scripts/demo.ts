/**
 * npm run demo: the bot against the Feishu emulator and the embedded database, with simulated users talking to
 * it through genuine encrypted, signed webhook calls. Prints the conversation as it happens.
 * It grows with every feature: for now, help by role, a card button, and a message the bot does not understand.
 */
import { mkdirSync } from 'node:fs';
import { cardText, findButtons } from '../test/support/lark-client';
import { startHarness, type Harness } from '../test/support/harness';
import { staffModel } from '../src/store/staff';

const OUT_DIR = 'out';

function say(who: string, text: string): void {
  process.stdout.write(`\n【${who}】${text}\n`);
}

function showCard(card: unknown): void {
  const lines = cardText(card)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const buttons = findButtons(card).map((b) => `[${b.text}]`);
  for (const l of lines) process.stdout.write(`    │ ${l}\n`);
  if (buttons.length > 0) process.stdout.write(`    │ 按钮：${buttons.join(' ')}\n`);
}

async function botReplyTo(h: Harness, messageId: string) {
  const reply = await h.emulator.waitFor((m) => m.root === messageId, 10_000);
  say('机器人', '（卡片）');
  showCard(reply.current);
  return reply;
}

async function userSays(h: Harness, who: { name: string; openId: string }, text: string) {
  say(who.name, text);
  const sent = await h.feishu.sendText(who.openId, text);
  if (sent.status !== 200) throw new Error(`webhook answered ${sent.status}`);
  return botReplyTo(h, (sent.envelope.event.message as { message_id: string }).message_id);
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const started = Date.now();
  process.stdout.write('启动飞书模拟器、嵌入式数据库和机器人服务……\n');
  const h = await startHarness({ dbPrefix: 'demo' });
  try {
    process.stdout.write(`机器人已启动（端口 ${h.service.port}，数据库：${h.mongo.kind === 'external' ? 'MONGODB_URI' : '内存中的 MongoDB 兼容服务器'}）。\n`);
    const liaison = { name: '许小颖（市局联络员）', openId: 'ou_demo_liaison_0000000000000000001' };
    const visitor = { name: '未登记的用户', openId: 'ou_demo_visitor_0000000000000000001' };
    await staffModel(h.service.db.connection).create({
      openId: liaison.openId,
      name: '许小颖',
      roles: ['联络员'],
      unit: '运城市市场监督管理局产品质量安全监督管理科',
      county: '市局',
      avoid: [],
    });

    await userSays(h, visitor, '/帮助');
    const help = await userSays(h, liaison, '/帮助');
    say(liaison.name, '点击“用法”按钮');
    const click = await h.feishu.clickButton(liaison.openId, help.current, '用法');
    say('机器人', '（卡片原地更新）');
    showCard(click.card);
    await userSays(h, liaison, '今天天气怎么样');

    process.stdout.write(`\n演示结束，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒。飞书模拟器共收到 ${h.emulator.messages().length} 条机器人消息。\n`);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`演示失败：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
