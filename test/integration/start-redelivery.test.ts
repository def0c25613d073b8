/**
 * 开始检查 (insp.start) is de-duplicated by the start itself, not by a claim in processed_events taken before the
 * handler (bot/router.ts ActionSpec.dedupesItself, operations/inspection/startInspection.ts): through the real
 * webhook, a start delivered again — afterwards, after the process forgot its copy of the task, at the same time —
 * is applied once and answered with the stored state's card (no toast: Feishu redelivers a click only when it got
 * no answer, so this is the answer the inspector sees), the record keeping the callback's event id; every other outcome of the
 * click (the open checklist's activity, a start that lost to a teammate's, a refusal) claims the event first, and its
 * redelivery is answered with nothing too, writing nothing.
 */
import { forgetTask } from '../../src/operations/inspection/taskCache';
import { processedEventModel } from '../../src/store/processedEvents';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, type Card } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
const conn = () => h.service.db.connection;
const { leader, officer, stranger } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'start_redelivery' });
  await registerStaff(conn());
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

type Body = { toast?: { type: string; content: string }; card?: { data: unknown } };
const bodyOf = (r: { body?: unknown }) => r.body as Body;

/** A click on the 开始检查 button of a card that names the task. */
function startClick(openId: string, card: Card) {
  return h.feishu.cardActionEvent(openId, card, '开始检查');
}

let made = 0;
/** A task of its own enterprise name (assignmentCard finds the card by it). */
const newTask = () => createTask(conn(), { enterprise: { name: `开始检查重投测试企业${++made}` } });

const mark = (eventId: string) => processedEventModel(conn()).findById(`event:${eventId}`).lean();

/** the clock moves on (a write of the activity time would show) */
const tick = () => new Promise((r) => setTimeout(r, 5));

it('delivered again after the start: started once, the redelivery answered with the checklist card, nothing claimed', async () => {
  const task = await newTask();
  const click = startClick(officer.openId, await d.assignmentCard(officer.openId, task));
  const eventId = click.envelope.header.event_id;
  const first = await h.feishu.deliver(click.envelope);
  expect(bodyOf(first).toast).toEqual({ type: 'success', content: '已开始检查，共 9 项' });
  expect(bodyOf(first).card).toBeDefined();
  const started = await readTask(conn(), task._id);
  expect(started.state).toBe('检查中');
  expect(started.version).toBe(task.version + 1);
  expect(started.inspection).toMatchObject({ startedBy: officer.openId, startEventId: eventId, cursor: 1 });

  await tick();
  const again = await h.feishu.deliver(click.envelope);
  expect(again.status).toBe(200);
  // the card the first delivery answered with (the stored state did not change), without the start's toast
  expect(bodyOf(again).toast).toBeUndefined();
  expect(bodyOf(again).card).toEqual(bodyOf(first).card);
  // and again once the process no longer has its copy of the task (a restart)
  forgetTask(conn(), String(task._id));
  expect(bodyOf(await h.feishu.deliver(click.envelope))).toEqual({ card: bodyOf(first).card });
  // nothing written by either: not the activity time, not the version
  expect(await readTask(conn(), task._id)).toEqual(started);
  expect(await mark(eventId)).toBeNull();

  // the card the first delivery answered with goes on as usual
  const next = await d.click(officer.openId, bodyOf(first).card!.data as Card, '符合');
  expect(next.toast).toEqual({ type: 'success', content: '已保存第1项：符合' });
});

it('delivered three times at the same time: one start (one version), the copies answered with its card', async () => {
  const task = await newTask();
  const click = startClick(officer.openId, await d.assignmentCard(officer.openId, task));
  const results = await Promise.all([h.feishu.deliver(click.envelope), h.feishu.deliver(click.envelope), h.feishu.deliver(click.envelope)]);
  const winner = results.filter((r) => bodyOf(r).toast?.type === 'success');
  expect(winner).toHaveLength(1);
  const copies = results.filter((r) => r !== winner[0]);
  for (const c of copies) expect(bodyOf(c)).toEqual({ card: bodyOf(winner[0]!).card });
  const stored = await readTask(conn(), task._id);
  expect(stored.version).toBe(task.version + 1);
  expect(stored.inspection!.startEventId).toBe(click.envelope.header.event_id);
  expect(Object.keys(stored.inspection!.lastActive ?? {})).toEqual([officer.openId]);
  expect(await mark(click.envelope.header.event_id)).toBeNull();
});

it('two members starting at once: one starts, the other gets the open checklist; the other’s redelivery writes nothing', async () => {
  const task = await newTask();
  const a = startClick(officer.openId, await d.assignmentCard(officer.openId, task));
  const b = startClick(leader.openId, await d.assignmentCard(leader.openId, task));
  const [ra, rb] = await Promise.all([h.feishu.deliver(a.envelope), h.feishu.deliver(b.envelope)]);
  const results = [
    { click: a, res: ra },
    { click: b, res: rb },
  ];
  const winner = results.find((r) => bodyOf(r.res).toast?.type === 'success')!;
  const loser = results.find((r) => r !== winner)!;
  expect(winner).toBeDefined();
  // the open checklist, without a toast (as 继续检查 answers)
  expect(bodyOf(loser.res).toast).toBeUndefined();
  expect(bodyOf(loser.res).card).toBeDefined();
  const stored = await readTask(conn(), task._id);
  expect(stored.version).toBe(task.version + 1);
  expect(stored.inspection!.startEventId).toBe(winner.click.envelope.header.event_id);
  expect(Object.keys(stored.inspection!.lastActive ?? {}).sort()).toEqual([leader.openId, officer.openId].sort());
  // the loser's click was claimed (it wrote the activity time); the winner's start was not
  expect(await mark(loser.click.envelope.header.event_id)).not.toBeNull();
  expect(await mark(winner.click.envelope.header.event_id)).toBeNull();

  await tick();
  forgetTask(conn(), String(task._id));
  // the winner's start recognised by its record (the open checklist's card), the loser's click by its claim
  const winnerAgain = bodyOf(await h.feishu.deliver(winner.click.envelope));
  expect(winnerAgain.toast).toBeUndefined();
  expect(winnerAgain.card).toEqual(bodyOf(winner.res).card);
  expect((await h.feishu.deliver(loser.click.envelope)).body).toEqual({});
  expect(await readTask(conn(), task._id)).toEqual(stored);
});

it('继续检查 on an open checklist: the activity is recorded once, the redelivery answered with nothing', async () => {
  const task = await newTask();
  const card = await d.assignmentCard(leader.openId, task);
  await d.open(officer.openId, task);
  const opened = await readTask(conn(), task._id);
  await tick();
  const click = startClick(leader.openId, card);
  const first = await h.feishu.deliver(click.envelope);
  expect(bodyOf(first).toast).toBeUndefined();
  expect(bodyOf(first).card).toBeDefined();
  const after = await readTask(conn(), task._id);
  expect(after.version).toBe(opened.version);
  expect(after.inspection!.lastActive![leader.openId]).toBeInstanceOf(Date);

  await tick();
  expect((await h.feishu.deliver(click.envelope)).body).toEqual({});
  expect(await readTask(conn(), task._id)).toEqual(after);
  await waitForMark(click.envelope.header.event_id);
});

it('a refused start (not on the team) is claimed: refused once, the redelivery answered with nothing', async () => {
  const task = await newTask();
  const click = startClick(stranger.openId, await d.assignmentCard(stranger.openId, task));
  const first = await h.feishu.deliver(click.envelope);
  expect(bodyOf(first).toast?.type).toBe('error');
  expect(bodyOf(first).card).toBeUndefined();
  expect((await h.feishu.deliver(click.envelope)).body).toEqual({});
  expect((await readTask(conn(), task._id)).state).toBe('待检查');
  await waitForMark(click.envelope.header.event_id);
});

/** The click's claim, marked handled once the handler is done (EventDeduper.completeSoon). */
async function waitForMark(eventId: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = await mark(eventId);
    if (m?.done === true) return;
    if (Date.now() > deadline) throw new Error(`event ${eventId} not marked handled within 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
