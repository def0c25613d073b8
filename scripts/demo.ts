/**
 * npm run demo: the bot against the Feishu emulator and the embedded database, with simulated users talking to
 * it through genuine encrypted, signed webhook calls. Prints the conversation as it happens.
 * It grows with every feature: help by role, the registries, the verifiable draw, dispatch and county receipt.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cardText, findButtons } from '../src/sandbox/client';
import { outboxModel } from '../src/store/outbox';
import { startHarness, type Harness } from '../test/support/harness';
import { drawModel } from '../src/store/draw';
import { verifyV2 } from '../src/domain/draw2/verify';
import { taskModel } from '../src/store/task';
import { generateSampleData } from '../src/domain/sampleData';
import { STAFF_HEADERS } from '../src/domain/registryRows';
import type { Staff } from '../src/domain/types';
import { staffCells } from '../src/operations/writeSampleData';
import { campaignModel } from '../src/store/campaign';
import type { SeededRegistries } from '../test/support/registries';
import { enterprisesCsv, holidays2027, xlsxBytes } from '../test/support/setupFiles';
import type { TaskDoc } from '../src/store/task';
import { demoClosure, demoCountyReport, demoExtraChecklist } from './demoOutcomes';
import { fileMessagesTo, waitForBotFiles } from './demoFiles';

const OUT_DIR = 'out';
/** Monday 2024-05-06, 09:30 in 运城 */
const DEMO_START = Date.parse('2024-05-06T01:30:00Z');

function say(who: string, text: string): void {
  process.stdout.write(`\n【${who}】${text}\n`);
}

function findButtonsText(card: unknown): string[] {
  return findButtons(card).map((b) => b.text);
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A card as a phone would roughly show it: title, text, tables as rows, buttons. */
function cardLines(card: unknown): string[] {
  const lines: string[] = [];
  const root = isNode(card) ? card : {};
  const header = isNode(root.header) && isNode(root.header.title) ? String(root.header.title.content ?? '') : '';
  if (header) lines.push(`【${header}】`);
  const visit = (el: unknown): void => {
    if (Array.isArray(el)) return el.forEach(visit);
    if (!isNode(el)) return;
    if (el.tag === 'markdown') lines.push(...String(el.content).split('\n'));
    else if (el.tag === 'div' && isNode(el.text)) lines.push(...String(el.text.content).split('\n'));
    else if (el.tag === 'table') {
      const cols = (el.columns as Node[]).map((c) => String(c.name));
      lines.push((el.columns as Node[]).map((c) => String(c.display_name)).join(' | '));
      for (const row of el.rows as Node[]) lines.push(cols.map((c) => String(row[c] ?? '')).join(' | '));
    } else if (el.tag === 'button') lines.push(`[${String((el.text as Node).content)}]`);
    else if (el.tag === 'input') lines.push(`＿＿＿（${String((el.placeholder as Node | undefined)?.content ?? '输入框')}）`);
    else for (const key of ['elements', 'columns']) if (key in el) visit(el[key]);
  };
  visit(isNode(root.body) ? root.body.elements : []);
  return lines.filter((l) => l.trim() !== '');
}

function showCard(card: unknown): void {
  for (const l of cardLines(card)) process.stdout.write(`    │ ${l}\n`);
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

// ---- the yearly set-up in chat (the 市局联络员, no command line) ----------------------------------------------------

const DEMO_ADMIN: Staff = {
  openId: 'ou_demoliaison00000000000000000001',
  name: '许小颖',
  roles: ['联络员'],
  unit: '运城市市场监督管理局产品质量安全监督管理科',
  county: '市局',
  avoid: [],
};

/** A user sends a file in the 1:1 chat; the bot's preview card is shown. */
async function userSendsFile(h: Harness, who: { name: string; openId: string }, fileName: string, bytes: Buffer) {
  say(who.name, `（发送文件）${fileName}，${(bytes.length / 1024).toFixed(1)} KB`);
  const sent = await h.feishu.sendFile(who.openId, fileName, bytes);
  if (sent.status !== 200) throw new Error(`webhook answered ${sent.status}`);
  return botReplyTo(h, sent.messageId);
}

/** Clicks a button and shows the card it leaves (patched in afterwards when the work outlived the 3-second answer). */
async function clickAndShow(h: Harness, who: { name: string; openId: string }, card: unknown, button: string, expect: string) {
  say(who.name, `点击“${button}”`);
  const click = await h.feishu.clickButton(who.openId, card, button);
  if (click.toast) say('机器人', `（提示）${click.toast.content}`);
  const after = click.card ?? (await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes(expect), 60_000)).current;
  say('机器人', '（卡片原地更新）');
  showCard(after);
  return after;
}

/**
 * Before the draw, the 市局联络员 prepares the year by talking to the bot: the enterprise registry (.csv) and the
 * staff registry (.xlsx) sent as files, each previewed and confirmed; the campaign with /专项 新建; and next
 * year's holiday arrangement (an illustrative 2027 file, not the official one), so that deadlines running into 2027
 * can be computed. Returns the registries as the rest of the demo uses them.
 */
async function yearlySetupInChat(h: Harness, liaison: { name: string; openId: string }): Promise<SeededRegistries> {
  process.stdout.write('\n———— 每年的准备工作：市局联络员在飞书里完成，不用命令行 ————\n');
  const data = generateSampleData({ year: 2024, enterprises: 200, seed: 2024 });

  // Enterprises first: the staff file's 回避企业 then all name known firms.
  const enterprisePreview = await userSendsFile(h, liaison, '检查对象名录库.csv', await enterprisesCsv(data.enterprises));
  await clickAndShow(h, liaison, enterprisePreview.current, '确认导入', '已导入');

  const staffFile = await xlsxBytes('执法检查人员名录库', STAFF_HEADERS, [DEMO_ADMIN, ...data.staff].map(staffCells));
  const staffPreview = await userSendsFile(h, liaison, '执法检查人员名录库.xlsx', staffFile);
  await clickAndShow(h, liaison, staffPreview.current, '确认导入', '已导入');

  const name = '2024年工业产品生产许可证获证企业“双随机、一公开”监督检查';
  const campaignPreview = await userSays(h, liaison, `/专项 新建 名称=${name} 年度=2024 开始=2024-03-15 结束=2024-10-31 比例=0.25`);
  await clickAndShow(h, liaison, campaignPreview.current, '确认创建', '已创建专项');

  process.stdout.write('\n（国务院办公厅公布下一年放假安排后——此处用一份示例安排——联络员把它发给机器人；内置日历只到2026年。）\n');
  const calendarPreview = await userSendsFile(h, liaison, '2027年节假日安排.csv', holidays2027());
  await clickAndShow(h, liaison, calendarPreview.current, '确认导入', '已导入');

  const campaign = await campaignModel(h.service.db.connection).findOne({ year: 2024, status: 'active' }).lean();
  if (!campaign) throw new Error('the campaign was not created');
  const cityLiaison = data.staff.find((s) => s.roles.includes('联络员') && s.county === '市局');
  const officer = data.staff.find((s) => s.roles.includes('执法人员') && !s.roles.includes('联络员'));
  if (!cityLiaison || !officer) throw new Error('sample data lacks a city liaison or an officer');
  process.stdout.write(`\n准备完成：人员 ${data.staff.length + 1} 人、企业 ${data.enterprises.length} 家、专项“${campaign.name}”、2027年节假日安排，全部在飞书里完成。\n`);
  return {
    data,
    campaign,
    cityLiaison,
    officer,
    countyLiaison: (county) => data.staff.find((s) => s.roles.includes('联络员') && s.county === county),
  };
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const started = Date.now();
  process.stdout.write('启动飞书模拟器、嵌入式数据库和机器人服务……\n');
  // The demo plays the 2024 campaign in its own time: the clock starts on a working day inside the inspection
  // window (2024-03-15 … 10-31; starting a visit outside it needs the 组长's reason) and runs at real speed.
  const t0 = Date.now();
  const liaison = { name: '许小颖（市局联络员）', openId: DEMO_ADMIN.openId };
  const h = await startHarness({ dbPrefix: 'demo', adminOpenIds: [liaison.openId], now: () => new Date(DEMO_START + (Date.now() - t0)) });
  try {
    process.stdout.write(`机器人已启动（端口 ${h.service.port}，数据库：${h.mongo.kind === 'external' ? 'MONGODB_URI' : '内存中的 MongoDB 兼容服务器'}）。\n`);
    process.stdout.write(`部署时在 ADMIN_OPEN_IDS 中登记了市局联络员许小颖：名录库还是空的，她也能在飞书里完成年度准备工作。\n`);
    const visitor = { name: '未登记的用户', openId: 'ou_demo_visitor_0000000000000000001' };

    await userSays(h, visitor, '/帮助');
    const help = await userSays(h, liaison, '/帮助');
    say(liaison.name, '点击“用法”按钮');
    const click = await h.feishu.clickButton(liaison.openId, help.current, '用法');
    say('机器人', '（卡片原地更新）');
    showCard(click.card);
    await userSays(h, liaison, '今天天气怎么样');

    const reg = await yearlySetupInChat(h, liaison);
    const city = { name: `${reg.cityLiaison.name}（市局联络员）`, openId: reg.cityLiaison.openId };
    const preview = await userSays(h, city, '/抽取 种子=2024031503');
    say(city.name, '点击“确认抽取”');
    const confirmed = await h.feishu.clickButton(city.openId, preview.current, '确认抽取');
    say('机器人', '（卡片原地更新）');
    showCard(confirmed.card);

    // The dispatch runs after the confirm answer.
    while (!(await drawModel(h.service.db.connection).exists({ status: 'confirmed', dispatchedAt: { $exists: true } }))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const tasks = await taskModel(h.service.db.connection).find().sort({ no: 1 }).lean();
    // Two files: the internal bundle (for the bureau and 纪检) and the one that may be published.
    await h.emulator.waitFor(() => h.emulator.files().filter((f) => f.file_name.startsWith('抽取数据包')).length >= 2, 30_000);
    for (const bundleFile of h.emulator.files().filter((f) => f.file_name.startsWith('抽取数据包'))) {
      const file = path.join(OUT_DIR, bundleFile.file_name);
      writeFileSync(file, bundleFile.data);
      const verdict = verifyV2(JSON.parse(bundleFile.data.toString('utf8')));
      say(
        '机器人',
        `（文件）${bundleFile.file_name}，已保存到 ${file}；核验${verdict.ok ? '通过' : `不通过：${verdict.problems[0]?.rule}`}（npm run cli -- draw verify ${file}）`,
      );
    }

    const county = tasks[0].enterprise.county;
    const countyLiaison = reg.countyLiaison(county);
    if (countyLiaison) {
      const list = await h.emulator.waitFor((m) => m.receive_id === countyLiaison.openId && cardText(m.content).includes('检查任务'), 30_000);
      say('机器人 → ' + countyLiaison.name + `（${county}联络员）`, '（卡片）');
      showCard(list.current);
      say(`${countyLiaison.name}（${county}联络员）`, '点击“接收”');
      const received = await h.feishu.clickButton(countyLiaison.openId, list.current, '接收');
      showCard(received.card);
    }

    const leader = tasks[0].team.find((m) => m.role === '组长');
    if (leader) {
      const assignment = await h.emulator.waitFor(
        (m) => m.receive_id === leader.openId && cardText(m.content).includes(tasks[0].enterprise.name),
        30_000,
      );
      say(`机器人 → ${leader.name}（组长）`, '（卡片）');
      showCard(assignment.current);
    }
    process.stdout.write(`\n共抽中 ${tasks.length} 家企业，派发 ${tasks.reduce((n, t) => n + t.team.length, 0)} 张任务卡片。\n`);

    process.stdout.write('\n———— 现场检查（逐项填写） ————\n');
    const task = tasks[0];
    const lead = task.team.find((m) => m.role === '组长')!;
    const others = task.team.filter((m) => m.openId !== lead.openId);
    const assignment = await h.emulator.waitFor((m) => m.receive_id === lead.openId && cardText(m.content).includes(task.enterprise.name), 30_000);
    say(`${lead.name}（组长）`, '点击“开始检查”');
    let card = (await h.feishu.clickButton(lead.openId, assignment.current, '开始检查')).card;
    showCard(card);
    const findingAt = 5;
    for (let item = 1; card && cardText(card).includes('符合') && item <= 9; item++) {
      const verdict = item === findingAt ? '不符合' : '符合';
      const record = item === findingAt ? '成品库部分产品未标注生产许可证编号' : '';
      say(`${lead.name}（组长）`, `第${item}项：${verdict}${record ? `，检查记录：${record}` : ''}`);
      const res = await h.feishu.clickButton(lead.openId, card, verdict, { formValues: { record } });
      if (res.toast) say('机器人', `（提示）${res.toast.content}`);
      card = res.card;
    }
    say('机器人', '（汇总卡片）');
    showCard(card);
    say(`${lead.name}（组长）`, '填写企业代表“孙经理”，整改期限 15 天，点击“提交检查结果”');
    const submitted = await h.feishu.clickButton(lead.openId, card, '提交检查结果', { formValues: { representative: '孙经理', days: '15' } });
    if (submitted.toast) say('机器人', `（提示）${submitted.toast.content}`);
    for (const m of others) {
      const sign = await h.emulator.waitFor((x) => x.receive_id === m.openId && findButtonsText(x.current).includes('确认签字'), 30_000);
      say(`${m.name}（${m.role}）`, '点击“确认签字”');
      const res = await h.feishu.clickButton(m.openId, sign.current, '确认签字');
      if (res.toast) say('机器人', `（提示）${res.toast.content}`);
    }
    if (countyLiaison) {
      const notice = await h.emulator.waitFor((x) => x.receive_id === countyLiaison.openId && cardText(x.content).includes('意见汇总表'), 30_000);
      say(`机器人 → ${countyLiaison.name}（${county}联络员）`, '（附件1 意见汇总表）');
      showCard(notice.current);
    }
    const done = await taskModel(h.service.db.connection).findById(task._id).lean();
    process.stdout.write(`\n任务状态：${done?.state}；检查结果：${done?.inspection?.result ?? ''}。\n`);

    if (countyLiaison) {
      process.stdout.write('\n———— 整改确认（附件2）与结果公示 ————\n');
      const follow = await h.emulator.waitFor(
        (x) => x.receive_id === countyLiaison.openId && cardText(x.content).includes('待整改') && findButtonsText(x.current).includes('确认整改'),
        30_000,
      );
      say(`机器人 → ${countyLiaison.name}（${county}联络员）`, '（卡片）');
      showCard(follow.current);
      say(`${countyLiaison.name}（${county}联络员）`, '到企业现场核实后，填写完成整改情况，点击“确认整改”');
      const rectified = await h.feishu.clickButton(countyLiaison.openId, follow.current, '确认整改', {
        formValues: { status_1: 'done', done_1: '已在全部成品及合格证上补标生产许可证编号，现场核实无误' },
      });
      if (rectified.toast) say('机器人', `（提示）${rectified.toast.content}`);
      showCard(rectified.card);
      say(`${countyLiaison.name}（${county}联络员）`, '在国家企业信用信息公示系统录入并公示后，点击“已录入并公示”');
      const published = await h.feishu.clickButton(countyLiaison.openId, rectified.card, '已录入并公示', {
        formValues: { reference: '国家企业信用信息公示系统' },
      });
      if (published.toast) say('机器人', `（提示）${published.toast.content}`);
      const final = await taskModel(h.service.db.connection).findById(task._id).lean();
      process.stdout.write(`\n任务状态：${final?.state}；公示结果：${final?.publication?.result ?? ''}（${final?.publication?.publishedOn ?? ''}）。\n`);
    }

    await demoOutcomes(h, tasks, reg);

    process.stdout.write('\n———— 文书导出与公示页 ————\n');
    const exporter = { name: `${lead.name}（组长）`, openId: lead.openId };
    const exportMark = fileMessagesTo(h.emulator, exporter.openId);
    await userSays(h, exporter, `/导出 ${task.enterprise.licenceNo}`);
    // 附件1–3 of this task, as the bot generated and sent them to the 组长 (not files users uploaded, not earlier exports)
    const docs = await waitForBotFiles(h.emulator, exporter.openId, exportMark, 3, (f) => f.file_name.endsWith('.docx'));
    for (const f of docs) {
      const file = path.join(OUT_DIR, f.file_name);
      writeFileSync(file, f.data);
      say('机器人', `（文件）${f.file_name}，已保存到 ${file}`);
    }
    process.stdout.write('\n———— 进度与汇总（领导） ————\n');
    const leaderStaff = reg.data.staff.find((x) => x.roles.includes('领导') && x.county === '市局');
    if (leaderStaff) {
      const leaderUser = { name: `${leaderStaff.name}（局领导）`, openId: leaderStaff.openId };
      await userSays(h, leaderUser, '/进度');
      const summaryMark = fileMessagesTo(h.emulator, leaderUser.openId);
      await userSays(h, leaderUser, '/汇总');
      // the 附件5 summary the bot generated for the 领导 (the store also holds the staff registry a user sent as .xlsx)
      const [sheet] = await waitForBotFiles(h.emulator, leaderUser.openId, summaryMark, 1, (f) => f.file_name.startsWith('附件5') && f.file_name.endsWith('.xlsx'));
      if (sheet) {
        const file = path.join(OUT_DIR, sheet.file_name);
        writeFileSync(file, sheet.data);
        say('机器人', `（文件）${sheet.file_name}，已保存到 ${file}`);
      }
      say('定时任务', '每个工作日 8:30 向领导推送进度摘要（此处立即运行一次）');
      await h.service.scheduler.runNow('digest');
      const digest = await h.emulator.waitFor((x) => x.receive_id === leaderUser.openId && x.root === undefined && x.msg_type === 'interactive', 10_000).catch(() => undefined);
      if (digest) {
        say(`机器人 → ${leaderUser.name}`, '（进度摘要）');
        showCard(digest.current);
      }
    }

    const page = await fetch(`http://127.0.0.1:${h.service.port}/public/results`);
    const pageFile = path.join(OUT_DIR, 'public-results.html');
    writeFileSync(pageFile, await page.text());
    process.stdout.write(`\nGET /public/results → ${page.status}，公示页已保存到 ${pageFile}\n`);

    // Let the outbox deliver everything the platform's rate limits allow before the summary.
    const outbox = outboxModel(h.service.db.connection);
    while ((await outbox.countDocuments({ status: { $in: ['pending', 'sending'] } })) > 0) await new Promise((r) => setTimeout(r, 100));
    process.stdout.write(`\n演示结束，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒。飞书模拟器共收到 ${h.emulator.messages().length} 条机器人消息。\n`);
  } finally {
    await h.close();
  }
}

/**
 * Issue 10's scenes (scripts/demoOutcomes.ts): a firm that cannot be reached, a visit with an extra checklist the
 * 市局联络员 sent in chat, and a county's 情况汇报 sent in chat by its liaison.
 */
async function demoOutcomes(h: Harness, tasks: TaskDoc[], reg: SeededRegistries): Promise<void> {
  const io = { say, showCard, outDir: OUT_DIR };
  const city = { name: `${reg.cityLiaison.name}（市局联络员）`, openId: reg.cityLiaison.openId };
  const withOfficer = tasks.slice(1).find((t) => t.team.some((m) => m.role === '执法人员') && reg.countyLiaison(t.enterprise.county));
  if (withOfficer) await demoClosure(h, io, withOfficer, reg);
  const visit = tasks.slice(1).find((t) => t !== withOfficer && t.checklist === 'industrial');
  if (visit) await demoExtraChecklist(h, io, visit, city);
  const county = tasks[0]?.enterprise.county;
  const countyLiaison = county ? reg.countyLiaison(county) : undefined;
  if (county && countyLiaison) await demoCountyReport(h, io, county, { name: `${countyLiaison.name}（${county}联络员）`, openId: countyLiaison.openId }, city);
}

main().catch((err: unknown) => {
  process.stderr.write(`演示失败：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
