import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { startHarness, type Harness } from '../support/harness';
import { FILE_CHUNK_BYTES, FILE_KEPT_AFTER_UPLOAD_MS, outboxFileChunkModel, outboxModel, type OutboxEntry } from '../../src/store/outbox';
import type { Card } from '../../src/platform/outbox';

let h: Harness;

beforeAll(async () => {
  // Command monitoring: the file tests check the size of every command the service sends.
  h = await startHarness({ dbPrefix: 'outbox', mongoUriQuery: 'monitorCommands=true' });
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

const users = ['ou_a0000000000000000000000000000001', 'ou_b0000000000000000000000000000002', 'ou_c0000000000000000000000000000003', 'ou_d0000000000000000000000000000004'];

function card(text: string): Card {
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: '测试' }, template: 'blue' },
    body: { elements: [{ tag: 'markdown', content: text }] },
  };
}

function model() {
  return outboxModel(h.service.db.connection);
}

/** Waits until every entry with the key prefix is out of the queue (sent or failed). */
async function settled(prefix: string, expected: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const filter = { key: { $regex: `^${prefix}` } };
  for (;;) {
    const done = await model().countDocuments({ ...filter, status: { $in: ['sent', 'failed'] } });
    if (done === expected) return;
    if (Date.now() > deadline) {
      const open = await model().find({ ...filter, status: { $nin: ['sent', 'failed'] } }).lean();
      throw new Error(`outbox not settled: ${done}/${expected}; open: ${JSON.stringify(open.map((o) => [o.key, o.status, o.lastError]))}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function chunks() {
  return outboxFileChunkModel(h.service.db.connection);
}

/** An uploaded file's chunks: all `count` still there, each to expire about an hour from now (not a week). */
async function expectKeptForAnHour(file: mongoose.Types.ObjectId, count: number): Promise<void> {
  const kept = await chunks().find({ file }).lean();
  expect(kept).toHaveLength(count);
  for (const c of kept) {
    expect(c.expiresAt.getTime()).toBeGreaterThan(Date.now() + FILE_KEPT_AFTER_UPLOAD_MS - 5 * 60_000);
    expect(c.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + FILE_KEPT_AFTER_UPLOAD_MS);
  }
}

/** The encoded size of a command or document (mongoose's own BSON, which knows its ObjectIds). */
function bsonBytes(doc: object): number {
  return mongoose.mongo.BSON.calculateObjectSize(doc as mongoose.mongo.BSON.Document);
}

/** Every command the service sends while `run` runs (name, collection, encoded size). */
async function commandsDuring(run: () => Promise<void>): Promise<{ name: string; collection: unknown; bytes: number }[]> {
  const seen: { name: string; collection: unknown; bytes: number }[] = [];
  const client = h.service.db.connection.getClient();
  const listener = (e: CommandStartedEvent) => seen.push({ name: e.commandName, collection: e.command[e.commandName], bytes: bsonBytes(e.command) });
  client.on('commandStarted', listener);
  try {
    await run();
  } finally {
    client.off('commandStarted', listener);
  }
  return seen;
}

function uploads() {
  return h.emulator.requests.filter((r) => r.path === '/open-apis/im/v1/files');
}

/** Queues with the worker stopped, so the test can change the database before anything is delivered. */
async function queuedWhileStopped(queue: () => Promise<void>, meanwhile: () => Promise<void>): Promise<void> {
  await h.service.outbox.stop();
  try {
    await queue();
    await meanwhile();
  } finally {
    h.service.outbox.start();
  }
}

function markdownOf(content: Record<string, unknown>): string {
  const body = content.body as { elements: { content: string }[] };
  return body.elements[0].content;
}

describe('outbox delivery', () => {
  it('delivers every message exactly once through a burst of 230020 and 5xx', async () => {
    h.emulator.injectFaults([
      { method: 'POST', path: '/open-apis/im/v1/messages', times: 6, action: { type: 'rate_limit' } },
      { method: 'POST', path: '/open-apis/im/v1/messages', times: 3, action: { type: 'status', status: 503 } },
      { method: 'POST', path: '/open-apis/im/v1/messages', times: 2, action: { type: 'status', status: 500 } },
    ]);
    for (let i = 0; i < 20; i++) {
      await h.service.outbox.sendCard(`burst:${i}`, { openId: users[i % 4] }, card(`第${i}条`));
    }
    await settled('burst:', 20);
    expect(h.emulator.pendingFaults()).toBe(0);
    expect(await model().countDocuments({ key: /^burst:/, status: 'sent' })).toBe(20);
    const texts = h.emulator.messages().map((m) => markdownOf(m.content)).sort();
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `第${i}条`).sort());
    const failedAttempts = h.emulator.requests.filter((r) => r.fault && r.path === '/open-apis/im/v1/messages');
    expect(failedAttempts).toHaveLength(11);
  });

  it('enqueuing the same key twice sends once', async () => {
    await h.service.outbox.sendCard('dup:1', { openId: users[0] }, card('一次'));
    await h.service.outbox.sendCard('dup:1', { openId: users[0] }, card('一次'));
    await settled('dup:', 1);
    await h.outboxIdle();
    expect(await model().countDocuments({ key: 'dup:1' })).toBe(1);
    expect(h.emulator.messages()).toHaveLength(1);
  });

  it('honours x-ogw-ratelimit-reset on HTTP 429', async () => {
    h.emulator.injectFaults({ method: 'POST', path: '/open-apis/im/v1/messages', times: 1, action: { type: 'too_many_requests', resetSeconds: 1 } });
    await h.service.outbox.sendCard('reset:1', { openId: users[1] }, card('稍后'));
    await settled('reset:', 1);
    const attempts = h.emulator.requests.filter((r) => r.path === '/open-apis/im/v1/messages');
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(1000);
  });

  it('fetches a new token after 99991663 and delivers', async () => {
    await h.service.outbox.sendCard('tok:0', { openId: users[2] }, card('令牌前'));
    await settled('tok:', 1);
    const mark = h.emulator.requests.length;
    h.emulator.expireTokens();
    await h.service.outbox.sendCard('tok:1', { openId: users[2] }, card('令牌后'));
    await settled('tok:', 2);
    const after = h.emulator.requests.slice(mark).map((r) => `${r.path} ${r.status}`);
    expect(after).toEqual([
      '/open-apis/im/v1/messages 400',
      '/open-apis/auth/v3/tenant_access_token/internal 200',
      '/open-apis/im/v1/messages 200',
    ]);
    expect(h.emulator.messages().map((m) => markdownOf(m.content))).toContain('令牌后');
  });

  it('stays within the platform rate limits under a burst to one user', async () => {
    const started = Date.now();
    for (let i = 0; i < 16; i++) await h.service.outbox.sendCard(`rate:${i}`, { openId: users[3] }, card(`限流${i}`));
    await settled('rate:', 16);
    expect(h.emulator.rateLimited.total).toBe(0);
    expect(h.emulator.messagesTo(users[3])).toHaveLength(16);
    // 16 messages at 5 per second need at least three seconds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    // Order per recipient is kept.
    expect(h.emulator.messagesTo(users[3]).map((m) => markdownOf(m.content))).toEqual(Array.from({ length: 16 }, (_, i) => `限流${i}`));
  });

  it('gives up on a card the platform refuses, without retrying', async () => {
    const bad = { ...card('坏卡片'), body: { elements: [{ tag: 'action', actions: [] }] } };
    await h.service.outbox.sendCard('bad:1', { openId: users[0] }, bad);
    await settled('bad:', 1);
    const doc = await model().findOne({ key: 'bad:1' }).lean();
    expect(doc?.status).toBe('failed');
    expect(doc?.attempts).toBe(1);
    expect(doc?.lastError).toContain('230099');
  });

  it('uploads a file once and sends it as a file message', async () => {
    const data = Buffer.from('PK\u0003\u0004 fake xlsx bytes');
    await h.service.outbox.sendFile('file:1', { openId: users[1] }, { name: '汇总表.xlsx', type: 'xls', data });
    await settled('file:', 1);
    expect(h.emulator.files()).toHaveLength(1);
    expect(h.emulator.files()[0].file_name).toBe('汇总表.xlsx');
    expect(h.emulator.files()[0].data.equals(data)).toBe(true);
    const [msg] = h.emulator.messagesTo(users[1]);
    expect(msg.msg_type).toBe('file');
    expect(msg.content.file_key).toBe(h.emulator.files()[0].file_key);
  });
});

describe('files queued with their bytes', () => {
  beforeEach(async () => {
    await chunks().deleteMany({});
  });

  it('stores a large file in chunks, one per command, and delivers it byte for byte', async () => {
    const data = randomBytes(1_700_000);
    const commands = await commandsDuring(async () => {
      await h.service.outbox.sendFile('big:1', { openId: users[2] }, { name: '汇总表.xlsx', type: 'xls', data });
      await settled('big:', 1);
    });
    const [file] = h.emulator.files();
    expect(h.emulator.files()).toHaveLength(1);
    expect(file.data.length).toBe(data.length);
    expect(file.data.equals(data)).toBe(true);
    expect(h.emulator.messagesTo(users[2])[0].content.file_key).toBe(file.file_key);
    // Seven chunks, each written by its own insert; no command (the entry's upsert and claim included) near the size
    // of two chunks.
    const written = commands.filter((c) => c.name === 'insert' && c.collection === 'outbox_files');
    expect(written).toHaveLength(Math.ceil(data.length / FILE_CHUNK_BYTES));
    expect(written.length).toBeGreaterThanOrEqual(7);
    expect(Math.max(...written.map((c) => c.bytes))).toBeGreaterThan(FILE_CHUNK_BYTES);
    const largest = commands.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    expect(largest.bytes).toBeLessThan(FILE_CHUNK_BYTES + 4096);
    const entry = await model().findOne({ key: 'big:1' }).lean<OutboxEntry>();
    expect(entry?.status).toBe('sent');
    expect(bsonBytes(entry!)).toBeLessThan(1024);
    expect(entry?.file?.stored).toMatchObject({ bytes: data.length, chunks: written.length });
    // Uploaded: the chunks stay for an hour, no longer (a process that claimed the entry again may still read them).
    await expectKeptForAnHour(entry!.file!.stored!.id, written.length);
  });

  it('queues a file sent twice under one key once, and leaves no chunks behind', async () => {
    const data = randomBytes(600_000);
    // At once: both calls store their chunks before either queues the entry; the one that loses deletes its own.
    await Promise.all([
      h.service.outbox.sendFile('twice:1', { openId: users[0] }, { name: '汇总表.xlsx', type: 'xls', data }),
      h.service.outbox.sendFile('twice:1', { openId: users[0] }, { name: '汇总表.xlsx', type: 'xls', data }),
    ]);
    // Later: the key is found queued, nothing is stored.
    await h.service.outbox.sendFile('twice:1', { openId: users[0] }, { name: '汇总表.xlsx', type: 'xls', data });
    await settled('twice:', 1);
    await h.outboxIdle();
    expect(await model().countDocuments({ key: 'twice:1' })).toBe(1);
    expect(h.emulator.files()).toHaveLength(1);
    expect(h.emulator.files()[0].data.equals(data)).toBe(true);
    expect(h.emulator.messagesTo(users[0])).toHaveLength(1);
    // the losing call's chunks are gone, the queued file's kept for an hour
    const entry = await model().findOne({ key: 'twice:1' }).lean<OutboxEntry>();
    await expectKeptForAnHour(entry!.file!.stored!.id, Math.ceil(data.length / FILE_CHUNK_BYTES));
    expect(await chunks().countDocuments({})).toBe(Math.ceil(data.length / FILE_CHUNK_BYTES));
  });

  it('reads the chunks again when the upload failed once, and uploads once', async () => {
    h.emulator.injectFaults({ method: 'POST', path: '/open-apis/im/v1/files', times: 1, action: { type: 'status', status: 503 } });
    const data = randomBytes(700_000);
    await h.service.outbox.sendFile('reupload:1', { openId: users[1] }, { name: '汇总表.xlsx', type: 'xls', data });
    await settled('reupload:', 1);
    expect(uploads().map((r) => r.status)).toEqual([503, 200]);
    expect(h.emulator.files()).toHaveLength(1);
    expect(h.emulator.files()[0].data.equals(data)).toBe(true);
    expect(h.emulator.messagesTo(users[1])).toHaveLength(1);
    const entry = await model().findOne({ key: 'reupload:1' }).lean<OutboxEntry>();
    expect(entry).toMatchObject({ status: 'sent', attempts: 2 });
    await expectKeptForAnHour(entry!.file!.stored!.id, Math.ceil(data.length / FILE_CHUNK_BYTES));
  });

  it('fails an entry whose chunks are missing or altered, and uploads nothing', async () => {
    const data = randomBytes(1_000_000);
    await queuedWhileStopped(
      async () => {
        await h.service.outbox.sendFile('broken:missing', { openId: users[3] }, { name: '汇总表.xlsx', type: 'xls', data });
        await h.service.outbox.sendFile('broken:altered', { openId: users[3] }, { name: '汇总表.xlsx', type: 'xls', data });
      },
      async () => {
        const missing = (await model().findOne({ key: 'broken:missing' }).lean<OutboxEntry>())!.file!.stored!;
        expect((await chunks().deleteOne({ file: missing.id, n: 2 })).deletedCount).toBe(1);
        const altered = (await model().findOne({ key: 'broken:altered' }).lean<OutboxEntry>())!.file!.stored!;
        const wrong = Buffer.from(data.subarray(FILE_CHUNK_BYTES, 2 * FILE_CHUNK_BYTES));
        wrong[0] ^= 0xff;
        expect((await chunks().updateOne({ file: altered.id, n: 1 }, { $set: { data: wrong } })).modifiedCount).toBe(1);
      },
    );
    await settled('broken:', 2);
    const missing = await model().findOne({ key: 'broken:missing' }).lean<OutboxEntry>();
    expect(missing?.status).toBe('failed');
    expect(missing?.lastError).toMatch(/^-4 stored file [0-9a-f]{24} is incomplete: chunk 2 of 4 missing/);
    const altered = await model().findOne({ key: 'broken:altered' }).lean<OutboxEntry>();
    expect(altered?.status).toBe('failed');
    expect(altered?.lastError).toMatch(/^-4 stored file [0-9a-f]{24} does not match what was queued/);
    for (const e of [missing, altered]) expect(e?.lastError).not.toMatch(/[\u3000-\u9fff]/);
    expect(uploads()).toHaveLength(0);
    expect(h.emulator.messagesTo(users[3])).toHaveLength(0);
  });

  it('refuses an empty file or one over 30 MB as before, storing nothing', async () => {
    await h.service.outbox.sendFile('size:empty', { openId: users[2] }, { name: '空.xlsx', type: 'xls', data: Buffer.alloc(0) });
    await h.service.outbox.sendFile('size:huge', { openId: users[2] }, { name: '大.xlsx', type: 'xls', data: Buffer.alloc(30 * 1024 * 1024 + 1) });
    await settled('size:', 2);
    expect((await model().findOne({ key: 'size:empty' }).lean<OutboxEntry>())?.lastError).toBe('-3 file size 0 bytes is outside what Feishu accepts (1 byte to 30 MB)');
    expect((await model().findOne({ key: 'size:huge' }).lean<OutboxEntry>())?.lastError).toBe(
      `-3 file size ${30 * 1024 * 1024 + 1} bytes is outside what Feishu accepts (1 byte to 30 MB)`,
    );
    expect(await chunks().countDocuments({})).toBe(0);
    expect(uploads()).toHaveLength(0);
  });

  it('still delivers an entry queued before the upgrade, with the bytes in the entry', async () => {
    const data = randomBytes(50_000);
    await queuedWhileStopped(
      async () => {
        // As the previous version queued a file: one document holding its bytes.
        const now = new Date();
        await model().create({
          key: 'legacy:1',
          kind: 'file',
          receiveIdType: 'open_id',
          receiveId: users[1],
          rateKey: `user:${users[1]}`,
          msgType: 'file',
          file: { name: '旧.xlsx', type: 'xls', data },
          uuid: 'legacy-uuid-0000000000000000000000000001',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
        });
      },
      async () => undefined,
    );
    await settled('legacy:', 1);
    expect(h.emulator.files()).toHaveLength(1);
    expect(h.emulator.files()[0].file_name).toBe('旧.xlsx');
    expect(h.emulator.files()[0].data.equals(data)).toBe(true);
    expect(h.emulator.messagesTo(users[1])[0].content.file_key).toBe(h.emulator.files()[0].file_key);
  });
});

describe('crash safety', () => {
  it('delivers what was queued before a restart', async () => {
    h.emulator.injectFaults({ method: 'POST', path: '/open-apis/im/v1/messages', times: Infinity, action: { type: 'status', status: 503 } });
    for (let i = 0; i < 3; i++) await h.service.outbox.sendCard(`restart:${i}`, { openId: users[i] }, card(`重启${i}`));
    await h.emulator.waitForRequest((r) => r.fault !== undefined);
    await h.stopService();
    h.emulator.clearFaults();
    await h.startServiceAgain();
    await settled('restart:', 3);
    expect(h.emulator.messages().map((m) => markdownOf(m.content)).sort()).toEqual(['重启0', '重启1', '重启2']);
  });

  it('a message Feishu accepted just before a crash is not shown twice (same uuid)', async () => {
    await h.service.outbox.sendCard('crash:1', { openId: users[0] }, card('只一次'));
    await settled('crash:', 1);
    await h.stopService();
    // As if the process died after Feishu accepted the message but before the outbox recorded it.
    const side = await mongoose.createConnection(h.config.mongodbUri!).asPromise();
    try {
      const res = await outboxModel(side).updateOne(
        { key: 'crash:1' },
        { $set: { status: 'sending', leaseUntil: new Date(Date.now() - 1000) }, $unset: { messageId: 1, sentAt: 1 } },
      );
      expect(res.modifiedCount).toBe(1);
    } finally {
      await side.close();
    }
    await h.startServiceAgain();
    await settled('crash:', 1);
    const creates = h.emulator.requests.filter((r) => r.path === '/open-apis/im/v1/messages' && r.status === 200);
    expect(creates).toHaveLength(2);
    expect((creates[0].body as { uuid: string }).uuid).toBe((creates[1].body as { uuid: string }).uuid);
    expect(h.emulator.messages()).toHaveLength(1);
  });
});
