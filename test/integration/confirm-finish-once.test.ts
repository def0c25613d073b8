/**
 * A confirmation is finished once in a process: while the confirm is still finishing what it claimed (the fence, the
 * reveal, the bundles), the minutely dispatch job (resumeDispatch) leaves that draw alone and a second click on 确认
 * joins the running finish, instead of both doing the same seconds of work a second time.
 */
import * as fenceModule from '../../src/operations/draw/fence';
import { confirmDraw, resumeDispatch } from '../../src/operations/draw/confirmDraw';
import { previewDraw } from '../../src/operations/draw/previewDraw';
import type { Actor } from '../../src/policies';
import { drawModel, loadChain, type DrawDoc } from '../../src/store/draw';
import { taskModel } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

// The fence, replaced module-wide by a mock that runs the real one unless told otherwise (jest.config.js: the
// transform's exports cannot be spied on one by one).
jest.mock('../../src/operations/draw/fence', () => {
  const actual = jest.requireActual<typeof import('../../src/operations/draw/fence')>('../../src/operations/draw/fence');
  return { ...actual, fence: jest.fn(actual.fence) };
});

jest.setTimeout(120_000);

let h: Harness;
let reg: SeededRegistries;
const clock = new Date('2024-03-16T02:00:00.000Z'); // 10:00 in 运城, the campaign runs from 03-15
const conn = () => h.service.db.connection;

beforeAll(async () => {
  // No outbox worker: the case checks the finishing, not delivered cards.
  h = await startHarness({ dbPrefix: 'finish_once', now: () => clock, outbox: { concurrency: 0 } });
  // 30 firms: a draw of about ten tasks; what matters is how often the finishing runs, not the draw's size.
  reg = await seedRegistries(conn(), { enterprises: 30, seed: 5 });
});

afterAll(async () => {
  await h?.close();
});

it('the dispatch job skips, and a second 确认 joins, a confirmation still being finished', async () => {
  const actor: Actor = { openId: reg.cityLiaison.openId, roles: reg.cityLiaison.roles, county: reg.cityLiaison.county };
  const preview = await previewDraw(conn(), clock, { actor, actorName: reg.cityLiaison.name });
  if (!preview.ok) throw new Error(preview.reason);

  // The confirm's finishing is held at its first step (the fence) until released.
  const fence = jest.mocked(fenceModule.fence);
  const real = jest.requireActual<typeof fenceModule>('../../src/operations/draw/fence').fence;
  let entered!: () => void;
  const inFence = new Promise<void>((r) => (entered = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  fence.mockImplementationOnce(async (...args) => {
    entered();
    await released;
    return real(...args);
  });

  const confirming = confirmDraw(conn(), h.service.outbox, clock, { actor, drawId: preview.draw._id });
  await inFence;
  // claimed, not yet finished: what the job looks for after a crash
  const claimed = (await drawModel(conn()).findById(preview.draw._id).lean<DrawDoc>())!;
  expect(claimed.status).toBe('confirmed');
  expect(claimed.bundleGz).toBeUndefined();

  // the minutely job now: it must not finish (nor dispatch) the same draw beside the confirm
  expect(await resumeDispatch(conn(), h.service.outbox, clock, h.log)).toBe(0);
  // a second click on 确认 meanwhile: it waits for the same finishing
  const second = confirmDraw(conn(), h.service.outbox, clock, { actor, drawId: preview.draw._id });

  release();
  const first = await confirming;
  const again = await second;
  if (!first.ok || !again.ok) throw new Error('the confirmation was refused');
  expect([first.already, again.already]).toEqual([false, true]);
  await first.dispatch;
  await again.dispatch;

  // finished once: one fence, one reveal, the bundles, the tasks
  expect(fence).toHaveBeenCalledTimes(1);
  expect((await loadChain(conn(), reg.campaign._id)).map((e) => e.kind).filter((k) => k === 'reveal')).toEqual(['reveal']);
  const done = (await drawModel(conn()).findById(preview.draw._id).lean<DrawDoc>())!;
  expect(done.bundleGz).toBeDefined();
  expect(done.dispatchedAt).toBeInstanceOf(Date);
  expect(await taskModel(conn()).countDocuments({ drawId: preview.draw._id })).toBe(done.summary!.selected);
  expect(again.draw.resultHash).toBe(first.draw.resultHash);
});
