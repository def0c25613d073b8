/**
 * 附件5's detail rows are read by several aggregates, some asked for ahead of the one being written
 * (operations/summary.ts openDetailRows). Whatever ends the build early — the reader stopping, a read failing on the
 * server, a read asked for ahead failing — every cursor of the summary must be gone from the server afterwards
 * (a cursor left open holds the database's memory until it times out), and a failed read must fail the build, never
 * give a file with rows missing. "Gone" is asked of the server itself: a getMore on the cursor's id answers
 * CursorNotFound (43), on the wire server as on MongoDB.
 */
import type { CommandSucceededEvent } from 'mongodb';
import { BSON, Long } from 'bson';
import mongoose, { Types, type Connection } from 'mongoose';
import { buildSummaryXlsx } from '../../src/exports/summaryXlsx';
import { summarize } from '../../src/operations/summary';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';
import { taskModel } from '../../src/store/task';
import { openTestDb, type TestDb } from '../support/db';

const TODAY = '2024-11-15';
const COUNTIES = ['盐湖区', '永济市', '河津市', '临猗县', '万荣县', '闻喜县'];
const TASKS = 180;
/** rows per batch: each county (30 rows) is a read of its own, in several getMores */
const BATCH = 7;

let t: TestDb;
/** another client, for the commands that end a read on the server */
let other: Connection;
/** the detail read (its index) whose cursor is ended as soon as it is opened, and that ending */
let killAt: number | undefined;
let killed: Promise<unknown> | undefined;
const campaign = { _id: new Types.ObjectId(), name: '失败测试专项', year: 2024, from: '2024-01-01', to: '2024-12-31' } as CampaignDoc;
const draw = { _id: new Types.ObjectId(), campaignId: campaign._id, confirmedAt: new Date('2024-03-20T02:00:00Z'), createdAt: new Date('2024-03-20T02:00:00Z') } as DrawDoc;
/**
 * The cursors the summary's aggregates opened (their first reply's id, when not 0); `detail`: for a detail read
 * (its pipeline ranks the counties, `k`), its place among the detail reads sent, in the order they were sent
 * (replies may come in another order).
 */
let cursors: { id: Long; detail?: number }[] = [];
/** per aggregate sent (by request id): its place among the detail reads sent, if it is one */
const sent = new Map<number, number | undefined>();
let detailReadsSent = 0;

beforeAll(async () => {
  t = await openTestDb('summary_failures', { monitorCommands: true });
  const client = t.conn.getClient();
  client.on('commandStarted', (e) => {
    if (e.commandName === 'aggregate') sent.set(e.requestId, JSON.stringify(e.command.pipeline).includes('"k"') ? detailReadsSent++ : undefined);
  });
  client.on('commandSucceeded', (e: CommandSucceededEvent) => {
    if (e.commandName !== 'aggregate' || !sent.has(e.requestId)) return;
    const detail = sent.get(e.requestId);
    // a raw read's reply (the driver's `raw: true`) carries its cursor document as BSON bytes
    const cursor = (e.reply as { cursor?: Uint8Array | { id?: Long | number } }).cursor;
    const id = cursor instanceof Uint8Array ? (BSON.deserialize(cursor, { promoteLongs: false }) as { id?: Long }).id : cursor?.id;
    const long = typeof id === 'number' ? Long.fromNumber(id) : id;
    if (!long || long.isZero()) return;
    cursors.push({ id: long, detail });
    // the read to fail: ended on the server as soon as its first reply is in, before any getMore of it (those come
    // after the reads before it are written, a few round trips later), from a connection of its own
    if (killAt !== undefined && detail === killAt) {
      killAt = undefined;
      killed = killCursor(long);
    }
  });
  other = await mongoose.createConnection(t.mongo.uri, { dbName: t.dbName }).asPromise();
  const docs = Array.from({ length: TASKS }, (_, i) => ({
    campaignId: campaign._id,
    drawId: draw._id,
    no: i + 1,
    enterprise: { uscc: `U${i}`, name: `企业${i}`, licenceNo: `L${i}`, product: '电线电缆', category: '工业产品', riskClass: 'A', county: COUNTIES[i % COUNTIES.length] },
    checklist: 'industrial',
    team: [{ openId: 'ou_x', name: '组长', role: '组长', unit: '市局', county: '市局' }],
    state: '待检查',
    version: 1,
  }));
  await taskModel(t.conn).collection.insertMany(docs);
});

afterAll(async () => {
  await other.close();
  await t.close();
});

beforeEach(() => {
  cursors = [];
  detailReadsSent = 0;
  killAt = undefined;
  killed = undefined;
});

/** Ends a cursor of the summary's database from the other client (an operator's killCursors, a failover). */
function killCursor(id: Long): Promise<unknown> {
  return other.db!.command({ killCursors: taskModel(t.conn).collection.collectionName, cursors: [id] });
}

/** The detail reads' cursors, in the order the reads were sent. */
const detailCursors = () => cursors.filter((c) => c.detail !== undefined).sort((a, b) => a.detail! - b.detail!);

/** What the server answers a getMore on `id`: the error code, or 0 when the cursor is still there. */
async function getMoreCode(id: Long): Promise<number> {
  try {
    await t.conn.db!.command({ getMore: id, collection: taskModel(t.conn).collection.collectionName, batchSize: 1 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

async function expectAllGone(): Promise<void> {
  expect(cursors.length).toBeGreaterThan(0);
  for (const c of cursors) expect(await getMoreCode(c.id)).toBe(43);
}

/** Waits until the summary's reads asked for ahead have answered (at least `n` detail cursors open). */
async function detailCursorsOpened(n: number): Promise<void> {
  for (let i = 0; i < 500 && detailCursors().length < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(detailCursors().length).toBeGreaterThanOrEqual(n);
}

const scope = { kind: 'city' } as const;

test('each county is a read of several batches (what the tests below rely on)', async () => {
  const s = await summarize(t.conn, { scope, campaign, draw, today: TODAY, batchSize: BATCH });
  const file = await buildSummaryXlsx(s);
  expect(file.length).toBeGreaterThan(0);
  // one read per county, all of them with a cursor (more than one batch), and none left once the file is written
  expect(detailCursors()).toHaveLength(COUNTIES.length);
  await expectAllGone();
});

test('a reader that stops after its first rows leaves no cursor on the server', async () => {
  const s = await summarize(t.conn, { scope, campaign, draw, today: TODAY, batchSize: BATCH });
  let slices = 0;
  for await (const slice of s.details) {
    expect(slice.length).toBeGreaterThan(0);
    slices++;
    // the reads asked for ahead are open too by now
    await detailCursorsOpened(3);
    break;
  }
  expect(slices).toBe(1);
  await s.details.close();
  await expectAllGone();
});

test('a read that fails on the server in the middle fails the build, and no cursor is left', async () => {
  const s = await summarize(t.conn, { scope, campaign, draw, today: TODAY, batchSize: BATCH });
  await detailCursorsOpened(1);
  // the first read's cursor ended by someone else: its next getMore fails
  await killCursor(detailCursors()[0]!.id);
  await expect(buildSummaryXlsx(s)).rejects.toMatchObject({ code: 43 });
  await expectAllGone();
});

test('a read asked for ahead that fails fails the build, and no cursor is left', async () => {
  killAt = 1;
  const s = await summarize(t.conn, { scope, campaign, draw, today: TODAY, batchSize: BATCH });
  await expect(buildSummaryXlsx(s)).rejects.toMatchObject({ code: 43 });
  // it was the second read that was ended, and the server said so
  const answer = (await killed) as { cursorsKilled: (number | Long)[] };
  const second = detailCursors()[1]!;
  expect(second.detail).toBe(1);
  expect(answer.cursorsKilled.map(String)).toEqual([String(second.id)]);
  await expectAllGone();
});
