import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chainProblems } from '../../src/domain/draw2/chain';
import { buildParameters } from '../../src/domain/draw2/inputs';
import type { InternalBundle, PublicBundle } from '../../src/domain/draw2/model';
import { prepareSteps } from '../../src/domain/draw2/session';
import { runSync } from '../../src/domain/draw2/steps';
import { verifyV2 } from '../../src/domain/draw2/verify';
import { runCli } from '../../src/cli';
import { createLogger } from '../../src/logger';
import { resumeDispatch } from '../../src/operations/draw/confirmDraw';
import { dispatchDraw, dispatchRunning } from '../../src/operations/draw/dispatch';
import { campaignModel } from '../../src/store/campaign';
import { drawChainModel, drawModel, loadChain } from '../../src/store/draw';
import { taskModel } from '../../src/store/task';
import { cardText, findButtons } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

let h: Harness;
let reg: SeededRegistries;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'draw' });
  // 60 firms (a quarter or more drawn, class D always) give teams in most counties: enough for every team rule
  // below. Each task costs a card per member and, after the redraw, a void card per member.
  reg = await seedRegistries(h.service.db.connection, { enterprises: 60 });
});

/** directories of bundle files written below */
const dirs: string[] = [];

afterAll(async () => {
  await h.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function command(openId: string, text: string) {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
  return h.emulator.waitFor((m) => m.root === messageId);
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: {} });
  return { code, out, err };
}

function tasks() {
  return taskModel(h.service.db.connection);
}

/**
 * The card a click leaves: the callback's own card, or, when the work outlived the 3-second answer (a loaded
 * machine), the card the bot patches in afterwards.
 */
async function cardAfter(click: Awaited<ReturnType<Harness['feishu']['clickButton']>>, expected: string): Promise<unknown> {
  if (click.card) return click.card;
  expect(click.toast?.content).toContain('正在处理');
  const patched = await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes(expected), 120_000);
  return patched.current;
}

/** The dispatch runs after the confirm answer: wait until it has written everything. */
async function dispatched(attempt: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await drawModel(h.service.db.connection).findOne({ attempt, status: 'confirmed', dispatchedAt: { $exists: true } }))) {
    if (Date.now() > deadline) throw new Error(`draw ${attempt} not dispatched`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('/抽取', () => {
  it('refuses anyone who is not a liaison, saying why', async () => {
    const reply = await command(reg.officer.openId, '/抽取');
    expect(cardText(reply.content)).toContain('联络员');
    expect(await drawModel(h.service.db.connection).countDocuments()).toBe(0);
  });

  it('refuses a county liaison: the city bureau draws', async () => {
    const county = reg.data.staff.find((s) => s.roles.includes('联络员') && s.county !== '市局')!;
    const reply = await command(county.openId, '/抽取');
    expect(cardText(reply.content)).toContain('市局联络员');
  });

  it('answers a bad argument naming it and the accepted form', async () => {
    const reply = await command(reg.cityLiaison.openId, '/抽取 种子=有 空格? 多余');
    expect(cardText(reply.content)).toMatch(/参数|种子/);
  });

  it('previews, confirms once, dispatches to counties and inspectors, and the bundle verifies', async () => {
    const conn = h.service.db.connection;
    // typed with a Chinese input method in full-width mode: the 种子 is the 2024031503 everyone reads on the card
    const preview = await command(reg.cityLiaison.openId, '/抽取 种子=２０２４０３１５０３');
    const text = cardText(preview.content);
    const params = buildParameters({ ...reg.campaign });
    const previewed = (await drawModel(conn).findOne({ status: 'previewed' }).lean())!;
    // The registry hashes are keyed with the draw's secret blind (docs/draw-spec.md §3.1).
    const prepared = runSync(prepareSteps(reg.data.enterprises, reg.data.staff, params, previewed.blind!));
    const eligible = prepared.population;
    expect(text).toContain(prepared.populationHash);
    expect(text).toContain(prepared.staffHash);
    expect(text).toContain('2024031503');
    expect(findButtons(preview.content).map((b) => b.text)).toEqual(['确认抽取', '取消']);
    // The commitment is in the log before anything is drawn; the secret value is not.
    const chain = await loadChain(conn, reg.campaign._id);
    expect(chain.map((e) => e.kind)).toEqual(['commit']);
    const pending = (await drawModel(conn).findOne({ status: 'previewed' }).lean())!;
    expect(JSON.stringify(chain)).not.toContain(pending.botValue!);
    expect(text).not.toContain(pending.botValue!);
    expect(pending.blind).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(chain)).not.toContain(pending.blind!);
    expect(text).not.toContain(pending.blind!);
    // Nothing is dispatched before confirmation.
    expect(await tasks().countDocuments()).toBe(0);
    const before = h.emulator.messages().length;

    // the campaign's extra checklists were changed three times before (checklists/extrasRevision.ts)
    await campaignModel(conn).updateOne({ _id: reg.campaign._id }, { $set: { extrasRev: 3 } });
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
    expect(click.clientError).toBeUndefined();
    expect(cardText(await cardAfter(click, '抽取结果'))).toContain('抽取结果');
    await dispatched(1);
    const drawn = await tasks().find().lean();
    expect(drawn.length).toBeGreaterThanOrEqual(Math.ceil(eligible.length * 0.25));
    // every task is written at the campaign's revision of the lists (a start from a copy checks it)
    expect(new Set(drawn.map((t) => t.extrasRev))).toEqual(new Set([3]));

    // Every member gets an assignment card with 开始检查; every county with a liaison gets its list with 接收.
    const expectedAssignments = drawn.reduce((n, t) => n + t.team.length, 0);
    const counties = [...new Set(drawn.map((t) => t.enterprise.county))];
    const countyCards = counties.filter((c) => reg.countyLiaison(c)).length;
    await h.emulator.waitFor(() => h.emulator.messages().length - before >= expectedAssignments + countyCards + 2, 120_000);
    const first = drawn[0];
    const leader = first.team.find((m) => m.role === '组长')!;
    const card = h.emulator.messagesTo(leader.openId).find((m) => cardText(m.content).includes(first.enterprise.name))!;
    expect(cardText(card.content)).toContain(first.enterprise.licenceNo);
    expect(findButtons(card.content).map((b) => b.text)).toContain('开始检查');
    // naming the task's campaign: the one-write start (operations/inspection/startInspection.ts)
    expect(findButtons(card.content).find((b) => b.text === '开始检查')!.value).toEqual({ a: 'insp.start', task: String(first._id), c: String(reg.campaign._id) });
    for (const t of drawn) {
      const names = new Set(t.team.map((m) => m.openId));
      expect(names.size).toBe(t.team.length);
      expect(t.team.filter((m) => m.role === '组长')).toHaveLength(1);
      expect(t.team.filter((m) => m.role !== '专家').length).toBeGreaterThanOrEqual(2);
      // 由市、县两级执法监管人员组成: a city 组长 and at least one county officer, not of the firm's own county.
      expect(t.team.find((m) => m.role === '组长')!.county).toBe('市局');
      const countyOfficers = t.team.filter((m) => m.role === '执法人员' && m.county !== '市局');
      expect(countyOfficers.length).toBeGreaterThanOrEqual(1);
      for (const m of countyOfficers) expect(m.county).not.toBe(t.enterprise.county);
      expect(t.state).toBe('待接收');
    }

    // A second click on the preview as first shown (a double tap, a second device) draws nothing more.
    const again = await h.feishu.clickButton(reg.cityLiaison.openId, preview.content, '确认抽取', { messageId: preview.message_id });
    expect(again.toast?.content).toContain('不会重复');
    expect(await tasks().countDocuments()).toBe(drawn.length);
    expect(await drawModel(conn).countDocuments({ status: 'confirmed' })).toBe(1);

    // Two files: the internal bundle and the public one; both verify, and the internal one fails with a firm swapped.
    await h.emulator.waitFor(() => h.emulator.files().filter((f) => f.file_name.startsWith('抽取数据包')).length >= 2);
    const internalFile = h.emulator.files().find((f) => f.file_name.startsWith('抽取数据包-内部'))!;
    const publicFile = h.emulator.files().find((f) => f.file_name.startsWith('抽取数据包-可公开'))!;
    const bundle = JSON.parse(internalFile.data.toString('utf8')) as InternalBundle;
    const pub = JSON.parse(publicFile.data.toString('utf8')) as PublicBundle;
    expect(verifyV2(bundle).problems).toEqual([]);
    expect(verifyV2(pub).problems).toEqual([]);
    expect(bundle.kind).toBe('internal');
    expect(pub.kind).toBe('public');
    // What may be published carries no credit-risk class and no open id.
    // (only the per-stratum numbers, which the counts rule needs; firms are numbered by county and code)
    for (const f of pub.firms) expect(Object.keys(f).sort()).toEqual(['county', 'licenceNo', 'name', 'no', 'uscc']);
    expect(JSON.stringify(pub.log)).not.toMatch(/"riskClass"/);
    expect(JSON.stringify(pub)).not.toContain(reg.cityLiaison.openId);
    for (const t of drawn) for (const m of t.team) expect(JSON.stringify(pub)).not.toContain(m.openId);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    dirs.push(dir);
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(bundle));
    const ok = await cli(['draw', 'verify', good]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('核验通过（内部数据包）');
    const goodPublic = path.join(dir, 'public.json');
    writeFileSync(goodPublic, JSON.stringify(pub));
    const okPublic = await cli(['draw', 'verify', goodPublic]);
    expect(okPublic.code).toBe(0);
    expect(okPublic.out).toContain('可公开数据包无法核对的内容');
    const chosen = new Set(bundle.result.selection.map((s) => s.uscc));
    const outsider = bundle.population.find((e) => !chosen.has(e.uscc))!;
    const swapped = JSON.parse(JSON.stringify(bundle)) as InternalBundle;
    swapped.result.selection[0]!.uscc = outsider.uscc;
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(swapped));
    const fail = await cli(['draw', 'verify', bad]);
    expect(fail.code).not.toBe(0);
    expect(fail.err).toContain('核验不通过：规则');

    // The log is a valid hash chain with the commitment and the reveal.
    const log = await loadChain(conn, reg.campaign._id);
    expect(log.map((e) => e.kind)).toEqual(['commit', 'reveal']);
    expect(chainProblems(log, String(reg.campaign._id))).toEqual([]);
    expect(log[1]!.data.botValue).toBe(bundle.reveal.botValue);
    expect(log[1]!.data.entropy).toBe('2024031503');
  });

  it('lets a county liaison receive their county’s tasks, and nobody else', async () => {
    const drawn = await tasks().find().lean();
    const county = drawn.map((t) => t.enterprise.county).find((c) => reg.countyLiaison(c))!;
    const liaison = reg.countyLiaison(county)!;
    const list = h.emulator.messagesTo(liaison.openId).find((m) => cardText(m.content).includes('检查任务'))!;
    const other = reg.data.staff.find((s) => s.roles.includes('联络员') && s.county !== county && s.county !== '市局')!;
    const refused = await h.feishu.clickButton(other.openId, list.current, '接收');
    expect(refused.toast?.type).toBe('error');
    expect(await tasks().countDocuments({ 'enterprise.county': county, state: '待检查' })).toBe(0);

    const click = await h.feishu.clickButton(liaison.openId, list.current, '接收');
    expect(click.clientError).toBeUndefined();
    expect(cardText(click.card)).toContain('已由');
    expect(findButtons(click.card)).toHaveLength(0);
    const mine = await tasks().find({ 'enterprise.county': county }).lean();
    expect(mine.every((t) => t.state === '待检查' && t.received?.openId === liaison.openId)).toBe(true);
  });

  it('needs a stated reason to draw again, and then voids the old tasks', async () => {
    const refused = await command(reg.cityLiaison.openId, '/抽取');
    expect(cardText(refused.content)).toContain('理由');
    const old = await tasks().find({ state: { $ne: '已作废' } }).lean();

    const preview = await command(reg.cityLiaison.openId, '/抽取 理由=两名执法人员调离');
    expect(cardText(preview.content)).toContain('第2次抽取');
    expect(cardText(preview.content)).toContain('两名执法人员调离');
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
    expect(cardText(await cardAfter(click, '抽取结果'))).toContain('第2次抽取');
    await dispatched(2);
    expect(await tasks().countDocuments({ _id: { $in: old.map((t) => t._id) }, state: '已作废' })).toBe(old.length);
    const member = old[0].team[0].openId;
    await h.emulator.waitFor((m) => m.receive_id === member && cardText(m.content).includes('任务已作废'));
    // the member's assignment card of the first draw is shown as void in place: no live 开始检查 on it
    const assignment = h.emulator
      .messagesTo(member)
      .find((m) => findButtons(m.content).some((b) => b.text === '开始检查' && (b.value as { task?: string }).task === String(old[0]._id)))!;
    const voidInPlace = (await h.emulator.waitFor((m) => m.message_id === assignment.message_id && cardText(m.current).includes('任务已作废'))).current;
    expect(findButtons(voidInPlace)).toHaveLength(0);
    expect(cardText(voidInPlace)).toContain('两名执法人员调离');
    // every county liaison's list of the first draw now says it was replaced, without its 接收 button, and each
    // county with voided tasks was told how many
    const oldDrawId = String(old[0].drawId);
    const counties = [...new Set(old.map((t) => t.enterprise.county))].filter((c) => reg.countyLiaison(c));
    expect(counties.length).toBeGreaterThan(1);
    for (const county of counties) {
      const liaison = reg.countyLiaison(county)!;
      const voided = old.filter((t) => t.enterprise.county === county).length;
      // the list as first sent: its buttons name the first draw
      const firstList = h.emulator.messagesTo(liaison.openId).find((m) => JSON.stringify(m.content).includes(`"draw":"${oldDrawId}"`))!;
      const patched = (await h.emulator.waitFor((m) => m.message_id === firstList.message_id && cardText(m.current).includes('已作废'))).current;
      expect(findButtons(patched)).toHaveLength(0);
      expect(cardText(patched)).toContain(`**${voided}** 项尚未开始的任务已作废`);
      const notice = await h.emulator.waitFor((m) => m.receive_id === liaison.openId && m.message_id !== firstList.message_id && cardText(m.content).includes('第1次抽取的任务已作废'));
      expect(cardText(notice.content)).toContain('请以第2次抽取派发的检查任务清单为准');
    }
    const log = await loadChain(h.service.db.connection, reg.campaign._id);
    expect(log.map((e) => e.kind)).toEqual(['commit', 'reveal', 'commit', 'reveal']);
    expect(log[2]!.data.reason).toBe('两名执法人员调离');
    expect(log[2]!.data.attempt).toBe(2);
  });

  it('a redraw whose dispatch was interrupted by a crash is finished by the dispatch job, logging once', async () => {
    const conn = h.service.db.connection;
    const draws = drawModel(conn);
    const second = (await draws.findOne({ attempt: 2 }).lean())!;
    const first = (await draws.findOne({ attempt: 1 }).lean())!;
    const firstTask = (await tasks().findOne({ drawId: first._id }).lean())!;
    // The minutely dispatch job may have picked up the redraw while its confirmation was still dispatching it (it
    // resumes any confirmed draw not yet marked dispatched) and may still be finishing: a run that ends after the
    // writes below would mark the redraw dispatched again and hide the state this test sets up. Wait until the job
    // is free (runNow refuses while a run holds its lease); a run that starts later reads the state whole.
    for (const deadline = Date.now() + 120_000; !(await h.service.scheduler.runNow('dispatch')); ) {
      if (Date.now() > deadline) throw new Error('the dispatch job stayed busy');
      await new Promise((r) => setTimeout(r, 100));
    }
    // As if the process died right after the confirmation was written. The undispatched mark goes last: the minutely
    // dispatch job acts on it, and running between these writes it would find the old draw's state half put back.
    await draws.updateOne({ _id: first._id }, { $set: { status: 'confirmed' } });
    await tasks().updateOne({ _id: firstTask._id }, { $set: { state: '待接收' } });
    await draws.updateOne({ _id: second._id }, { $unset: { dispatchedAt: 1 } });
    const logBefore = await drawChainModel(conn).countDocuments();

    // The minutely schedule may hold the job's lease right now: run it as soon as it is free.
    const deadline = Date.now() + 120_000;
    while (!(await h.service.scheduler.runNow('dispatch'))) {
      if (Date.now() > deadline) throw new Error('the dispatch job never ran');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await draws.findById(second._id).lean())?.dispatchedAt).toBeInstanceOf(Date);
    expect((await draws.findById(first._id).lean())?.status).toBe('superseded');
    expect((await tasks().findById(firstTask._id).lean())?.state).toBe('已作废');
    expect(await drawChainModel(conn).countDocuments()).toBe(logBefore);
    expect(await draws.countDocuments({ status: 'confirmed' })).toBe(1);
  });

  it('a dispatch job run during a draw\'s running dispatch leaves the draw to it (one dispatch at a time per draw)', async () => {
    const conn = h.service.db.connection;
    const draws = drawModel(conn);
    const second = (await draws.findOne({ attempt: 2, status: 'confirmed' }).lean())!;
    await draws.updateOne({ _id: second._id }, { $unset: { dispatchedAt: 1 } });
    // An outbox that holds the dispatch at its first card until the test lets it go.
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = Object.create(h.service.outbox) as typeof h.service.outbox;
    held.sendCard = async (...args: Parameters<typeof h.service.outbox.sendCard>) => {
      reached();
      await gate;
      return h.service.outbox.sendCard(...args);
    };
    const first = dispatchDraw(conn, held, new Date(), second._id);
    expect(dispatchDraw(conn, held, new Date(), second._id)).toBe(first); // a second call joins the running one
    await atGate;
    expect(dispatchRunning(conn, second._id)).toBe(true);
    // what the minutely job does: the draw is confirmed and not yet dispatched, but its dispatch is running here
    expect(await resumeDispatch(conn, h.service.outbox, new Date(), createLogger('silent'))).toBe(0);
    expect((await draws.findById(second._id).lean())?.dispatchedAt).toBeUndefined();
    release();
    await first;
    expect((await draws.findById(second._id).lean())?.dispatchedAt).toBeInstanceOf(Date);
    expect(dispatchRunning(conn, second._id)).toBe(false);
  });

  it('a stale preview cannot be confirmed after a newer one', async () => {
    const first = await command(reg.cityLiaison.openId, '/抽取 理由=再次核对');
    const second = await command(reg.cityLiaison.openId, '/抽取 理由=再次核对');
    // the first card now says it was replaced, without its buttons …
    const replaced = await h.emulator.waitFor((m) => m.message_id === first.message_id && cardText(m.current).includes('已被之后的新预览取代'));
    expect(findButtons(replaced.current)).toHaveLength(0);
    // … and its button, clicked as a client that still shows it, is refused
    const stale = await h.feishu.clickButton(reg.cityLiaison.openId, first.content, '确认抽取', { messageId: first.message_id });
    expect(stale.toast?.type).toBe('error');
    const cancel = await h.feishu.clickButton(reg.cityLiaison.openId, second.current, '取消');
    expect(cardText(cancel.card)).toContain('已取消');
    expect(await drawModel(h.service.db.connection).countDocuments({ status: 'confirmed' })).toBe(1);
  });
});
