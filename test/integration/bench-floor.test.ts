/**
 * The bench's two reference servers (scripts/bench/baselineServer.ts), run as the bench runs them: a process of their
 * own. The baseline only checks and decrypts; the database floor also writes each click to the database and answers
 * with a card-sized body. A reference that did less than it claims would flatter the service's ratios, one that
 * accepted anything would hide its own cost: both are checked here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { SimulatedFeishu } from '../../src/sandbox/client';
import { FLOOR_ANSWER_BYTES } from '../../scripts/bench/floor';
import { BENCH_APP, runBaseline, splitOf, type Walk } from '../../scripts/bench/callbacks';
import { freePort, startChild, waitHealthy, type Child } from '../../scripts/bench/processes';
import { testMongoUri, uniqueDbName, type TestMongo } from '../support/db';
import { TEST_APP, withDbName } from '../support/harness';

jest.setTimeout(120_000);

let mongo: TestMongo;
let runDir: string;
let conn: mongoose.Connection;
const children: Child[] = [];

/** A reference server with `app`'s keys, in a process of its own, and a client posting to it. */
async function startReference(
  name: string,
  env: Record<string, string>,
  app: { appId: string; encryptKey: string; verificationToken: string } = TEST_APP,
): Promise<{ url: string; feishu: SimulatedFeishu }> {
  const port = await freePort();
  const child = startChild(
    name,
    'scripts/bench/baselineServer.ts',
    { PORT: String(port), LARK_ENCRYPT_KEY: app.encryptKey, LARK_VERIFICATION_TOKEN: app.verificationToken, ...env },
    { runDir },
  );
  children.push(child);
  await waitHealthy(child, `http://127.0.0.1:${port}/debug/bench`);
  const url = `http://127.0.0.1:${port}/lark/events`;
  return { url, feishu: new SimulatedFeishu({ botUrl: url, encryptKey: app.encryptKey, verificationToken: app.verificationToken, appId: app.appId }) };
}

async function start(name: string, env: Record<string, string>): Promise<SimulatedFeishu> {
  return (await startReference(name, env)).feishu;
}

/** A card click as Feishu sends it (the fields the references read; the rest as in a real envelope). */
function click(openId: string, eventId = `ev_${randomBytes(8).toString('hex')}`, token = TEST_APP.verificationToken): object {
  return {
    schema: '2.0',
    header: {
      event_id: eventId,
      token,
      create_time: String(Date.now()),
      event_type: 'card.action.trigger',
      tenant_key: 'tenant',
      app_id: TEST_APP.appId,
    },
    event: { operator: { open_id: openId }, action: { tag: 'button', value: { a: 'insp.answer' } } },
  };
}

beforeAll(async () => {
  mongo = await testMongoUri();
  runDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-floor-test-'));
  conn = await mongoose.createConnection(withDbName(mongo.uri, uniqueDbName('floor'))).asPromise();
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop(5000)));
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
  await mongo?.close();
  rmSync(runDir, { recursive: true, force: true });
});

test('the baseline answers {} to a genuine click and 401 to a forged or mistokened one, writing nothing', async () => {
  const feishu = await start('baseline', {});
  try {
    const ok = await feishu.deliver(click('ou_base1'));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({});
    // when it handled the request, on the clock the client read when it posted and when it had the answer
    const split = splitOf(ok);
    expect(split).toBeDefined();
    expect(Math.min(split!.beforeMs, split!.insideMs, split!.afterMs)).toBeGreaterThanOrEqual(0);
    expect((await feishu.deliver(click('ou_base1'), { tamperSignature: true })).status).toBe(401);
    expect((await feishu.deliver(click('ou_base1'), { wrongToken: true })).status).toBe(401);
  } finally {
    feishu.close();
  }
});

test('the floor writes each genuine click once and answers with a card-sized body; forged clicks write nothing', async () => {
  const feishu = await start('floor', { FLOOR_MONGODB_URI: withDbName(mongo.uri, conn.name) });
  const clicks = conn.collection<{ _id: string; clicks: number; lastEvent: string }>('bench_floor_clicks');
  try {
    const first = await feishu.deliver(click('ou_floor1', 'ev_first'));
    expect(first.status).toBe(200);
    const answer = first.body as { toast: { content: string }; card: { type: string; data: { doc: { _id: string; clicks: number } } } };
    // the document as written comes back in the answer, which is as large as the service's card answers
    expect(answer.card.data.doc).toMatchObject({ _id: 'ou_floor1', clicks: 1 });
    expect(Buffer.byteLength(JSON.stringify(first.body))).toBe(FLOOR_ANSWER_BYTES);
    // the handler's time includes the database's write: a part of the whole, which splitOf divides without a remainder
    const split = splitOf(first)!;
    expect(split.insideMs).toBeGreaterThan(0);
    expect(split.beforeMs + split.insideMs + split.afterMs).toBeCloseTo(split.totalMs, 6);
    expect(Math.min(split.beforeMs, split.afterMs)).toBeGreaterThanOrEqual(0);

    const second = await feishu.deliver(click('ou_floor1', 'ev_second'));
    expect((second.body as typeof answer).card.data.doc.clicks).toBe(2);
    expect(await clicks.findOne({ _id: 'ou_floor1' })).toMatchObject({ clicks: 2, lastEvent: 'ev_second' });

    expect((await feishu.deliver(click('ou_floor1', 'ev_forged'), { tamperSignature: true })).status).toBe(401);
    expect((await feishu.deliver(click('ou_floor2'), { wrongToken: true })).status).toBe(401);
    expect(await clicks.findOne({ _id: 'ou_floor1' })).toMatchObject({ clicks: 2, lastEvent: 'ev_second' });
    expect(await clicks.countDocuments({ _id: 'ou_floor2' })).toBe(0);
  } finally {
    feishu.close();
  }
});

test('the bench replays each walk on its own schedule against a reference, and tells its 开始检查 clicks apart', async () => {
  // the bench's own keys (runBaseline signs and encrypts with them)
  const { url, feishu: warm } = await startReference('baseline-replay', {}, BENCH_APP);
  const walk = (openId: string, think: number[]): Walk => ({
    inspector: { openId, name: openId },
    taskId: 'task',
    think,
    envelopes: think.map(() => click(openId, undefined, BENCH_APP.verificationToken) as Walk['envelopes'][number]),
  });
  // one walk starts a second late, the other at once; each then clicks again without waiting (on a server that has
  // answered once already: a cold first answer could take long enough to blur the two)
  expect((await warm.deliver(click('ou_replay_warm', undefined, BENCH_APP.verificationToken))).status).toBe(200);
  warm.close();
  const late = walk('ou_replay_late', [1000, 0, 0]);
  const early = walk('ou_replay_early', [0, 0]);
  const result = await runBaseline(url, [late, early]);
  expect(result.errors).toBe(0);
  expect(result.latencies).toHaveLength(5);
  expect(result.sentAtMs).toHaveLength(5);
  expect(result.splits).toHaveLength(5);
  // one start per walk, each one of the latencies
  expect(result.startLatencies).toHaveLength(2);
  for (const l of result.startLatencies) expect(result.latencies).toContain(l);
  // when each click was sent, in the phase's time: the late walk's three clicks after its second (a timer may fire a
  // fraction of a millisecond early on this clock), the other's two well before
  const sent = [...result.sentAtMs].sort((a, b) => a - b);
  expect(sent.filter((t) => t >= 990)).toHaveLength(3);
  expect(sent[0]).toBeGreaterThanOrEqual(0);
  expect(sent[1]).toBeLessThan(900);
});
