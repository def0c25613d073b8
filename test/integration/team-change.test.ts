/**
 * /换人 through the real webhook: the 市局联络员 replaces one member of a task's team (operations/teamChange.ts) — a
 * started inspection goes on with the new member, the replaced one's buttons stop working, a record waiting for
 * signatures waits for the new member's instead; a replacement that does not fit the slot, a completed record, or
 * anyone but the 市局联络员 is refused with the reason, and nothing changes.
 */
import { cardText, findButtons } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator';
import { staffModel } from '../../src/store/staff';
import { taskModel } from '../../src/store/task';
import { inspectionDriver, PEOPLE, readTask, registerStaff, type Person } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { campaignWithDraw, taskIn } from '../support/outcomes';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;
const conn = () => h.service.db.connection;
const { officer, leader, expert, liaison, cityLiaison } = PEOPLE;
/** a 执法人员 of another county than the firms' (永济市): fits an 执法人员 slot */
const xia: Person = { openId: 'ou_officer0000000000000000000000x', name: '周强', roles: ['执法人员'], unit: '夏县市场监督管理局', county: '夏县' };
/** of the firms' own county: refused while the campaign excludes it */
const own: Person = { openId: 'ou_officer0000000000000000000000o', name: '吴敏', roles: ['执法人员'], unit: '永济市市场监督管理局', county: '永济市' };
/** declared 回避 for the firm */
const avoiding: Person = { openId: 'ou_officer0000000000000000000000a', name: '郑伟', roles: ['执法人员'], unit: '芮城县市场监督管理局', county: '芮城县' };

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'team_change', now: () => new Date('2026-06-10T02:00:00Z') });
  await registerStaff(conn(), [...Object.values(PEOPLE), xia, own, avoiding]);
  d = inspectionDriver(h);
  ctx = await campaignWithDraw(conn(), { year: 2026, from: '2026-03-15', to: '2026-12-31' });
});

afterAll(async () => {
  await h.close();
});

async function command(openId: string, text: string): Promise<string> {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return cardText((await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000)).content);
}

const noticeTo = (openId: string, text: string): Promise<SentMessage> =>
  h.emulator.waitFor((m) => m.receive_id === openId && m.root === undefined && cardText(m.content).includes(text), 30_000);

it('replaces the 执法人员 of a started inspection: the new member goes on, the replaced one is told and can no longer answer', async () => {
  const task = await taskIn(conn(), ctx, { enterprise: { county: '永济市' } });
  await staffModel(conn()).updateOne({ openId: avoiding.openId }, { $set: { avoid: [task.enterprise.uscc] } });
  const item = (await d.open(officer.openId, task)).card!; // 检查中, at item 1
  const licence = task.enterprise.licenceNo;

  // refusals first: nothing changes
  expect(await command(liaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${xia.name} 理由=调离`)).toContain('检查组由市局联络员调整');
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${xia.name}`)).toContain('缺少 理由=');
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${own.name} 理由=李明调离`)).toContain(
    `本专项县区人员不检查本县区企业，${own.name} 属于永济市`,
  );
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${avoiding.name} 理由=李明调离`)).toContain(
    `${avoiding.name} 登记了对该企业回避`,
  );
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=${leader.name} 新=${xia.name} 理由=组长调离`)).toContain('组长须由市局的组长担任');
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${expert.name} 理由=李明调离`)).toContain(`${expert.name} 已在该检查组中`);
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${cityLiaison.name} 理由=李明调离`)).toContain(`${cityLiaison.name} 不是执法人员`);
  expect(await command(cityLiaison.openId, `/换人 任务=${licence} 原=路人乙 新=${xia.name} 理由=李明调离`)).toContain('该检查组中没有“路人乙”');
  expect((await readTask(conn(), task._id)).team.map((m) => m.openId)).toEqual(task.team.map((m) => m.openId));

  const done = await command(cityLiaison.openId, `/换人 任务=${licence} 原=${officer.name} 新=${xia.name} 理由=李明调往省局`);
  expect(done).toContain(`执法人员：${officer.name} → **${xia.name}**（理由：李明调往省局）`);
  const stored = await readTask(conn(), task._id);
  expect(stored.team.map((m) => m.name)).toEqual([leader.name, xia.name, expert.name]);
  expect(stored.team[1]).toMatchObject({ openId: xia.openId, role: '执法人员', unit: xia.unit, county: '夏县' });
  expect(stored.teamChanges).toEqual([
    expect.objectContaining({ role: '执法人员', from: { openId: officer.openId, name: officer.name }, to: { openId: xia.openId, name: xia.name }, reason: '李明调往省局', by: cityLiaison.openId }),
  ]);

  // who is told
  expect(cardText((await noticeTo(officer.openId, '您不再参加')).content)).toContain(`由 ${xia.name} 接替`);
  await noticeTo(xia.openId, `您接替 ${officer.name}`);
  const assignment = await h.emulator.waitFor((m) => m.receive_id === xia.openId && findButtons(m.content).some((b) => b.text === '开始检查'), 30_000);
  for (const other of [leader, expert, liaison]) expect(cardText((await noticeTo(other.openId, '的检查组已调整')).content)).toContain(`${officer.name} → ${xia.name}`);

  // the replaced officer's card answers nothing now; the new member takes the checklist where it is
  const late = await d.click(officer.openId, item, '符合');
  expect(late.toast?.type).not.toBe('success');
  expect((await readTask(conn(), task._id)).inspection!.answers).toHaveLength(0);
  const opened = await h.feishu.clickButton(xia.openId, assignment.current, '开始检查');
  expect(opened.clientError).toBeUndefined();
  const first = opened.card ?? (await d.open(xia.openId, task)).card!;
  const answered = await d.click(xia.openId, first, '符合');
  expect(answered.toast?.type).toBe('success');
  expect((await readTask(conn(), task._id)).inspection!.answers.map((a) => a.by)).toEqual([xia.openId]);
});

it('a record waiting for signatures: the replaced member’s signature goes, the new member gets the record to sign', async () => {
  const task = await taskIn(conn(), ctx, { enterprise: { county: '永济市', name: '永济市签字测试有限公司', licenceNo: '晋XK06-002-99001' } });
  const at = new Date('2026-06-09T02:00:00Z');
  await taskModel(conn()).updateOne(
    { _id: task._id },
    {
      $set: {
        state: '待签字',
        inspection: {
          startedAt: at, startedBy: officer.openId, startedBeforeReceipt: false, cursor: 10, answers: [], history: [], photos: [], round: 1, reopens: [],
          submittedAt: at, submittedBy: leader.openId, completionDate: '2026-06-09',
          signatures: [{ openId: leader.openId, name: leader.name, role: '组长', at }, { openId: officer.openId, name: officer.name, role: '执法人员', at }],
        },
      },
    },
  );
  await command(cityLiaison.openId, `/换人 任务=永济市签字测试 原=${officer.name} 新=${xia.name} 理由=李明长期病假`);
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待签字');
  expect(stored.inspection!.signatures.map((s) => s.openId)).toEqual([leader.openId]);
  const toSign = await h.emulator.waitFor((m) => m.receive_id === xia.openId && findButtons(m.content).some((b) => b.text === '确认签字'), 30_000);
  expect(cardText(toSign.content)).toContain('永济市签字测试有限公司');

  // a completed record: refused
  await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: '待公示' } });
  expect(await command(cityLiaison.openId, `/换人 任务=永济市签字测试 原=${xia.name} 新=${officer.name} 理由=再换回来`)).toContain('不能再调整检查组');
});

it('a signature in flight while its signer is replaced is refused, not kept beside the new team', async () => {
  const task = await taskIn(conn(), ctx, { state: '待签字', enterprise: { county: '永济市', name: '永济市签字竞争有限公司', licenceNo: '晋XK06-002-99002' } });
  const at = new Date('2026-06-09T02:00:00Z');
  await taskModel(conn()).updateOne({ _id: task._id }, {
    $set: {
      inspection: {
        startedAt: at, startedBy: officer.openId, startedBeforeReceipt: false, cursor: 10, answers: [], history: [], photos: [], round: 1, reopens: [],
        submittedAt: at, submittedBy: leader.openId, completionDate: '2026-06-09', representative: '孙经理',
        signatures: [{ openId: leader.openId, name: leader.name, role: '组长', at }],
      },
    },
  });
  const recordCard = (await d.open(officer.openId, task)).card!;
  // the officer's signature write is held until /换人 has replaced them
  const model = taskModel(conn());
  const orig = model.findOneAndUpdate.bind(model);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held!: () => void;
  const reached = new Promise<void>((r) => (held = r));
  const spy = jest.spyOn(model, 'findOneAndUpdate').mockImplementation(((filter: never, update: { $push?: Record<string, unknown> }, opts: never) => {
    if (update?.$push?.['inspection.signatures']) {
      held();
      return { lean: async () => { await gate; return orig(filter, update as never, opts).lean(); } } as never;
    }
    return orig(filter, update as never, opts);
  }) as never);
  try {
    const clicking = d.click(officer.openId, recordCard, '确认签字');
    await reached;
    expect(await command(cityLiaison.openId, `/换人 任务=永济市签字竞争 原=${officer.name} 新=${xia.name} 理由=李明病假`)).toContain('已调整检查组');
    release();
    const res = await clicking;
    expect(res.toast?.type).not.toBe('success');
  } finally {
    spy.mockRestore();
  }
  const stored = await readTask(conn(), task._id);
  expect(stored.inspection!.signatures.map((s) => s.openId)).toEqual([leader.openId]);
  // the record names who submitted it although they are not on the team any more… (the 组长 here; see below)
  expect(stored.team.map((m) => m.openId)).toEqual([leader.openId, xia.openId, expert.openId]);
});

it('keeps a slot’s level and the own-county rule in every slot; someone holding two slots keeps the other', async () => {
  const cityOfficer: Person = { openId: 'ou_officer0000000000000000000000c', name: '何城', roles: ['执法人员'], unit: '运城市市场监督管理局', county: '市局' };
  const ownExpert: Person = { openId: 'ou_expert00000000000000000000000o', name: '钱专', roles: ['专家'], unit: '永济市产品质量检验所', county: '永济市' };
  const twoSlots: Person = { openId: 'ou_leader00000000000000000000000t', name: '孙平', roles: ['组长', '执法人员'], unit: '运城市市场监督管理局', county: '市局' };
  const newLeader: Person = { openId: 'ou_leader00000000000000000000000n', name: '刘强', roles: ['组长'], unit: '运城市市场监督管理局', county: '市局' };
  await registerStaff(conn(), [cityOfficer, ownExpert, twoSlots, newLeader]);
  const task = await taskIn(conn(), ctx, { enterprise: { county: '永济市', name: '永济市层级测试有限公司', licenceNo: '晋XK06-002-99003' } });
  expect(await command(cityLiaison.openId, `/换人 任务=永济市层级测试 原=${officer.name} 新=${cityOfficer.name} 理由=李明调离`)).toContain('须由县区的执法人员接替');
  expect(await command(cityLiaison.openId, `/换人 任务=永济市层级测试 原=${expert.name} 新=${ownExpert.name} 理由=张华病假`)).toContain(`${ownExpert.name} 属于永济市`);

  const both = await taskIn(conn(), ctx, {
    enterprise: { county: '永济市', name: '永济市双角色有限公司', licenceNo: '晋XK06-002-99004' },
    team: [
      { openId: twoSlots.openId, name: twoSlots.name, role: '组长', unit: twoSlots.unit, county: '市局' },
      { openId: twoSlots.openId, name: twoSlots.name, role: '执法人员', unit: twoSlots.unit, county: '市局' },
      { openId: expert.openId, name: expert.name, role: '专家', unit: expert.unit, county: expert.county },
    ],
  });
  expect(await command(cityLiaison.openId, `/换人 任务=永济市双角色 原=孙平 新=刘强 理由=孙平任组长过多`)).toContain('请加 角色=');
  expect(await command(cityLiaison.openId, `/换人 任务=永济市双角色 原=孙平 新=刘强 角色=组长 理由=孙平任组长过多`)).toContain('已调整检查组');
  expect((await readTask(conn(), both._id)).team.map((m) => `${m.name}/${m.role}`)).toEqual(['刘强/组长', '孙平/执法人员', `${expert.name}/专家`]);
  // 孙平 is told of the change as a member, not that they left
  await noticeTo(twoSlots.openId, '永济市双角色有限公司** 的检查组已调整');
  expect(h.emulator.messagesTo(twoSlots.openId).some((m) => cardText(m.content).includes('您不再参加'))).toBe(false);
});

it('a closure waiting for a 组长 who is gone: the new 组长 gets it to decide; a replaced submitter is still named', async () => {
  const newLeader = { openId: 'ou_leader00000000000000000000000n', name: '刘强' };
  const task = await taskIn(conn(), ctx, { enterprise: { county: '永济市', name: '永济市待确认有限公司', licenceNo: '晋XK06-002-99005' } });
  await taskModel(conn()).updateOne({ _id: task._id }, {
    $set: {
      state: '待确认',
      closure: {
        status: 'proposed', code: '6', result: '通过登记的住所（经营场所）无法联系', note: '厂房空置', fromState: '待检查',
        openedBy: officer.openId, openedAt: new Date('2026-06-09T01:00:00Z'),
        proposedBy: officer.openId, proposedByName: officer.name, proposedAt: new Date('2026-06-09T02:00:00Z'),
        evidence: [{ kind: 'image', key: 'img_x', messageId: 'om_x', by: officer.openId, byName: officer.name, at: new Date('2026-06-09T02:00:00Z') }],
        returns: [],
      },
    },
  });
  expect(await command(cityLiaison.openId, `/换人 任务=永济市待确认 原=${leader.name} 新=${newLeader.name} 理由=王建国调离`)).toContain('已调整检查组');
  const ask = await h.emulator.waitFor((m) => m.receive_id === newLeader.openId && findButtons(m.content).some((b) => b.text === '确认无法检查'), 30_000);
  expect((await d.click(newLeader.openId, ask.current, '确认无法检查')).toast?.type).toBe('success');
  expect((await readTask(conn(), task._id)).state).toBe('待公示');

  // a 待签字 record whose submitter was replaced: the record card still names them
  const signing = await taskIn(conn(), ctx, { enterprise: { county: '永济市', name: '永济市提交人有限公司', licenceNo: '晋XK06-002-99006' } });
  const at = new Date('2026-06-09T02:00:00Z');
  await taskModel(conn()).updateOne({ _id: signing._id }, {
    $set: {
      state: '待签字',
      inspection: {
        startedAt: at, startedBy: officer.openId, startedBeforeReceipt: false, cursor: 10, answers: [], history: [], photos: [], round: 1, reopens: [],
        submittedAt: at, submittedBy: officer.openId, completionDate: '2026-06-09', representative: '孙经理', signatures: [],
      },
    },
  });
  await command(cityLiaison.openId, `/换人 任务=永济市提交人 原=${officer.name} 新=${xia.name} 理由=李明病假`);
  const toSign = await h.emulator.waitFor((m) => m.receive_id === xia.openId && cardText(m.content).includes('永济市提交人有限公司') && findButtons(m.content).some((b) => b.text === '确认签字'), 30_000);
  expect(cardText(toSign.content)).toContain(officer.name);
});
