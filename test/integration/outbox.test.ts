import mongoose from 'mongoose';
import { startHarness, type Harness } from '../support/harness';
import { outboxModel } from '../../src/store/outbox';
import type { Card } from '../../src/platform/outbox';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'outbox' });
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
