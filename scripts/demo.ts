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
import { staffModel } from '../src/store/staff';
import { drawModel } from '../src/store/draw';
import { verifyV2 } from '../src/domain/draw2/verify';
import { taskModel } from '../src/store/task';
import { seedRegistries } from '../test/support/registries';

const OUT_DIR = 'out';

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

/** Files the bot uploaded that match, once at least `count` of them are there. */
async function waitForFiles(h: Harness, match: (f: { file_name: string }) => boolean, count: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const files = h.emulator.files().filter(match);
    if (files.length >= count || Date.now() > deadline) return files;
    await new Promise((r) => setTimeout(r, 100));
  }
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

    process.stdout.write('\n———— 名录库与专项 ————\n');
    const reg = await seedRegistries(h.service.db.connection, { enterprises: 200, year: 2024 });
    process.stdout.write(
      `导入示例名录：企业 ${reg.data.enterprises.length} 家，人员 ${reg.data.staff.length} 人；创建专项“${reg.campaign.name}”（${reg.campaign.from} 至 ${reg.campaign.to}，比例 25%）。\n`,
    );
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
        formValues: { done_1: '已在全部成品及合格证上补标生产许可证编号，现场核实无误' },
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

    process.stdout.write('\n———— 文书导出与公示页 ————\n');
    const exporter = { name: `${lead.name}（组长）`, openId: lead.openId };
    const exported = await userSays(h, exporter, `/导出 ${task.enterprise.licenceNo}`);
    void exported;
    const docs = await waitForFiles(h, (f) => f.file_name.endsWith('.docx'), 3);
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
      await userSays(h, leaderUser, '/汇总');
      const [sheet] = await waitForFiles(h, (f) => f.file_name.endsWith('.xlsx'), 1);
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

main().catch((err: unknown) => {
  process.stderr.write(`演示失败：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
