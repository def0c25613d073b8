/**
 * Faults, measured: Feishu (the emulator) fails half of all Open Platform calls (HTTP 503, tokens and uploads
 * included) for a while during a draw's dispatch. Every card still reaches its recipient exactly once.
 */
import { cardText, findButtons } from '../../src/sandbox/client';
import { drawModel } from '../../src/store/draw';
import { outboxModel } from '../../src/store/outbox';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

// Bounds for a loaded machine, not speed targets (the storm's retries back off up to a second each).
jest.setTimeout(420_000);

let h: Harness;
let reg: SeededRegistries;
const FAULTS = 80;

beforeAll(async () => {
  // The retry budget must outlast the storm; in production 12 attempts with backoff span about half an hour.
  h = await startHarness({ dbPrefix: 'flaky', outbox: { maxAttempts: 100 } });
  reg = await seedRegistries(h.service.db.connection, { enterprises: 200 });
});

afterAll(async () => {
  await h.close();
});

/** Polls `condition` every 200 ms (each poll is a query the busy service must answer too). */
async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('delivers every card of a dispatch once while half of the calls fail', async () => {
  const conn = h.service.db.connection;
  const sent = await h.feishu.sendText(reg.cityLiaison.openId, '/抽取 种子=20240601');
  const preview = await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);

  h.emulator.injectFaults({ path: /^\/open-apis\//, ratio: 0.5, seed: 7, times: FAULTS, action: { type: 'status', status: 503 } });
  const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
  expect(click.status).toBe(200);

  await until('the dispatch', async () => (await drawModel(conn).exists({ status: 'confirmed', dispatchedAt: { $exists: true } })) !== null);
  await until('the outbox to drain', async () => (await outboxModel(conn).countDocuments({ status: { $in: ['pending', 'sending'] } })) === 0);

  // The storm happened: every fault was served, about half of the calls while it lasted.
  expect(h.emulator.pendingFaults()).toBe(0);
  const faulted = h.emulator.requests.filter((r) => r.fault !== undefined);
  expect(faulted).toHaveLength(FAULTS);
  const during = h.emulator.requests.filter((r) => r.seq <= faulted[faulted.length - 1].seq && r.seq >= faulted[0].seq);
  expect(faulted.length / during.length).toBeGreaterThan(0.35);
  expect(faulted.length / during.length).toBeLessThan(0.65);

  // Every entry sent, each shown once.
  const entries = await outboxModel(conn).find({}, { key: 1, status: 1, uuid: 1, attempts: 1 }).lean();
  expect(entries.filter((e) => e.status !== 'sent').map((e) => e.key)).toEqual([]);
  expect(entries.some((e) => e.attempts > 1)).toBe(true);
  const byUuid = new Map<string, number>();
  for (const m of h.emulator.messages()) if (m.uuid) byUuid.set(m.uuid, (byUuid.get(m.uuid) ?? 0) + 1);
  expect(entries.filter((e) => byUuid.get(e.uuid) !== 1).map((e) => e.key)).toEqual([]);

  const tasks = await taskModel(conn).find({}).lean<TaskDoc[]>();
  const assignments = h.emulator.messages().filter((m) => findButtons(m.content).some((b) => b.text === '开始检查'));
  expect(assignments).toHaveLength(tasks.reduce((n, t) => n + t.team.length, 0));
  for (const t of tasks) {
    for (const m of t.team) {
      const shown = assignments.filter((c) => c.receive_id === m.openId && cardText(c.content).includes(t.enterprise.licenceNo));
      expect(`${t.no}/${m.openId}: ${shown.length}`).toBe(`${t.no}/${m.openId}: 1`);
    }
  }
  // one internal and one public bundle, each uploaded once
    expect(h.emulator.files().filter((f) => f.file_name.startsWith('抽取数据包')).map((f) => f.file_name.split('-')[1]).sort()).toEqual(['内部', '可公开']);
});
