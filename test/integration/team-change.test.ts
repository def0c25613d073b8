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
