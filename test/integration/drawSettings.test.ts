/** `draw settings`: a campaign pins a public source (then previews commit to it) and chooses names or pseudonyms. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../src/cli';
import { createCampaign } from '../../src/operations/campaigns';
import { campaignModel } from '../../src/store/campaign';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
const dir = mkdtempSync(path.join(os.tmpdir(), 'drawsettings-'));

beforeAll(async () => {
  db = await openTestDb('drawset');
  await createCampaign(db.conn, { name: '2024年专项', year: 2024, from: '2024-03-15', to: '2024-10-31', ratio: 0.25 });
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function uri(): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(db.mongo.uri)!;
  return `${m[1]}/${db.dbName}${m[3] ?? ''}`;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: { MONGODB_URI: uri(), SPOTCHECK_DATA_DIR: path.join(dir, 'data') } };
  return { code: await runCli(argv, io), out, err };
}

it('pins a combined source and names, and clears it', async () => {
  const set = await cli('draw', 'settings', '--campaign', '2024年专项', '--source', '中国福利彩票3D第2024065期开奖号码(3位数字)+中国体育彩票排列5第24065期开奖号码(5位数字)', '--time', '2024-03-15 21:30', '--public-names', '姓名');
  expect(set.err).toBe('');
  expect(set.code).toBe(0);
  expect(set.out).toContain('2024-03-15 21:30（北京时间）开奖');
  const c = (await campaignModel(db.conn).findOne({ name: '2024年专项' }).lean())!;
  expect(c.drawSource?.parts.map((p) => p.pattern)).toEqual(['^[0-9]{3}$', '^[0-9]{5}$']);
  expect(c.drawSource?.announcedAt).toBe('2024-03-15T21:30+08:00');
  expect(c.publicNames).toBe('names');

  const bad = await cli('draw', 'settings', '--campaign', '2024年专项', '--source', '福彩', '--time', '明天');
  expect(bad.code).toBe(1);
  expect(bad.err).toContain('开奖时间');
  const none = await cli('draw', 'settings', '--campaign', '不存在', '--clear-source');
  expect(none.err).toContain('没有名为“不存在”的进行中专项');

  const clear = await cli('draw', 'settings', '--campaign', '2024年专项', '--clear-source');
  expect(clear.code).toBe(0);
  expect((await campaignModel(db.conn).findOne({ name: '2024年专项' }).lean())!.drawSource).toBeNull();
});

it('a preview commits to the campaign’s source (and refuses one already drawn)', async () => {
  const { previewDraw } = await import('../../src/operations/draw/previewDraw');
  await cli('draw', 'settings', '--campaign', '2024年专项', '--source', '中国福利彩票3D第2024065期开奖号码(3位数字)', '--time', '2024-03-15T21:30');
  const actor = { openId: 'ou_city', roles: ['联络员' as const], county: '市局' };
  const late = await previewDraw(db.conn, new Date('2024-03-15T14:00:00Z'), { actor, actorName: '市局联络员', campaignName: '2024年专项' });
  expect(late.ok).toBe(false);
  if (!late.ok) expect(late.reason).toContain('中国福利彩票3D第2024065期开奖号码（3位数字，按开奖公告书写），2024-03-15 21:30（北京时间）开奖：开奖时间已过');
  const early = await previewDraw(db.conn, new Date('2024-03-15T01:00:00Z'), { actor, actorName: '市局联络员', campaignName: '2024年专项', entropy: '123' });
  expect(early.ok).toBe(false);
  if (!early.ok) expect(early.reason).toContain('不能随 /抽取 提供');
});
