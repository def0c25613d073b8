/**
 * The demo's outcome scenes (issue 10), kept apart from the rest of scripts/demo.ts: a firm that cannot be reached
 * (无法联系, with a photo as evidence, confirmed by the 组长, published by the county, exported), a visit that also
 * covers an extra checklist the 市局联络员 sent in chat (进一次门，查多项事), and a county's 情况汇报 sent in chat.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Document, Packer, Paragraph } from 'docx';
import { cardText, findButtons } from '../src/sandbox/client';
import type { SeededRegistries } from '../test/support/registries';
import type { Harness } from '../test/support/harness';
import { taskModel, type TaskDoc } from '../src/store/task';
import { fileMessagesTo, waitForBotFiles } from './demoFiles';

type Show = (card: unknown) => void;
type Say = (who: string, text: string) => void;

export interface DemoIo {
  say: Say;
  showCard: Show;
  outDir: string;
}

async function assignment(h: Harness, openId: string, task: TaskDoc) {
  return (await h.emulator.waitFor((m) => m.receive_id === openId && cardText(m.content).includes(task.enterprise.name) && findButtons(m.current).some((b) => b.text === '开始检查'), 30_000)).current;
}

async function click(h: Harness, io: DemoIo, who: { name: string; openId: string }, card: unknown, button: string, formValues?: Record<string, string>) {
  io.say(who.name, `点击“${button}”${formValues ? `（${Object.values(formValues).filter((v) => v).join('；')}）` : ''}`);
  const res = await h.feishu.clickButton(who.openId, card, button, formValues ? { formValues } : {});
  if (res.clientError) throw new Error(`client error ${res.clientError.code}: ${res.clientError.msg}`);
  if (res.toast) io.say('机器人', `（提示）${res.toast.content}`);
  return res;
}

/** Save what the bot sent `to` (at least `count` files after the mark `since`) under out/. */
async function saveFiles(h: Harness, io: DemoIo, to: string, count: number, since: number): Promise<void> {
  for (const f of await waitForBotFiles(h.emulator, to, since, count)) {
    const file = path.join(io.outDir, f.file_name);
    writeFileSync(file, f.data);
    io.say('机器人', `（文件）${f.file_name}，已保存到 ${file}`);
  }
}

const filesSoFar = (h: Harness, to: string) => fileMessagesTo(h.emulator, to);

/** 无法正常检查：通过登记的住所（经营场所）无法联系. */
export async function demoClosure(h: Harness, io: DemoIo, task: TaskDoc, reg: SeededRegistries): Promise<void> {
  process.stdout.write('\n———— 无法正常检查：企业无法联系 ————\n');
  const member = task.team.find((m) => m.role === '执法人员') ?? task.team[0]!;
  const lead = task.team.find((m) => m.role === '组长')!;
  const officer = { name: `${member.name}（${member.role}）`, openId: member.openId };
  const leader = { name: `${lead.name}（组长）`, openId: lead.openId };
  const started = await click(h, io, officer, await assignment(h, officer.openId, task), '开始检查');
  const form = await click(h, io, officer, started.card, '无法正常检查');
  io.showCard(form.card);
  io.say(officer.name, '（发送一张现场照片：厂房大门紧锁，门口无企业标识）');
  const key = h.emulator.storeUserResource('image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const sent = await h.feishu.sendImage(officer.openId, key);
  const saved = await h.emulator.waitFor((m) => m.root === sent.messageId, 10_000);
  io.showCard(saved.current);
  const note = '到登记的生产地址，厂房大门紧锁，无企业标识，邻近商户称企业已搬离；登记的联系电话为空号。';
  await click(h, io, officer, form.card, '提交组长确认', { reason: '6', note });
  const ask = await h.emulator.waitFor((m) => m.receive_id === leader.openId && cardText(m.content).includes('待组长确认') && cardText(m.content).includes(task.enterprise.name), 30_000);
  io.say(`机器人 → ${leader.name}`, '（卡片）');
  io.showCard(ask.current);
  await click(h, io, leader, ask.current, '确认无法检查');
  const county = reg.countyLiaison(task.enterprise.county);
  if (county) {
    const liaison = { name: `${county.name}（${task.enterprise.county}联络员）`, openId: county.openId };
    const pub = await h.emulator.waitFor((m) => m.receive_id === liaison.openId && cardText(m.content).includes('检查结果待公示') && cardText(m.content).includes(task.enterprise.name), 30_000);
    io.say(`机器人 → ${liaison.name}`, '（卡片）');
    io.showCard(pub.current);
    await click(h, io, liaison, pub.current, '已录入并公示', { reference: '国家企业信用信息公示系统' });
    const before = filesSoFar(h, liaison.openId);
    io.say(liaison.name, `/导出 ${task.enterprise.licenceNo}`);
    const asked = await h.feishu.sendText(liaison.openId, `/导出 ${task.enterprise.licenceNo}`);
    io.showCard((await h.emulator.waitFor((m) => m.root === asked.messageId, 10_000)).current);
    await saveFiles(h, io, liaison.openId, 1, before);
  }
  const stored = await taskModel(h.service.db.connection).findById(task._id).lean<TaskDoc>();
  process.stdout.write(`\n任务状态：${stored?.state}；检查结果：${stored?.publication?.result ?? stored?.closure?.result ?? ''}。\n`);
}

/** A person of the demo as the chat shows them. */
export interface DemoPerson {
  name: string;
  openId: string;
}

/** A user sends a file in the 1:1 chat; the bot's answer (a card replying to it) is shown and returned. */
async function sendsFile(h: Harness, io: DemoIo, who: DemoPerson, fileName: string, bytes: Buffer) {
  io.say(who.name, `（发送文件）${fileName}，${(bytes.length / 1024).toFixed(1)} KB`);
  const sent = await h.feishu.sendFile(who.openId, fileName, bytes);
  if (sent.status !== 200) throw new Error(`webhook answered ${sent.status}`);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
  io.say('机器人', '（卡片）');
  io.showCard(reply.current);
  return reply.current;
}

/**
 * 进一次门，查多项事: the 市局联络员 sends a file of extra checklists in chat (previewed, then confirmed), and a visit
 * covers them after the 9 items.
 */
export async function demoExtraChecklist(h: Harness, io: DemoIo, task: TaskDoc, cityLiaison: DemoPerson): Promise<void> {
  process.stdout.write('\n———— 进一次门，查多项事：附加检查表（市局联络员在聊天中发送） ————\n');
  const csv =
    '\uFEFF检查表名称,序号,检查内容\r\n' +
    '工业产品质量安全“零事故”创建指导,1,是否制定“零事故”创建工作方案并明确责任人\r\n' +
    '工业产品质量安全“零事故”创建指导,2,是否开展质量安全风险隐患自查并建立台账\r\n' +
    '工业产品质量安全“零事故”创建指导,3,是否建立质量安全事故报告和应急处置制度\r\n';
  const preview = await sendsFile(h, io, cityLiaison, '附加检查表-零事故创建指导.csv', Buffer.from(csv, 'utf8'));
  const imported = await click(h, io, cityLiaison, preview, '确认导入');
  const result = imported.card ?? (await h.emulator.waitFor((m) => m.message_id === imported.messageId && cardText(m.current).includes('已导入'), 60_000)).current;
  io.say('机器人', '（卡片原地更新）');
  io.showCard(result);
  const lead = task.team.find((m) => m.role === '组长')!;
  const leader = { name: `${lead.name}（组长）`, openId: lead.openId };
  let card = (await click(h, io, leader, await assignment(h, leader.openId, task), '开始检查')).card;
  for (let k = 1; k <= 9; k += 1) card = (await h.feishu.clickButton(leader.openId, card, '符合')).card;
  io.say(leader.name, '附件3/附件4 的 9 项均“符合”');
  io.say('机器人', '（第 10 项：附加检查表）');
  io.showCard(card);
  card = (await click(h, io, leader, card, '符合')).card;
  card = (await click(h, io, leader, card, '不符合', { record: '未建立隐患自查台账，当场要求补建' })).card;
  card = (await click(h, io, leader, card, '符合')).card;
  io.say('机器人', '（汇总卡片）');
  io.showCard(card);
  await click(h, io, leader, card, '提交检查结果', { representative: '周厂长' });
  for (const m of task.team.filter((x) => x.openId !== leader.openId)) {
    const sign = await h.emulator.waitFor((x) => x.receive_id === m.openId && cardText(x.content).includes('请核对检查记录') && cardText(x.content).includes(task.enterprise.name), 30_000);
    await click(h, io, { name: `${m.name}（${m.role}）`, openId: m.openId }, sign.current, '确认签字');
  }
  const before = filesSoFar(h, leader.openId);
  io.say(leader.name, `/导出 ${task.enterprise.licenceNo}`);
  const asked = await h.feishu.sendText(leader.openId, `/导出 ${task.enterprise.licenceNo}`);
  io.showCard((await h.emulator.waitFor((m) => m.root === asked.messageId, 10_000)).current);
  await saveFiles(h, io, leader.openId, 2, before);
  const stored = await taskModel(h.service.db.connection).findById(task._id).lean<TaskDoc>();
  process.stdout.write(`\n任务状态：${stored?.state}；检查结果：${stored?.inspection?.result ?? ''}（附加检查表的不符合项单独记录，不计入附件3的结果）。\n`);
}

/** A small real Word file, as a county would send. */
async function reportDocx(county: string): Promise<Buffer> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph(`${county}市场监督管理局`),
          new Paragraph('关于2024年工业产品生产许可证获证企业“双随机、一公开”监督检查工作情况的汇报'),
          new Paragraph('一、基本情况：按照运市监质监〔2024〕2号通知要求，我局对抽中的企业开展了监督检查……'),
          new Paragraph('二、发现的问题及处置情况……'),
          new Paragraph('三、下一步工作打算……'),
        ],
      },
    ],
  });
  return Buffer.from(await Packer.toBuffer(doc));
}

/**
 * The county's 情况汇报 (due 11-15): its liaison sends the file in chat, confirms it on the bot's question card; the
 * 市局联络员 is told and sees it in /进度.
 */
export async function demoCountyReport(h: Harness, io: DemoIo, county: string, liaison: DemoPerson, cityLiaison: DemoPerson): Promise<void> {
  process.stdout.write(`\n———— 县区情况汇报：${county}联络员在聊天中上报 ————\n`);
  const fileName = `${county}2024年“双随机、一公开”监督检查情况汇报.docx`;
  const question = await sendsFile(h, io, liaison, fileName, await reportDocx(county));
  const sent = await click(h, io, liaison, question, '确认上报');
  const result = sent.card ?? (await h.emulator.waitFor((m) => m.message_id === sent.messageId && cardText(m.current).includes('已上报'), 60_000)).current;
  io.say('机器人', '（卡片原地更新）');
  io.showCard(result);
  const told = await h.emulator.waitFor((m) => m.receive_id === cityLiaison.openId && cardText(m.content).includes(`情况汇报已上报：${county}`), 30_000);
  io.say(`机器人 → ${cityLiaison.name}`, '（卡片）');
  io.showCard(told.current);
  io.say(cityLiaison.name, '/进度');
  const asked = await h.feishu.sendText(cityLiaison.openId, '/进度');
  const progress = await h.emulator.waitFor((m) => m.root === asked.messageId, 30_000);
  const line = cardText(progress.current).split('\n').find((l) => l.includes('情况汇报') && l.includes('已报'));
  io.say('机器人', `（进度卡片）……${line ?? ''}……`);
}
