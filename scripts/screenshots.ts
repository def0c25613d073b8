/**
 * npm run screenshots: the main screens of the browser sandbox, taken in Debian's Chromium (apt-get install chromium
 * fonts-wqy-microhei: the browser and a Chinese font) while walking the yearly path: the draw preview on a desktop, the people with unread counts, the
 * county's task list, a checklist item with its 检查记录, the summary and the 意见汇总表 on a phone.
 * Writes PNGs under out/screenshots/ and prints their paths; with --docs also refreshes the two in docs/img/
 * that the README shows.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { OPINION_SHEET_TITLE } from '../src/domain/inspection';
import { staffModel } from '../src/store/staff';
import { taskModel, type TaskDoc } from '../src/store/task';
import { launchChromium, startSandboxStack } from '../test/support/sandbox';
import { SandboxPage } from '../test/support/sandboxPage';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'out', 'screenshots');
const README_SHOTS: Record<string, string> = { 'desktop-draw-preview.png': 'sandbox-desktop.png', 'phone-checklist.png': 'sandbox-phone.png' };

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const stack = await startSandboxStack();
  const chromium = await launchChromium();
  const written: string[] = [];
  const shot = async (s: SandboxPage, name: string): Promise<void> => {
    await s.page.waitForTimeout(400); // let toasts and the scroll settle
    const file = path.join(OUT, name);
    await s.page.screenshot({ path: file });
    written.push(file);
  };
  const open = async (width: number, height: number): Promise<SandboxPage> => {
    const page: Page = await chromium.browser.newPage();
    await page.setViewportSize({ width, height });
    await page.goto(stack.url);
    return new SandboxPage(page);
  };
  try {
    const conn = stack.service.db.connection;
    const desk = await open(1280, 820);
    await desk.page.getByRole('button', { name: '载入示例数据' }).click();
    await desk.toast('已导入企业');
    await desk.page.locator('#chat-sub', { hasText: '联络员 · 市局' }).waitFor();
    await desk.send('/抽取');
    const preview = await desk.card('抽取预览');
    await desk.page.locator('.toast').last().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    await preview.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(desk, 'desktop-draw-preview.png');
    await desk.clickReplacing(preview, '确认抽取');

    let task: TaskDoc | undefined;
    for (let i = 0; i < 150 && !task; i += 1) {
      const tasks = await taskModel(conn).find({ state: '待接收', checklist: 'industrial' }).sort({ no: 1 }).lean<TaskDoc[]>();
      for (const t of tasks) if (t.team.length >= 2 && (await staffModel(conn).exists({ county: t.enterprise.county, roles: '联络员' }))) task = t;
      if (!task) await new Promise((r) => setTimeout(r, 200));
    }
    if (!task) throw new Error('no task was dispatched');
    const liaison = (await staffModel(conn).findOne({ county: task.enterprise.county, roles: '联络员' }).lean())!;
    const leader = task.team.find((m) => m.role === '组长') ?? task.team[0]!;
    const name = task.enterprise.name;

    const phone = await open(390, 844);
    await phone.openPeople();
    await phone.waitForUnread(liaison.openId);
    await phone.page.waitForTimeout(1500); // more of the dispatch arrives
    await shot(phone, 'phone-people.png');
    await phone.choose(liaison.openId);
    const list = await phone.card(`${task.enterprise.county} · 检查任务`);
    await shot(phone, 'phone-county-tasks.png');
    await phone.clickReplacing(list, '接收');

    await phone.choose(leader.openId);
    let card = await phone.clickReplacing(await phone.card(`检查任务 · ${name}`, '开始检查'), '开始检查');
    for (let k = 1; k <= 9; k += 1) {
      if (k === 5) {
        await phone.fill(card, 'record', '成品库部分产品未标注生产许可证编号');
        await card.evaluate((el) => el.scrollIntoView({ block: 'end' }));
        await shot(phone, 'phone-checklist.png');
        card = await phone.clickReplacing(card, '不符合');
      } else {
        card = await phone.clickReplacing(card, '符合');
      }
    }
    await phone.fill(card, 'representative', '孙经理');
    await card.locator('[data-field="representative"]').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(phone, 'phone-summary.png');
    await phone.button(card, '提交检查结果').click();
    await phone.toast('已提交');
    for (const m of task.team.filter((x) => x.openId !== leader.openId)) {
      await phone.choose(m.openId);
      await phone.button(await phone.card('请核对检查记录', name), '确认签字').click();
      await phone.toast('已签字');
    }
    await phone.choose(liaison.openId);
    const notice = await phone.card(OPINION_SHEET_TITLE, name);
    await notice.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(phone, 'phone-notice.png');

    await desk.choose(liaison.openId);
    await (await desk.card(OPINION_SHEET_TITLE, name)).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(desk, 'desktop-notice.png');
  } finally {
    await chromium.close();
    await stack.close();
  }
  for (const f of written) process.stdout.write(`${f}\n`);
  if (process.argv.includes('--docs')) {
    const docs = path.join(ROOT, 'docs', 'img');
    mkdirSync(docs, { recursive: true });
    for (const [from, to] of Object.entries(README_SHOTS)) {
      copyFileSync(path.join(OUT, from), path.join(docs, to));
      process.stdout.write(`${path.join(docs, to)}\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`截图失败：${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
