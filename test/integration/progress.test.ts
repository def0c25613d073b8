/**
 * /进度 and the daily digest through the webhook: sample registries, a real confirmed draw (preview + confirm
 * operations, as /抽取 does), then tasks moved into every state with inspection, rectification and publication
 * fields; the expected figures are counted here from that plan, independently of the pipeline.
 */
import type { Types } from 'mongoose';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { confirmDraw } from '../../src/operations/draw/confirmDraw';
import { previewDraw } from '../../src/operations/draw/previewDraw';
import type { Actor } from '../../src/policies';
import { outboxModel } from '../../src/store/outbox';
import { taskModel } from '../../src/store/task';
import { cardText, findButtons } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

/** Tuesday 2024-09-10, 09:00 in Shanghai. */
const NOW = new Date('2024-09-10T01:00:00Z');

let h: Harness;
let reg: SeededRegistries;
const conn = () => h.service.db.connection;

type Kind = 'received' | 'toInspect' | 'inspecting' | 'signing' | 'pubOverdue' | 'pubPending' | 'rectOverdue' | 'rectConfirmed' | 'published' | 'closed';
const KINDS: Kind[] = ['received', 'toInspect', 'inspecting', 'signing', 'pubOverdue', 'pubPending', 'rectOverdue', 'rectConfirmed', 'published', 'closed'];
/** the result (dictionary short form, domain/results.ts) each completed kind has: written out here, not computed */
const RESULT_OF: Partial<Record<Kind, string>> = {
  pubOverdue: '未发现问题',
  pubPending: '未发现问题',
  published: '未发现问题',
  rectConfirmed: '经责令已改正',
  rectOverdue: '待后续处理',
  closed: '无法联系',
};
/** tasks per result, city-wide */
const results = new Map<string, number>();

function inspection(completionDate: string, result: string, deadline?: string) {
  return {
    startedAt: NOW,
    startedBy: 'ou_test',
    startedBeforeReceipt: false,
    cursor: 10,
    answers: [],
    history: [],
    photos: [],
    round: 1,
    signatures: [],
    reopens: [],
    completionDate,
    completedAt: NOW,
    result,
    ...(deadline ? { rectification: { days: 15, issuedDate: completionDate, deadline, items: [], setBy: '', recipients: [] } } : {}),
  };
}

const SET: Record<Kind, Record<string, unknown>> = {
  received: { state: '待接收' },
  toInspect: { state: '待检查' },
  inspecting: { state: '检查中' },
  signing: { state: '待签字' },
  // completed 2024-08-01, no due date stored: 20 working days later (2024-08-29) is past
  pubOverdue: { state: '待公示', inspection: inspection('2024-08-01', '未发现问题') },
  pubPending: { state: '待公示', inspection: inspection('2024-09-05', '未发现问题'), publication: { dueDate: '2024-10-10' } },
  rectOverdue: { state: '待整改', inspection: inspection('2024-09-02', '发现问题', '2024-09-05') },
  rectConfirmed: {
    state: '待公示',
    inspection: inspection('2024-08-26', '发现问题', '2024-09-10'),
    rectificationCheck: { items: [], opinion: '已全部完成整改', confirmedBy: 'ou_x', confirmedByName: '赵丽', confirmedAt: NOW, confirmedOn: '2024-09-06' },
    publication: { dueDate: '2024-09-23' },
  },
  published: {
    state: '已公示',
    inspection: inspection('2024-07-15', '未发现问题'),
    publication: { dueDate: '2024-08-12', publishedOn: '2024-08-01', result: '未发现问题' },
  },
  // 无法正常检查 (无法联系), confirmed by the 组长 on 2024-09-02: done, not yet due
  closed: {
    state: '待公示',
    closure: { status: 'confirmed', code: '6', result: '通过登记的住所（经营场所）无法联系', note: '无法联系', evidence: [], fromState: '待检查', confirmedOn: '2024-09-02', returns: [] },
    publication: { dueDate: '2024-09-30' },
  },
};

interface Expected {
  total: number;
  checked: number;
  published: number;
  pubOverdue: number;
  rectOverdue: number;
  notStarted: number;
  names: string[];
  overdueNames: string[];
}

const expected = new Map<string, Expected>();
let voidedName = '';

async function command(openId: string, text: string) {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 60_000);
}

function actorOf(s: SeededRegistries['cityLiaison']): Actor {
  return { openId: s.openId, roles: s.roles, county: s.county };
}

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'progress', now: () => NOW });
  reg = await seedRegistries(conn(), { enterprises: 120 });
  const actor = actorOf(reg.cityLiaison);
  const preview = await previewDraw(conn(), NOW, { actor, actorName: reg.cityLiaison.name, entropy: '2024031503' });
  if (!preview.ok) throw new Error(preview.reason);
  const confirmed = await confirmDraw(conn(), h.service.outbox, NOW, { actor, drawId: preview.draw._id });
  if (!confirmed.ok) throw new Error(confirmed.reason);
  await confirmed.dispatch; // tasks are written by the dispatch

  const tasks = await taskModel(conn()).find().sort({ no: 1 }).lean();
  expect(tasks.length).toBeGreaterThan(20);
  const raw = taskModel(conn()).collection;
  for (const [i, t] of tasks.entries()) {
    const county = t.enterprise.county;
    if (i === tasks.length - 1) {
      // a voided task counts nowhere
      await raw.updateOne({ _id: t._id as Types.ObjectId }, { $set: { state: '已作废' } });
      voidedName = t.enterprise.name;
      continue;
    }
    const kind = KINDS[i % KINDS.length]!;
    await raw.updateOne({ _id: t._id as Types.ObjectId }, { $set: SET[kind] });
    const e = expected.get(county) ?? { total: 0, checked: 0, published: 0, pubOverdue: 0, rectOverdue: 0, notStarted: 0, names: [], overdueNames: [] };
    e.total += 1;
    e.names.push(t.enterprise.name);
    if (['pubOverdue', 'pubPending', 'rectOverdue', 'rectConfirmed', 'published', 'closed'].includes(kind)) e.checked += 1;
    const result = RESULT_OF[kind];
    if (result) results.set(result, (results.get(result) ?? 0) + 1);
    if (kind === 'published') e.published += 1;
    if (kind === 'pubOverdue') {
      e.pubOverdue += 1;
      e.overdueNames.push(t.enterprise.name);
    }
    if (kind === 'rectOverdue') e.rectOverdue += 1;
    if (kind === 'received' || kind === 'toInspect') e.notStarted += 1;
    expected.set(county, e);
  }
});

afterAll(async () => {
  await h.close();
});

function tableRows(card: unknown): Record<string, string>[] {
  const found: Record<string, string>[][] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (typeof n !== 'object' || n === null) return;
    const o = n as Record<string, unknown>;
    if (o.tag === 'table') found.push(o.rows as Record<string, string>[]);
    Object.values(o).forEach(visit);
  };
  visit(card);
  return found.flat();
}

const sum = (k: keyof Omit<Expected, 'names' | 'overdueNames'>) => [...expected.values()].reduce((n, e) => n + e[k], 0);

describe('/进度', () => {
  it('shows a county liaison their county only, with its overdue enterprises named', async () => {
    const county = [...expected.entries()]
      .filter(([c, e]) => reg.countyLiaison(c) && e.pubOverdue > 0)
      .sort((a, b) => b[1].total - a[1].total)[0]![0];
    const e = expected.get(county)!;
    const reply = await command(reg.countyLiaison(county)!.openId, '/进度');
    const text = cardText(reply.content);
    expect(text).toContain(`检查进度 · ${county}`);
    expect(text).toContain(`抽查企业 **${e.total}** 家：已完成 **${e.checked}**`);
    expect(text).toMatch(new RegExp(`逾期未公示 (<font color='red'>)?\\*\\*${e.pubOverdue}\\*\\*`));
    expect(text).toContain(`尚未开始检查 **${e.notStarted}** 家`);
    for (const name of e.overdueNames.slice(0, 5)) expect(text).toContain(name.replace(/[()（）]/g, (c) => (c === '(' || c === ')' ? `\\${c}` : c)));
    // no other county named: looked for in the text without the county's own name, which may hold another's
    // (新绛县 holds 绛县)
    const withoutOwn = text.split(county).join('');
    for (const other of YUNCHENG_COUNTIES.filter((c) => c !== county)) expect(withoutOwn).not.toContain(other);
    expect(tableRows(reply.content)).toHaveLength(0);
    expect(findButtons(reply.content).map((b) => b.text)).toEqual(['下载附件5汇总表']);
  });

  it('shows a leader every county and 合计, the voided task nowhere', async () => {
    const leader = reg.data.staff.find((s) => s.roles.includes('领导'))!;
    const reply = await command(leader.openId, '/进度');
    const text = cardText(reply.content);
    expect(text).toContain('检查进度 · 全市');
    expect(text).toContain(`抽查企业 **${sum('total')}** 家：已完成 **${sum('checked')}**`);
    expect(text).not.toContain(voidedName);
    const rows = tableRows(reply.content);
    expect(rows.map((r) => r.county)).toEqual([...YUNCHENG_COUNTIES, '合计']);
    for (const r of rows.slice(0, -1)) {
      const e = expected.get(r.county) ?? { total: 0, checked: 0, published: 0, pubOverdue: 0, rectOverdue: 0 };
      expect(r).toEqual({
        county: r.county,
        total: String(e.total),
        checked: String(e.checked),
        published: String(e.published),
        pubOverdue: String(e.pubOverdue),
        rectOverdue: String(e.rectOverdue),
      });
    }
    expect(rows.at(-1)).toMatchObject({ total: String(sum('total')), pubOverdue: String(sum('pubOverdue')), rectOverdue: String(sum('rectOverdue')) });
  });

  it('lets city staff narrow to one county, and refuses a county liaison another county', async () => {
    const county = [...expected.keys()][0]!;
    const narrowed = await command(reg.cityLiaison.openId, `/进度 县区=${county}`);
    expect(cardText(narrowed.content)).toContain(`抽查企业 **${expected.get(county)!.total}** 家`);
    const liaisonCounty = [...expected.keys()].find((c) => reg.countyLiaison(c))!;
    const other = YUNCHENG_COUNTIES.find((c) => c !== liaisonCounty)!;
    const refused = await command(reg.countyLiaison(liaisonCounty)!.openId, `/进度 县区=${other}`);
    expect(cardText(refused.content)).toContain(`只能查看${liaisonCounty}`);
    const bad = await command(reg.cityLiaison.openId, '/进度 范围=全部');
    expect(cardText(bad.content)).toContain('范围=全部');
  });

  it('refuses a county officer with the reason and points to /我的任务; refuses strangers', async () => {
    const officer = reg.data.staff.find((s) => s.county !== '市局' && !s.roles.includes('联络员') && !s.roles.includes('领导'))!;
    const reply = await command(officer.openId, '/进度');
    const text = cardText(reply.content);
    expect(text).toContain('没有权限');
    expect(text).toContain('/我的任务');
    const stranger = await command('ou_nobody00000000000000000000000', '/progress');
    expect(cardText(stranger.content)).toContain('仅限');
  });
});

describe('asked in a group', () => {
  it('/我的任务 and /进度 answer in the requester’s own chat; the group is only told where the answer went', async () => {
    const chatId = 'oc_group_progress_0000000000000001';
    const task = (await taskModel(conn()).findOne({ state: '待检查' }).lean())!;
    const member = task.team[0]!;
    const liaison = reg.countyLiaison(task.enterprise.county) ?? reg.cityLiaison;
    for (const [openId, text, own] of [
      [member.openId, '/我的任务', '我的检查任务'],
      [liaison.openId, '/进度', '检查进度'],
    ] as const) {
      const before = h.emulator.messagesTo(openId).length;
      const sent = await h.feishu.sendText(openId, text, { chatType: 'group', chatId });
      expect(sent.status).toBe(200);
      const pointer = await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
      expect(pointer.receive_id).toBe(chatId);
      expect(cardText(pointer.content)).toContain(`${text} 的结果含有尚未检查的企业或尚未公示的检查结果，不在群里显示，已发到您与我的单聊中。`);
      expect(cardText(pointer.content)).not.toContain(task.enterprise.name);
      const answer = await h.emulator.waitFor((m) => m.receive_id === openId && m.root === undefined && cardText(m.content).includes(own), 30_000);
      expect(h.emulator.messagesTo(openId).length).toBeGreaterThan(before);
      if (text === '/我的任务') expect(cardText(answer.content)).toContain(task.enterprise.name);
    }
    // nothing but the two pointers went to the group
    await h.outboxIdle();
    expect(h.emulator.messages().filter((m) => m.receive_id === chatId)).toHaveLength(2);
  });
});

describe('a rectification deadline on a rest day', () => {
  it('is listed as the working day it ends on, and counted from there, as the reminders read it', async () => {
    // Saturday 2024-09-07 is a rest day: the period ends on Monday 09-09, and Tuesday 09-10 is the first day overdue
    const t = (await taskModel(conn()).findOne({ state: '待整改' }).lean())!;
    await taskModel(conn()).collection.updateOne({ _id: t._id as Types.ObjectId }, { $set: { 'inspection.rectification.deadline': '2024-09-07' } });
    const reply = await command(reg.cityLiaison.openId, `/进度 县区=${t.enterprise.county}`);
    const text = cardText(reply.content);
    expect(text).toContain(`${t.enterprise.name}（${t.enterprise.county}）：整改期限 2024-09-09（附件1 所写 2024-09-07 是休息日，顺延），已逾期 1个工作日`);
    await taskModel(conn()).collection.updateOne({ _id: t._id as Types.ObjectId }, { $set: { 'inspection.rectification.deadline': '2024-09-05' } });
  });
});

describe('the digest job', () => {
  it('sends each leader and city liaison one card a day, however often it runs', async () => {
    const recipients = reg.data.staff.filter((s) => s.roles.includes('领导') || (s.roles.includes('联络员') && s.county === '市局'));
    expect(recipients.length).toBeGreaterThanOrEqual(2);
    const digestsTo = (openId: string) => h.emulator.messagesTo(openId).filter((m) => m.root === undefined && cardText(m.content).includes('检查进度日报'));

    expect(await h.service.scheduler.runNow('digest')).toBe(true);
    for (const r of recipients) await h.emulator.waitFor((m) => m.receive_id === r.openId && cardText(m.content).includes('检查进度日报 · 2024-09-10'), 20_000);
    expect(await h.service.scheduler.runNow('digest')).toBe(true);
    // the second run has queued whatever it queues (runNow resolves after the job): wait until all of it is sent
    await h.outboxIdle();
    const outbox = await outboxModel(conn()).countDocuments({ key: /^digest:/ });
    expect(outbox).toBe(recipients.length);
    for (const r of recipients) expect(digestsTo(r.openId)).toHaveLength(1);
    const county = reg.data.staff.find((s) => s.roles.includes('联络员') && s.county !== '市局')!;
    expect(digestsTo(county.openId)).toHaveLength(0);

    const card = digestsTo(recipients[0]!.openId)[0]!.content;
    expect(tableRows(card).map((r) => r.county)).toEqual([...YUNCHENG_COUNTIES, '合计']);
    expect(cardText(card)).toContain(`逾期未公示 <font color='red'>**${sum('pubOverdue')}**</font> 家`);
    // the results by the platform's dictionary, in dictionary order, each count from the plan above
    const order = ['未发现问题', '经责令已改正', '待后续处理', '无法联系'];
    expect(order.every((r) => (results.get(r) ?? 0) > 0)).toBe(true);
    expect(cardText(card)).toContain(`检查结果：${order.map((r) => `${r} ${results.get(r)}`).join(' · ')}\n`);
    expect(cardText(card)).toContain(`无法正常检查 ${results.get('无法联系')} 家，其中需列入经营异常名录或信用跟进 <font color='red'>**${results.get('无法联系')}**</font> 家`);
  });

  it('the digest card’s button sends the clicker the 附件5 file', async () => {
    const leader = reg.data.staff.find((s) => s.roles.includes('领导'))!;
    const digest = h.emulator.messagesTo(leader.openId).find((m) => cardText(m.content).includes('检查进度日报'))!;
    const click = await h.feishu.clickButton(leader.openId, digest.current, '下载附件5汇总表');
    expect(click.clientError).toBeUndefined();
    expect(click.toast?.type).toBe('success');
    const file = await h.emulator.waitFor((m) => m.receive_id === leader.openId && m.msg_type === 'file', 20_000);
    const stored = h.emulator.files().find((f) => f.file_key === (file.content as { file_key: string }).file_key)!;
    expect(stored.file_name).toBe('附件5-2024年市级“双随机、一公开”监督检查情况汇总表-20240910.xlsx');
  });
});
