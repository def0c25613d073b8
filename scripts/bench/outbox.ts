/**
 * The outbox at the platform's limits: 2,000 cards to 400 users (5 each), delivered by the service's own outbox
 * (in the service's process) to the emulator, which enforces Feishu's message limits and answers 230020 beyond
 * them. The cards are queued first with a delivery time in the future (through the Outbox class, as the service
 * queues them), then made due at once; the time from then until the last one is sent is compared with the
 * shortest time the limits allow for the same messages (limitBoundSeconds, shared with the multi-process test).
 */
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mongoose';
import { createLogger } from '../../src/logger';
import { Outbox } from '../../src/platform/outbox';
import type { LarkEmulator } from '../../src/sandbox/emulator';
import { outboxModel } from '../../src/store/outbox';
import { round, type Result } from './results';
import { limitBoundSeconds } from '../../test/support/outboxProcesses';

const USERS = 400;
const PER_USER = 5;

export async function benchOutbox(conn: Connection, emulator: LarkEmulator): Promise<Result[]> {
  const users = Array.from({ length: USERS }, (_, i) => `ou_benchoutbox${String(i).padStart(20, '0')}`);
  const card = (text: string) => ({ schema: '2.0', body: { elements: [{ tag: 'markdown', content: text }] } });
  // Queued as the service queues them, but due an hour from now: nothing goes out before the clock starts.
  const later = new Date(Date.now() + 3600_000);
  const queue = new Outbox(outboxModel(conn), undefined, undefined, createLogger('silent'), {}, () => later);
  let total = 0;
  for (let round = 0; round < PER_USER; round++) {
    for (const u of users) {
      await queue.sendCard(`bench:outbox:${u}:${round}`, { openId: u }, card(`第${round + 1}条（压测）`));
      total++;
    }
  }
  const before = emulator.messages().length;
  const limitedBefore = emulator.rateLimited.total;
  const model = outboxModel(conn);
  const t0 = performance.now();
  await model.updateMany({ key: /^bench:outbox:/ }, { $set: { nextAttemptAt: new Date() } });
  for (;;) {
    const open = await model.countDocuments({ key: /^bench:outbox:/, status: { $in: ['pending', 'sending'] } });
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - t0) / 1000;
  const failed = await model.countDocuments({ key: /^bench:outbox:/, status: 'failed' });
  const sent = emulator.messages().slice(before).filter((m) => m.receive_id.startsWith('ou_benchoutbox'));
  const byUuid = new Map<string, number>();
  for (const m of sent) byUuid.set(m.uuid ?? m.message_id, (byUuid.get(m.uuid ?? m.message_id) ?? 0) + 1);
  const bound = limitBoundSeconds(users.map(() => PER_USER));
  return [
    { name: 'outbox_messages', value: total, unit: 'messages' },
    { name: 'outbox_delivered', value: sent.length, unit: 'messages' },
    { name: 'outbox_failed', value: failed, unit: 'messages' },
    { name: 'outbox_seconds', value: round(seconds, 2), unit: 's' },
    { name: 'outbox_bound_s', value: round(bound, 2), unit: 's' },
    { name: 'outbox_time_vs_bound', value: round(seconds / bound, 3), unit: 'ratio' },
    { name: 'outbox_duplicates', value: [...byUuid.values()].filter((n) => n > 1).length + Math.max(0, sent.length - total), unit: 'messages' },
    { name: 'outbox_rate_limited', value: emulator.rateLimited.total - limitedBefore, unit: 'responses' },
  ];
}
