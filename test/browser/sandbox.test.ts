/**
 * The yearly path, clicked through the sandbox page in Debian's Chromium, at a phone's width (390 px) and on a
 * desktop: the 市局联络员 loads the sample data, runs /抽取 and confirms; a county liaison presses 接收; an
 * inspector answers nine items (one 不符合 with its 检查记录, a photo on the way) and submits; the others sign; the
 * 意见汇总表 (附件1) reaches the county liaison. Everything asserted is what the page shows; the database is only
 * read to know whom to play.
 *
 * Needs /usr/bin/chromium (.ci/run installs it). Where there is none and this is not CI, the test is skipped with
 * a warning (`npm test` runs on a machine with only Node, docs/interfaces.md); in CI a missing browser fails.
 */
import type { Page } from 'playwright-core';
import { OPINION_SHEET_TITLE } from '../../src/domain/inspection';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { staffModel } from '../../src/store/staff';
import { chromiumPath, launchChromium, startSandboxStack, type SandboxStack } from '../support/sandbox';
import { SandboxPage } from '../support/sandboxPage';

const haveBrowser = chromiumPath() !== undefined;
if (!haveBrowser && process.env.CI !== 'true') {
  process.stderr.write('\n⚠ test/browser/sandbox.test.ts skipped: no Chromium (apt-get install -y chromium, or set CHROMIUM_PATH)\n');
}
const browserIt = haveBrowser || process.env.CI === 'true' ? it : it.skip;

// A bound for a loaded machine (the whole path took over 180 s with the load at 15 on two cores), not a speed target.
jest.setTimeout(360_000);

let stack: SandboxStack;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
const errors: string[] = [];

beforeAll(async () => {
  if (!haveBrowser && process.env.CI !== 'true') return;
  stack = await startSandboxStack();
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await stack?.close();
});

async function newPage(width: number, height: number): Promise<SandboxPage> {
  const page: Page = await chromium.browser.newPage();
  await page.setViewportSize({ width, height });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(stack.url);
  return new SandboxPage(page);
}

const conn = () => stack.service.db.connection;

async function liaisonOf(county: string): Promise<{ openId: string; name: string }> {
  const l = await staffModel(conn()).findOne({ county, roles: '联络员' }).lean();
  if (!l) throw new Error(`no liaison for ${county}`);
  return { openId: l.openId, name: l.name };
}

/** A dispatched task of a county with a liaison, other than those given. */
async function pickTask(except: string[] = []): Promise<TaskDoc> {
  const tasks = await taskModel(conn()).find({ state: '待接收' }).sort({ no: 1 }).lean<TaskDoc[]>();
  for (const t of tasks) {
    if (except.includes(t.enterprise.county) || t.team.length < 2) continue;
    if (await staffModel(conn()).exists({ county: t.enterprise.county, roles: '联络员' })) return t;
  }
  throw new Error('no dispatched task in a county with a liaison');
}

/** 接收 by the county liaison, the checklist by the 组长 (item 5 不符合), the others sign, the notice arrives. */
async function inspect(s: SandboxPage, task: TaskDoc, finding: string, opts: { photo: boolean; refusal: boolean }): Promise<void> {
  const county = task.enterprise.county;
  const liaison = await liaisonOf(county);
  const name = task.enterprise.name;

  // the county liaison sees the dispatch waiting (unread) and receives the county's tasks
  await s.openPeople();
  expect(await s.waitForUnread(liaison.openId)).toBeGreaterThan(0);
  await s.choose(liaison.openId);
  expect(await s.whoAmI()).toContain(`联络员 · ${county}`);
  const list = await s.card(`${county} · 检查任务`);
  expect(await list.textContent()).toContain(name);
  const received = await s.clickReplacing(list, '接收');
  expect(await received.textContent()).toContain(`已由 ${liaison.name} 于`);
  expect(await s.button(received, '接收').count()).toBe(0);

  // the 组长 starts the checklist from the assignment card
  const leader = task.team.find((m) => m.role === '组长') ?? task.team[0]!;
  await s.choose(leader.openId);
  let card = await s.clickReplacing(await s.card(`检查任务 · ${name}`, '开始检查'), '开始检查');
  for (let k = 1; k <= 9; k += 1) {
    expect(await card.textContent()).toContain(`第 ${k}/9 项`);
    if (opts.photo && k === 3) {
      await s.sendPhoto();
      await s.card('照片已保存');
      card = await s.card(`第 ${k}/9 项`);
    }
    if (k === 5) {
      if (opts.refusal) {
        // 不符合 without a 检查记录: the bot refuses and the item stays
        await s.button(card, '不符合').click();
        expect(await s.toast('必须填写检查记录')).toContain('选择“不符合”时必须填写检查记录');
        card = await s.card(`第 ${k}/9 项`);
      }
      await s.fill(card, 'record', finding);
      card = await s.clickReplacing(card, '不符合');
    } else {
      card = await s.clickReplacing(card, '符合');
    }
  }
  const summary = await card.textContent();
  expect(summary).toContain('9 项已全部检查');
  expect(summary).toContain('1 项不符合');
  expect(summary).toContain(finding);
  await s.fill(card, 'representative', '孙经理');
  await s.button(card, '提交检查结果').click();
  const others = task.team.filter((m) => m.openId !== leader.openId);
  expect(await s.toast('已提交')).toContain(`等待其他 ${others.length} 位成员确认签字`);

  if (opts.refusal) {
    // the submitted record, in place: the 组长 may reopen it (a required reason, then a confirm dialog)
    card = await s.card('重新打开检查');
    const version = await card.getAttribute('data-version');
    await s.button(card, '重新打开检查').click();
    expect(await s.toast('请先填写必填项')).toContain('请先填写必填项');
    expect(await card.locator('[data-field="reason"]').getAttribute('class')).toContain('fc-invalid');
    await s.fill(card, 'reason', '第5项记录需补充');
    await s.button(card, '重新打开检查').click();
    const dialog = s.page.locator('#dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.textContent()).toContain('重新打开后需重新提交');
    await s.page.locator('#dialog-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await card.getAttribute('data-version')).toBe(version); // nothing was sent
  }

  // every other member signs from their own chat
  for (const m of others) {
    await s.choose(m.openId);
    const sign = await s.card('请核对检查记录', name);
    expect(await sign.textContent()).toContain(finding);
    await s.button(sign, '确认签字').click();
    await s.toast('已签字');
  }

  // the 意见汇总表 (附件1) reaches the county liaison
  await s.choose(liaison.openId);
  const notice = await s.card(OPINION_SHEET_TITLE, name);
  const text = (await notice.textContent()) ?? '';
  expect(text).toContain(finding);
  expect(text).toContain('孙经理');
  expect(text).toContain(task.enterprise.licenceNo);
  expect(await s.unsupportedCount()).toBe(0);
}

browserIt('the yearly path at a phone’s width (390 px), then on a desktop', async () => {
  const started = Date.now();
  const phone = await newPage(390, 844);
  expect(await phone.page.locator('.people').isVisible()).toBe(false); // a phone shows the chat
  expect(await phone.whoAmI()).toContain('访客');

  // the 市局联络员 loads the sample data (the page then switches to them) and runs the draw
  await phone.openPeople();
  await phone.page.getByRole('button', { name: '载入示例数据' }).click();
  expect(await phone.toast('已导入企业')).toMatch(/已导入企业 200 家、人员 \d+ 人；专项：.*示例/);
  await phone.page.locator('#chat-sub', { hasText: '联络员 · 市局' }).waitFor();
  await phone.send('/抽取');
  const preview = await phone.card('抽取预览');
  expect(await preview.textContent()).toContain('有效期内获证企业');
  const result = await phone.clickReplacing(preview, '确认抽取');
  expect(await result.textContent()).toContain('任务已派发');
  await phone.card('抽取结果'); // still in place, same message
  // the draw's public bundle arrives as a file message that downloads from the page
  const file = phone.page.locator('.msg-file a.file', { hasText: '抽取数据包-可公开' }).last();
  await file.waitFor({ timeout: 60_000 });
  const bundle = await phone.page.request.get(new URL((await file.getAttribute('href'))!, stack.url).href);
  expect(bundle.status()).toBe(200);
  const published = JSON.parse(await bundle.text()) as { kind?: string; hashes?: { population?: string } };
  expect(published.kind).toBe('public');
  expect(published.hashes?.population).toMatch(/^[0-9a-f]{64}$/);

  const first = await waitForTask([]);
  await inspect(phone, first, '成品库部分产品未标注生产许可证编号', { photo: true, refusal: false });
  const phoneDone = Date.now();

  const desk = await newPage(1280, 900);
  expect(await desk.page.locator('.people').isVisible()).toBe(true); // the switcher beside the phone
  const second = await pickTask([first.enterprise.county]);
  await inspect(desk, second, '出厂检验记录不全，缺少批次抽样记录', { photo: false, refusal: true });

  expect(errors).toEqual([]);
  process.stdout.write(`browser test: phone ${((phoneDone - started) / 1000).toFixed(1)} s, desktop ${((Date.now() - phoneDone) / 1000).toFixed(1)} s\n`);
});

/** The dispatch runs after the confirm answer: wait until the tasks are there. */
async function waitForTask(except: string[]): Promise<TaskDoc> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await pickTask(except);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
