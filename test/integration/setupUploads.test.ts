/**
 * Previewed set-up files in the database (operations/setup/uploads.ts): bytes kept in chunks below MongoDB's document
 * limit, read back and checked against the SHA-256 of the preview, claimed once, superseded by a newer file of the
 * same kind, and forgotten when done.
 */
import { randomBytes } from 'node:crypto';
import { SETUP_FILE_KINDS } from '../../src/domain/setupFiles';
import { cancelUpload, claimUpload, finishUpload, keepUpload, releaseUpload, sha256Hex } from '../../src/operations/setup/uploads';
import { CHUNK_BYTES, setupUploadChunkModel, setupUploadModel, UPLOAD_KINDS } from '../../src/store/setupUpload';
import { binaryBytes } from '../../src/store/binary';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb('setup_uploads');
});
afterAll(async () => {
  await db.close();
});

const now = new Date('2026-12-04T02:00:00Z');
/** every kind: the tests of an upload's life, whatever its kind */
const ALL = UPLOAD_KINDS;
const by = { by: 'ou_liaison1', byName: '许小颖' };
let serial = 0;
const upload = (kind: 'enterprises' | 'staff' | 'calendar', data: Buffer) =>
  keepUpload(db.conn, { messageId: `om_test${(serial += 1)}`, kind, fileName: `${kind}.csv`, data, ...by }, now);

test('a 9 MB file is kept in chunks and read back byte for byte, once', async () => {
  const data = randomBytes(9 * 1024 * 1024 + 17);
  const { upload: kept, existing } = await upload('enterprises', data);
  expect(existing).toBe(false);
  expect(kept).toMatchObject({ status: 'previewed', size: data.length, sha256: sha256Hex(data), chunks: 3 });
  const chunks = await setupUploadChunkModel(db.conn).find({ upload: kept._id }).lean();
  expect(chunks.sort((x, y) => x.n - y.n).map((c) => binaryBytes(c.data).length)).toEqual([CHUNK_BYTES, CHUNK_BYTES, data.length - 2 * CHUNK_BYTES]);

  const claim = await claimUpload(db.conn, kept._id, ALL, now);
  expect(claim.ok && claim.data.equals(data)).toBe(true);
  expect(await claimUpload(db.conn, kept._id, ALL, now)).toMatchObject({ ok: false, why: 'importing' });
  // an import that failed part-way may be confirmed again
  await releaseUpload(db.conn, kept._id);
  expect((await claimUpload(db.conn, kept._id, ALL, now)).ok).toBe(true);
  await finishUpload(db.conn, kept._id, { result: { rows: 1 }, by: by.by, byName: by.byName }, now);
  expect(await claimUpload(db.conn, kept._id, ALL, now)).toMatchObject({ ok: false, why: 'imported' });
  expect(await setupUploadChunkModel(db.conn).countDocuments({ upload: kept._id })).toBe(0);
});

test('the same file message twice stores it once', async () => {
  const data = Buffer.from('x');
  const first = await keepUpload(db.conn, { messageId: 'om_same', kind: 'staff', fileName: 's.csv', data, ...by }, now);
  const again = await keepUpload(db.conn, { messageId: 'om_same', kind: 'staff', fileName: 's.csv', data, ...by }, now);
  expect(again).toMatchObject({ existing: true });
  expect(String(again.upload._id)).toBe(String(first.upload._id));
  expect(await setupUploadModel(db.conn).countDocuments({ messageId: 'om_same' })).toBe(1);
});

test('bytes that changed since the preview, or are gone, are refused', async () => {
  const a = (await upload('calendar', Buffer.from('日期,类型\n'))).upload;
  await setupUploadChunkModel(db.conn).updateOne({ upload: a._id, n: 0 }, { $set: { data: Buffer.from('日期,类型\nX') } });
  expect(await claimUpload(db.conn, a._id, ALL, now)).toMatchObject({ ok: false, why: 'corrupt' });

  const b = (await upload('calendar', Buffer.from('日期,类型\n'))).upload;
  await setupUploadChunkModel(db.conn).deleteMany({ upload: b._id }); // e.g. forgotten after a week
  expect(await claimUpload(db.conn, b._id, ALL, now)).toMatchObject({ ok: false, why: 'expired' });
});

test('a newer file of the same kind supersedes the older preview, not one of another kind', async () => {
  const old = (await upload('staff', Buffer.from('a'))).upload;
  const other = (await upload('enterprises', Buffer.from('b'))).upload;
  const newer = await upload('staff', Buffer.from('c'));
  expect(newer.superseded.map((u) => String(u._id))).toContain(String(old._id));
  expect(await claimUpload(db.conn, old._id, ALL, now)).toMatchObject({ ok: false, why: 'superseded' });
  expect(await setupUploadChunkModel(db.conn).countDocuments({ upload: old._id })).toBe(0);
  expect((await cancelUpload(db.conn, other._id, ALL, { openId: by.by, name: by.byName }, now)).ok).toBe(true);
  expect(await cancelUpload(db.conn, other._id, ALL, { openId: by.by, name: by.byName }, now)).toMatchObject({ ok: false, why: 'cancelled' });
  expect((await claimUpload(db.conn, newer.upload._id, ALL, now)).ok).toBe(true);
});

test('an upload is claimed or cancelled only by the actions of its own kind', async () => {
  const report = (await keepUpload(db.conn, { messageId: 'om_kind_r', kind: 'countyReport', fileName: 'r.docx', data: Buffer.from('r'), county: '永济市', ...by }, now)).upload;
  // the set-up buttons (a 情况汇报's id copied into them) see no such upload, and leave it as it was
  expect(await cancelUpload(db.conn, report._id, SETUP_FILE_KINDS, { openId: by.by, name: by.byName }, now)).toEqual({ ok: false, why: 'missing' });
  expect(await claimUpload(db.conn, report._id, ['platformDraw'], now)).toEqual({ ok: false, why: 'missing' });
  expect(await claimUpload(db.conn, report._id, ['enterprises', 'staff', 'calendar', 'checklists'], now)).toEqual({ ok: false, why: 'missing' });
  expect((await setupUploadModel(db.conn).findById(report._id).lean())?.status).toBe('previewed');
  // its own
  expect((await claimUpload(db.conn, report._id, ['countyReport'], now)).ok).toBe(true);
});

test('a 情况汇报 supersedes only the older question of the same county', async () => {
  const report = (messageId: string, county: string) =>
    keepUpload(db.conn, { messageId, kind: 'countyReport', fileName: 'r.docx', data: Buffer.from(county), county, ...by }, now);
  const yongji = (await report('om_r1', '永济市')).upload;
  const yanhu = await report('om_r2', '盐湖区');
  expect(yanhu.superseded).toEqual([]);
  const yongjiAgain = await report('om_r3', '永济市');
  expect(yongjiAgain.superseded.map((u) => String(u._id))).toEqual([String(yongji._id)]);
  expect((await claimUpload(db.conn, yanhu.upload._id, ALL, now)).ok).toBe(true);
});

test('the bytes of a preview are kept a week by the wall clock (the database’s TTL), whatever day the service thinks it is', async () => {
  const past = new Date('2024-05-06T02:00:00Z');
  const kept = await keepUpload(db.conn, { messageId: 'om_past', kind: 'staff', fileName: 's.csv', data: Buffer.from('x'), ...by }, past);
  const [chunk] = await setupUploadChunkModel(db.conn).find({ upload: kept.upload._id }).lean();
  const week = 7 * 24 * 3600_000;
  expect(chunk!.expiresAt.getTime()).toBeGreaterThan(Date.now() + week - 60_000);
  expect(chunk!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + week);
});
