/**
 * spotcheck-draw/2 through the real stack (webhook → SDK → emulator): a pinned public source (no 确认 before its
 * time), a registry change after the commitment (the preview is voided, visibly), the redraw race closed, and one
 * unsendable item parked while every other team gets its card.
 */
import { Types } from 'mongoose';
import * as slices from '../../src/operations/draw/slices';
import { confirmDraw, resumeDispatch } from '../../src/operations/draw/confirmDraw';
import { previewDraw } from '../../src/operations/draw/previewDraw';
import { startInspection } from '../../src/operations/inspection/startInspection';
import type { InternalBundle } from '../../src/domain/draw2/model';
import { verifyV2 } from '../../src/domain/draw2/verify';
import type { Actor } from '../../src/policies';
import { cardText, findButtons } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator/types';
import { appendChain, drawModel, loadChain, type DrawDoc } from '../../src/store/draw';
import { chainProblems, logEntryProblems } from '../../src/domain/draw2/chain';
import { commitData } from '../../src/domain/draw2/session';
import { personRef } from '../../src/domain/draw2/inputs';
import { readGzJson } from '../../src/operations/draw/jsonSlices';
import { enterpriseModel } from '../../src/store/enterprise';
import { staffModel } from '../../src/store/staff';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { usccCheckChar } from '../../src/domain/uscc';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

// runSliced, replaced module-wide by a mock that runs the real one unless a case says otherwise (jest.config.js: the
// transform's exports cannot be spied on one by one).
jest.mock('../../src/operations/draw/slices', () => {
  const actual = jest.requireActual<typeof import('../../src/operations/draw/slices')>('../../src/operations/draw/slices');
  return { ...actual, runSliced: jest.fn(actual.runSliced) };
});

// Bounds, not speed targets (see dispatched()).
jest.setTimeout(300_000);

let h: Harness;
let reg: SeededRegistries;
let clock = new Date('2024-03-14T02:00:00.000Z'); // 10:00 Beijing, the day before the lottery

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'draw2', now: () => clock });
  // 36 firms draw 11–13 tasks (class D always, the others by ratio): every case below needs only some tasks, teams
  // in several counties and a 盐湖区 liaison. Each dispatch sends a card per team member and each redraw a void
  // card per member of the tasks it replaces, so the registry's size sets most of this file's cost.
  reg = await seedRegistries(h.service.db.connection, { enterprises: 36, seed: 11 });
});

afterAll(async () => {
  await h.close();
});

const conn = () => h.service.db.connection;

async function command(openId: string, text: string) {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
  return h.emulator.waitFor((m) => m.root === messageId);
}

/** The dispatch runs after the confirm answer: wait until it has written everything. */
async function dispatched(drawId: Types.ObjectId): Promise<DrawDoc> {
  // A bound against a hang, not a speed target: on two shared, busy cores one dispatch has taken over a minute.
  const deadline = Date.now() + 240_000;
  for (;;) {
    // Polled with a projection: the whole document carries the draw's compressed bundles.
    const d = await drawModel(conn()).findById(drawId, { dispatchedAt: 1 }).lean<DrawDoc>();
    if (d?.dispatchedAt) return (await drawModel(conn()).findById(drawId).lean<DrawDoc>())!;
    if (Date.now() > deadline) throw new Error('not dispatched');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until `count` messages match. Each message is judged when it is sent or changes, once: a predicate that
 * re-scanned every message on every change would be quadratic in the messages of the file.
 */
async function waitForCount(matches: (m: SentMessage) => boolean, count: number, timeoutMs: number): Promise<void> {
  const hits = new Set<string>();
  await h.emulator.waitFor((m) => {
    if (matches(m)) hits.add(m.message_id);
    else hits.delete(m.message_id);
    return hits.size >= count;
  }, timeoutMs);
}

async function publicPage(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${h.service.port}/public/results`);
  expect(res.status).toBe(200);
  return res.text();
}

function liaisonActor(): Actor {
  return { openId: reg.cityLiaison.openId, roles: reg.cityLiaison.roles, county: reg.cityLiaison.county };
}

describe('a pinned public source: commit first, confirm after the draw with its value', () => {
  const SOURCE = '来源=中国福利彩票3D第2024065期开奖号码(3位数字) 开奖时间=2024-03-15T21:15';

  it('refuses a 种子 typed with /抽取 when a source is pinned', async () => {
    const reply = await command(reg.cityLiaison.openId, `/抽取 ${SOURCE} 种子=123`);
    expect(cardText(reply.content)).toContain('开奖号码须在2024-03-15 21:15开奖之后填写');
    // the time as people write it, with a space instead of the T: read the same (bot/parse.ts)
    const spaced = await command(reg.cityLiaison.openId, `/抽取 ${SOURCE.replace('T21:15', ' 21:15')} 种子=123`);
    expect(cardText(spaced.content)).toContain('开奖号码须在2024-03-15 21:15开奖之后填写');
    expect(await drawModel(conn()).countDocuments()).toBe(0);
  });

  it('refuses 确认 before the source’s time, naming it; accepts the value after it', async () => {
    const preview = await command(reg.cityLiaison.openId, `/抽取 ${SOURCE}`);
    const text = cardText(preview.content);
    expect(text).toContain('中国福利彩票3D第2024065期开奖号码');
    expect(text).toContain('2024-03-15 21:15');
    expect(findButtons(preview.content).map((b) => b.text)).toEqual(['确认抽取', '取消']);
    // The commitment is public at once on the 一公开 page, with the source and its time, before any result exists.
    const pending = (await drawModel(conn()).findOne({ status: 'previewed' }).lean<DrawDoc>())!;
    const before = await publicPage();
    expect(before).toContain(pending.commitmentHash!);
    expect(before).toContain('中国福利彩票3D第2024065期开奖号码');
    expect(before).toContain('2024-03-15 21:15');
    expect(before).toContain('待确认（结果尚未产生）');
    expect(before).not.toContain(pending.botValue!);
    expect(before).not.toContain(pending.blind!);

    clock = new Date('2024-03-15T12:00:00.000Z'); // 20:00 Beijing: not drawn yet
    const early = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取', { formValues: { seed: '123' } });
    expect(early.toast?.type).toBe('error');
    expect(early.toast?.content).toContain('2024-03-15 21:15');
    expect(await drawModel(conn()).countDocuments({ status: 'confirmed' })).toBe(0);
    expect((await loadChain(conn(), reg.campaign._id)).map((e) => e.kind)).toEqual(['commit']);

    clock = new Date('2024-03-15T13:20:00.000Z'); // 21:20 Beijing
    const badFormat = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取', { formValues: { seed: '12' } });
    expect(badFormat.toast?.content).toContain('3位数字');
    const ok = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取', { formValues: { seed: ' 123 ' } });
    expect(ok.clientError).toBeUndefined();
    const draw = (await drawModel(conn()).findOne({ status: 'confirmed' }).sort({ attempt: -1 }).lean<DrawDoc>())!;
    expect(draw.entropy).toBe('123');
    await dispatched(draw._id);
    const file = await h.emulator.waitFor((m) => m.msg_type === 'file' && cardText(m.content).length >= 0 && h.emulator.files().some((f) => f.file_name.startsWith('抽取数据包-内部')));
    expect(file).toBeDefined();
    const bundle = JSON.parse(h.emulator.files().find((f) => f.file_name.startsWith('抽取数据包-内部'))!.data.toString('utf8')) as InternalBundle;
    expect(verifyV2(bundle).problems).toEqual([]);
    expect(bundle.source?.announcedAt).toBe('2024-03-15T21:15+08:00');
    expect(bundle.reveal.entropy).toBe('123');
    // The page now shows the confirmation and the result hash beside the commitment it announced.
    const after = await publicPage();
    expect(after).toContain(bundle.hashes.commitment);
    expect(after).toContain(bundle.hashes.result);
    expect(after).toContain('已确认 2024-03-15 21:20');
  });

  it('refuses a preview whose source has already been drawn', async () => {
    const reply = await command(reg.cityLiaison.openId, `/抽取 理由=核对 ${SOURCE}`);
    expect(cardText(reply.content)).toContain('开奖时间已过');
  });
});

describe('a change after the commitment voids it, visibly', () => {
  it('an enterprise changed between preview and 确认: the confirm says so, the card loses its button, the log shows the void', async () => {
    clock = new Date('2024-03-16T02:00:00.000Z');
    const preview = await command(reg.cityLiaison.openId, '/抽取 理由=两名执法人员调离');
    const e = reg.data.enterprises[0]!;
    await enterpriseModel(conn()).updateOne({ uscc: e.uscc }, { $set: { riskClass: e.riskClass === 'D' ? 'A' : 'D' } });
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
    expect(click.toast?.type).toBe('error');
    expect(click.toast?.content).toContain('检查对象名录库');
    expect(click.toast?.content).toContain('重新发送 /抽取');
    expect(cardText(click.card)).toContain('已作废');
    expect(findButtons(click.card)).toHaveLength(0);
    const chain = await loadChain(conn(), reg.campaign._id);
    expect(chain.at(-1)!.kind).toBe('void');
    expect(chain.at(-1)!.data.reason).toBe('registry-changed');
    expect(await drawModel(conn()).countDocuments({ status: 'confirmed' })).toBe(1);
  });

  it('a staff change (a new 回避 entry) voids it too; a new /抽取 then completes the redraw as attempt 2', async () => {
    const preview = await command(reg.cityLiaison.openId, '/抽取 理由=两名执法人员调离');
    const officer = reg.data.staff.find((s) => s.roles.includes('执法人员') && s.county !== '市局')!;
    await staffModel(conn()).updateOne({ openId: officer.openId }, { $push: { avoid: reg.data.enterprises[1]!.uscc } });
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
    expect(click.toast?.content).toContain('人员名录');

    const again = await command(reg.cityLiaison.openId, '/抽取 理由=两名执法人员调离');
    expect(cardText(again.content)).toContain('第2次抽取');
    const ok = await h.feishu.clickButton(reg.cityLiaison.openId, again.current, '确认抽取', { formValues: { seed: '8848' } });
    expect(ok.toast?.type === 'error').toBe(false);
    const second = (await drawModel(conn()).findOne({ status: 'confirmed' }).sort({ attempt: -1 }).lean<DrawDoc>())!;
    expect(second.attempt).toBe(2);
    await dispatched(second._id);
    const kinds = (await loadChain(conn(), reg.campaign._id)).map((e) => e.kind);
    expect(kinds).toEqual(['commit', 'reveal', 'commit', 'void', 'commit', 'void', 'commit', 'reveal']);
  });
});

describe('one bad row does not stop the dispatch', () => {
  it('a firm with a 120 KB name is parked with its reason, the liaison is told, every other team gets its card; resume skips it', async () => {
    const first = `91140802MA${'7'.repeat(7)}`;
    const uscc = first + usccCheckChar(first);
    // 40,960 characters, 120 KB in UTF-8: four times Feishu's 30 KB card limit, so the assignment card cannot fit
    // however small the rest of it is, while the county list cuts the name to a cell of 40 characters (drawViews'
    // cell()). No rule on this path depends on the size beyond that (cards are measured, cells cut by characters; the
    // bundle files and the task document stay far below their limits either way). This was 10 MB: every database
    // round trip of the task and of the registry then coded 10 MB of BSON, ≈ 12 CPU-s for the same proof.
    const hugeName = `${'超'.repeat(40 * 1024)}有限公司`;
    // Imports refuse such a name; this one got into the database anyway. Class D: always drawn.
    await enterpriseModel(conn()).collection.insertOne({
      uscc, name: hugeName, licenceNo: '（晋）XK99-999-99999', product: '电线电缆', category: '工业产品', validFrom: '2022-01-01',
      validTo: '2027-01-01', county: '盐湖区', address: '地址', riskClass: 'D', createdAt: new Date(), updatedAt: new Date(),
    });
    const p = await previewDraw(conn(), clock, { actor: liaisonActor(), actorName: reg.cityLiaison.name, reason: '名录补充' });
    if (!p.ok) throw new Error(p.reason);
    const outcome = await confirmDraw(conn(), h.service.outbox, clock, { actor: liaisonActor(), drawId: p.draw._id });
    if (!outcome.ok) throw new Error(outcome.reason);
    await outcome.dispatch;
    const draw = await dispatched(p.draw._id);
    const bad = (await taskModel(conn()).findOne({ drawId: draw._id, 'enterprise.uscc': uscc }, { no: 1, team: 1 }).lean<TaskDoc>())!;
    expect(draw.parked?.map((x) => x.key)).toEqual([`assign:${bad.no}`]);
    expect(draw.parked![0]!.reason).toContain('30KB');
    const notice = await h.emulator.waitFor((m) => m.receive_id === reg.cityLiaison.openId && cardText(m.content).includes('未能派发'), 240_000);
    expect(cardText(notice.content)).toContain(`第${bad.no}号检查任务的派发卡片超过飞书卡片30KB的上限`);

    // Every other task: each member got its card.
    const others = await taskModel(conn()).find({ drawId: draw._id, no: { $ne: bad.no } }).lean<TaskDoc[]>();
    const expected = others.reduce((n, t) => n + t.team.length, 0);
    const otherIds = new Set(others.map((t) => String(t._id)));
    await waitForCount((m) => findButtons(m.content).some((b) => (b.value as { a?: string; task?: string })?.a === 'insp.start' && otherIds.has((b.value as { task?: string }).task ?? '')), expected, 240_000);
    expect(h.emulator.messages().some((m) => findButtons(m.content).some((b) => (b.value as { task?: string })?.task === String((bad as TaskDoc)._id)))).toBe(false);
    // The county list of the firm's county went out (the name cut to size).
    const yh = reg.countyLiaison('盐湖区')!;
    const list = await h.emulator.waitFor((m) => m.receive_id === yh.openId && cardText(m.content).includes(`第${draw.attempt}次抽取`) && cardText(m.content).includes('超超超'), 240_000);
    expect(Buffer.byteLength(JSON.stringify(list.content))).toBeLessThan(30 * 1024);

    // The resume job skips what is parked and does not fail on it.
    await drawModel(conn()).updateOne({ _id: draw._id }, { $unset: { dispatchedAt: 1 } });
    expect(await resumeDispatch(conn(), h.service.outbox, clock, h.log)).toBe(1);
    const after = (await drawModel(conn()).findById(draw._id).lean<DrawDoc>())!;
    expect(after.dispatchedAt).toBeInstanceOf(Date);
    expect(after.parked).toHaveLength(1);
    await enterpriseModel(conn()).deleteOne({ uscc });
  }, 300_000);
});

describe('the redraw race: a start between the preview and the confirmation', () => {
  async function setup(tag: string): Promise<{ preview: DrawDoc; task: TaskDoc; member: string; current: DrawDoc }> {
    const current = (await drawModel(conn()).findOne({ status: 'confirmed' }).sort({ attempt: -1 }).lean<DrawDoc>())!;
    const p = await previewDraw(conn(), clock, { actor: liaisonActor(), actorName: reg.cityLiaison.name, reason: `竞态${tag}` });
    if (!p.ok) throw new Error(p.reason);
    const task = (await taskModel(conn()).findOne({ drawId: current._id, state: { $in: ['待接收', '待检查'] } }).sort({ no: 1 }).lean<TaskDoc>())!;
    return { preview: p.draw, task, member: task.team[0]!.openId, current };
  }
  const deps = () => ({ conn: conn(), outbox: h.service.outbox, log: h.log, now: () => clock });

  it('a start landing after the confirm’s checks but before its fence wins: the redraw is withdrawn, nothing is voided', async () => {
    const { preview, task, member, current } = await setup('a');
    let started: Awaited<ReturnType<typeof startInspection>> | undefined;
    const real = jest.requireActual<typeof slices>('../../src/operations/draw/slices').runSliced;
    let calls = 0;
    const spy = jest.mocked(slices.runSliced).mockImplementation(async (steps, ms) => {
      const out = await real(steps, ms);
      // Call 1 reads the registries, call 2 computes the draw: the checks are done, the claim and the fence come next.
      // The team member presses 开始检查 now.
      if (++calls === 2) started = await startInspection(deps(), { taskId: String(task._id), openId: member });
      return out;
    });
    try {
      const outcome = await confirmDraw(conn(), h.service.outbox, clock, { actor: liaisonActor(), drawId: preview._id });
      expect(started?.ok).toBe(true);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.reason).toContain('已有1项开始检查');
    } finally {
      spy.mockImplementation(real);
    }
    expect((await taskModel(conn()).findById(task._id).lean())!.state).toBe('检查中');
    expect(await taskModel(conn()).countDocuments({ drawId: current._id, state: '已作废' })).toBe(0);
    expect((await drawModel(conn()).findById(current._id).lean())!.status).toBe('confirmed');
    expect((await drawModel(conn()).findById(preview._id).lean())!.status).toBe('abandoned');
    const last = (await loadChain(conn(), reg.campaign._id)).at(-1)!;
    expect([last.kind, last.data.reason]).toEqual(['void', 'redraw-race']);
    // Reset the started task for the next case (as if it had never been started).
    await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: '待检查' }, $unset: { inspection: 1 }, $inc: { version: 1 } });
  }, 300_000);

  it('a start after the fence is refused as void; the redraw completes', async () => {
    const { preview, task, member } = await setup('b');
    const outcome = await confirmDraw(conn(), h.service.outbox, clock, { actor: liaisonActor(), drawId: preview._id });
    expect(outcome.ok).toBe(true);
    const start = await startInspection(deps(), { taskId: String(task._id), openId: member });
    expect(start.ok).toBe(false);
    if (!start.ok) expect(start.refusal.code).toBe('void');
    if (outcome.ok) await outcome.dispatch;
    expect((await taskModel(conn()).findById(task._id).lean())!.state).toBe('已作废');
  }, 300_000);

  it('interleaved at many points, a task is never 检查中 under a superseded draw', async () => {
    for (const delay of [0, 1, 3, 8, 20, 50]) {
      const { preview, task, member, current } = await setup(`c${delay}`);
      const [outcome, start] = await Promise.all([
        confirmDraw(conn(), h.service.outbox, clock, { actor: liaisonActor(), drawId: preview._id }),
        new Promise((r) => setTimeout(r, delay)).then(() => startInspection(deps(), { taskId: String(task._id), openId: member })),
      ]);
      if (outcome.ok) await outcome.dispatch;
      const t = (await taskModel(conn()).findById(task._id).lean())!;
      const old = (await drawModel(conn()).findById(current._id).lean())!;
      if (outcome.ok) {
        expect(start.ok).toBe(false);
        expect(t.state).toBe('已作废');
        expect(old.status).toBe('superseded');
      } else {
        expect(start.ok).toBe(true);
        expect(t.state).toBe('检查中');
        expect(old.status).toBe('confirmed');
        // refused by the check before the claim (the preview stays, unconfirmable while a task runs) or withdrawn by the fence
        expect(['previewed', 'abandoned']).toContain((await drawModel(conn()).findById(preview._id).lean())!.status);
        expect(await taskModel(conn()).countDocuments({ drawId: current._id, state: '已作废' })).toBe(0);
        await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: '待检查' }, $unset: { inspection: 1 }, $inc: { version: 1 } });
      }
      const underSuperseded = await taskModel(conn()).countDocuments({
        drawId: { $in: (await drawModel(conn()).find({ status: 'superseded' }, { _id: 1 }).lean()).map((d) => d._id) },
        state: '检查中',
      });
      expect(underSuperseded).toBe(0);
    }
  }, 300_000);
});

describe('two previews of one attempt confirmed at once (two /抽取 that raced)', () => {
  it('one confirm wins; the other preview is voided in the chain (not left dangling), and the chain stays valid', async () => {
    const confirmed = await drawModel(conn()).countDocuments({ campaignId: reg.campaign._id, status: 'confirmed' });
    const p = await previewDraw(conn(), clock, { actor: liaisonActor(), actorName: reg.cityLiaison.name, ...(confirmed > 0 ? { reason: '并发确认' } : {}) });
    if (!p.ok) throw new Error(p.reason);
    const a = p.draw;
    // The twin a concurrent /抽取 would have made (it ran before either had abandoned the other): the same attempt, its
    // own draw and commit entry.
    const twin = await drawModel(conn()).create({
      campaignId: a.campaignId,
      attempt: a.attempt,
      status: 'previewed',
      requestedBy: a.requestedBy,
      requestedByName: a.requestedByName,
      algorithm: a.algorithm,
      reason: a.reason,
      populationHash: a.populationHash,
      staffHash: a.staffHash,
      exclusionsHash: a.exclusionsHash,
      parametersHash: a.parametersHash,
      commitment: a.commitment,
      parameters: a.parameters,
      source: a.source,
      botValue: a.botValue,
      blind: a.blind,
    });
    const data = commitData(String(twin._id), a.commitment!, a.parameters!, reg.cityLiaison.openId, a.reason ?? null);
    const entry = await appendChain(conn(), a.campaignId, 'commit', { ...data }, clock, `commit:${String(twin._id)}`);
    await drawModel(conn()).updateOne({ _id: twin._id }, { $set: { commitSeq: entry.seq, commitmentHash: data.commitmentHash } });

    const outcomes = await Promise.all(
      [a._id, twin._id].map((drawId) => confirmDraw(conn(), h.service.outbox, clock, { actor: liaisonActor(), drawId })),
    );
    const won = outcomes.filter((o) => o.ok);
    const lost = outcomes.filter((o) => !o.ok);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const loser = outcomes[0]!.ok ? twin._id : a._id;
    const refusal = lost[0]!;
    if (!refusal.ok) {
      expect(refusal.title).toBe('已有抽取被确认');
      expect(refusal.reason).toContain('已作废');
      expect(refusal.voidedAttempt).toBe(a.attempt); // the card loses its confirm button
    }
    if (won[0]!.ok) await won[0]!.dispatch;
    expect((await drawModel(conn()).findById(loser).lean())!.status).toBe('abandoned');
    const chain = await loadChain(conn(), a.campaignId);
    const voids = chain.filter((e) => e.kind === 'void' && e.data.drawId === String(loser));
    expect(voids).toHaveLength(1);
    expect(voids[0]!.data).toMatchObject({ attempt: a.attempt, reason: 'replaced' });
    expect(chainProblems(chain, String(a.campaignId))).toEqual([]);
    expect(logEntryProblems(chain)).toEqual([]);
    // The winner's bundle verifies (its log ends at its reveal).
    const winner = (await drawModel(conn()).findOne({ _id: { $in: [a._id, twin._id] }, status: 'confirmed' }).lean<DrawDoc>())!;
    const bundle = await readGzJson<InternalBundle>(winner.bundleGz);
    expect(verifyV2(bundle).problems).toEqual([]);
  }, 300_000);
});

describe('the people of a bundle', () => {
  it('a liaison no longer in the staff registry is still in the internal bundle’s people (from the draws), so people.refs holds', async () => {
    const confirmed = await drawModel(conn()).countDocuments({ campaignId: reg.campaign._id, status: 'confirmed' });
    const p = await previewDraw(conn(), clock, { actor: liaisonActor(), actorName: reg.cityLiaison.name, ...(confirmed > 0 ? { reason: '人员名录调整' } : {}) });
    if (!p.ok) throw new Error(p.reason);
    // The liaison holds no draw role, so leaving the registry changes no committed hash.
    await staffModel(conn()).deleteOne({ openId: reg.cityLiaison.openId });
    const outcome = await confirmDraw(conn(), h.service.outbox, clock, { actor: liaisonActor(), drawId: p.draw._id });
    expect(outcome.ok).toBe(true);
    if (outcome.ok) await outcome.dispatch;
    const draw = (await drawModel(conn()).findById(p.draw._id).lean<DrawDoc>())!;
    const bundle = await readGzJson<InternalBundle>(draw.bundleGz);
    const ref = personRef(reg.cityLiaison.openId);
    expect(bundle.people[ref]).toEqual({ openId: reg.cityLiaison.openId, name: reg.cityLiaison.name });
    expect(verifyV2(bundle).problems).toEqual([]);
  }, 300_000);
});
