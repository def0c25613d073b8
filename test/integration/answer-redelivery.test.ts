/**
 * An item answer (insp.answer) is de-duplicated by the answer itself, not by a claim in processed_events
 * (bot/router.ts ActionSpec.dedupesItself, operations/inspection/answerItem.ts): through the real webhook, a
 * callback delivered again — afterwards, at the same time, after the process forgot its copy of the task, or after
 * the first delivery was refused as stale — is applied once and answered with nothing; two teammates answering the
 * same card at once are both kept (one saved, one refused as stale, in the history). The answers stored are those
 * without redeliveries.
 */
import { forgetTask } from '../../src/operations/inspection/taskCache';
import { processedEventModel } from '../../src/store/processedEvents';
import type { TaskDoc } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
const conn = () => h.service.db.connection;
const { officer, expert } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'answer_redelivery' });
  await registerStaff(conn());
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

/** The checklist opened by the officer, item 1 showing. */
async function opened(): Promise<{ task: TaskDoc; card: unknown }> {
  const task = await createTask(conn());
  const { card } = await d.open(officer.openId, task);
  return { task, card: card! };
}

/** What the answers and the history hold, without the times. */
async function stored(task: TaskDoc) {
  const t = await readTask(conn(), task._id);
  const rec = t.inspection!;
  return {
    version: t.version,
    cursor: rec.cursor,
    answers: rec.answers.map((a) => ({ item: a.item, verdict: a.verdict, record: a.record, by: a.by })),
    history: rec.history.map((e) => ({ item: e.item, verdict: e.verdict, by: e.by, outcome: e.outcome, baseVersion: e.baseVersion, eventId: e.eventId })),
  };
}

const bodyOf = (r: { body?: unknown }) => r.body as { toast?: { type: string; content: string }; card?: unknown };

it('delivered again after the answer: applied once, the redelivery answered with the stored card, no claim written', async () => {
  const { task, card } = await opened();
  const click = h.feishu.cardActionEvent(officer.openId, card, '符合');
  const first = await h.feishu.deliver(click.envelope);
  expect(bodyOf(first).toast).toEqual({ type: 'success', content: '已保存第1项：符合' });
  const once = await stored(task);
  expect(once.answers).toEqual([{ item: 1, verdict: '符合', record: '', by: officer.openId }]);
  expect(once.history).toEqual([{ item: 1, verdict: '符合', by: officer.openId, outcome: 'saved', baseVersion: once.version - 1, eventId: click.envelope.header.event_id }]);

  const again = await h.feishu.deliver(click.envelope);
  expect(again.status).toBe(200);
  // Feishu redelivers only when it got no answer: this one is shown, so it is the card of the stored state (the
  // first delivery's card, nothing having changed since), without the toast of a save
  expect(bodyOf(again)).toEqual({ card: bodyOf(first).card });
  // and again once the process no longer has its copy of the task (a restart): read from the database, same answer
  forgetTask(conn(), String(task._id));
  expect(bodyOf(await h.feishu.deliver(click.envelope))).toEqual({ card: bodyOf(first).card });
  expect(await stored(task)).toEqual(once);
  expect(await processedEventModel(conn()).exists({ _id: `event:${click.envelope.header.event_id}` })).toBeNull();

  // the next item, from the card the first delivery answered, saves as usual
  const next = await d.click(officer.openId, (bodyOf(first).card as { data: unknown }).data as never, '符合');
  expect(next.toast).toEqual({ type: 'success', content: '已保存第2项：符合' });
  expect((await stored(task)).answers.map((x) => x.item)).toEqual([1, 2]);
});

it('delivered three times at the same time: one delivery saves, the copies are answered with its card', async () => {
  const { task, card } = await opened();
  const click = h.feishu.cardActionEvent(officer.openId, card, '不符合', { formValues: { record: '消防通道堵塞' } });
  const results = await Promise.all([h.feishu.deliver(click.envelope), h.feishu.deliver(click.envelope), h.feishu.deliver(click.envelope)]);
  const saved = results.filter((r) => bodyOf(r).toast?.type === 'success');
  expect(saved).toHaveLength(1);
  for (const r of results.filter((x) => x !== saved[0])) expect(bodyOf(r)).toEqual({ card: bodyOf(saved[0]!).card });
  const s = await stored(task);
  expect(s.answers).toEqual([{ item: 1, verdict: '不符合', record: '消防通道堵塞', by: officer.openId }]);
  expect(s.history).toHaveLength(1);
  expect(s.history[0]).toMatchObject({ outcome: 'saved', eventId: click.envelope.header.event_id });
});

it('a stale click delivered three times at once: kept once as stale, the copies answered with the current card', async () => {
  const { task, card } = await opened();
  // the card moves on (item 1 answered); the old card's click on item 1 is now stale
  expect(bodyOf(await h.feishu.deliver(h.feishu.cardActionEvent(officer.openId, card, '符合').envelope)).toast?.type).toBe('success');
  const stale = h.feishu.cardActionEvent(officer.openId, card, '不符合', { formValues: { record: '旧卡片上的记录' } });
  const results = await Promise.all([h.feishu.deliver(stale.envelope), h.feishu.deliver(stale.envelope), h.feishu.deliver(stale.envelope)]);
  expect(results.filter((r) => bodyOf(r).toast?.type === 'warning')).toHaveLength(1);
  const copies = results.filter((r) => bodyOf(r).toast === undefined);
  expect(copies).toHaveLength(2);
  for (const c of copies) expect(bodyOf(c).card).toBeDefined();
  const s = await stored(task);
  expect(s.answers).toEqual([{ item: 1, verdict: '符合', record: '', by: officer.openId }]);
  expect(s.history.filter((e) => e.eventId === stale.envelope.header.event_id)).toEqual([
    { item: 1, verdict: '不符合', by: officer.openId, outcome: 'stale', baseVersion: s.version - 1, eventId: stale.envelope.header.event_id },
  ]);
});

it('a double tap (two callbacks of the same answer): both answered as saved, stored once, nothing kept as stale', async () => {
  const { task, card } = await opened();
  const taps = [1, 2].map(() => h.feishu.cardActionEvent(officer.openId, card, '不符合', { formValues: { record: '消防通道堵塞' } }));
  expect(taps[0]!.envelope.header.event_id).not.toBe(taps[1]!.envelope.header.event_id);
  const results = await Promise.all(taps.map((t) => h.feishu.deliver(t.envelope)));
  for (const r of results) expect(bodyOf(r).toast).toEqual({ type: 'success', content: '已保存第1项：不符合' });
  expect(bodyOf(results[0]!).card).toEqual(bodyOf(results[1]!).card);
  const s = await stored(task);
  expect(s.answers).toEqual([{ item: 1, verdict: '不符合', record: '消防通道堵塞', by: officer.openId }]);
  expect(s.history.map((e) => e.outcome)).toEqual(['saved']);
  // a third tap later, after the process forgot its copy: the same
  forgetTask(conn(), String(task._id));
  const late = bodyOf(await h.feishu.deliver(h.feishu.cardActionEvent(officer.openId, card, '不符合', { formValues: { record: '消防通道堵塞' } }).envelope));
  expect(late.toast?.type).toBe('success');
  expect(await stored(task)).toEqual(s);
  // a different answer from the same old card is a conflict as before: refused, kept as stale
  const other = bodyOf(await h.feishu.deliver(h.feishu.cardActionEvent(officer.openId, card, '符合').envelope));
  expect(other.toast?.type).toBe('warning');
  expect((await stored(task)).history.map((e) => e.outcome)).toEqual(['saved', 'stale']);
});

it('two teammates answering the same card at once: one saved, the other kept as stale; their redeliveries change nothing', async () => {
  const task = await createTask(conn());
  const mine = (await d.open(officer.openId, task)).card!;
  const theirs = (await d.open(expert.openId, task)).card!;
  const a = h.feishu.cardActionEvent(officer.openId, mine, '符合');
  const b = h.feishu.cardActionEvent(expert.openId, theirs, '不符合', { formValues: { record: '台账缺失' } });
  const [ra, rb] = await Promise.all([h.feishu.deliver(a.envelope), h.feishu.deliver(b.envelope)]);
  const toasts = [bodyOf(ra).toast?.type, bodyOf(rb).toast?.type].sort();
  expect(toasts).toEqual(['success', 'warning']);
  const s = await stored(task);
  expect(s.answers).toHaveLength(1);
  expect(s.history.map((e) => e.outcome).sort()).toEqual(['saved', 'stale']);
  expect(s.history.map((e) => e.eventId).sort()).toEqual([a.envelope.header.event_id, b.envelope.header.event_id].sort());
  // both redelivered (the stale one too): nothing more stored, each answered with the current card, no toast
  forgetTask(conn(), String(task._id));
  for (const e of [a, b]) {
    const again = bodyOf(await h.feishu.deliver(e.envelope));
    expect(again.toast).toBeUndefined();
    expect(again.card).toBeDefined();
  }
  expect(await stored(task)).toEqual(s);
});
