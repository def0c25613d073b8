/**
 * The outbox at the platform's limits: 2,000 cards to 400 users (5 each), delivered by the service's own outbox
 * (in the service's process) to the emulator, which enforces Feishu's message limits and answers 230020 beyond
 * them. The cards are queued first with a delivery time in the future (through the Outbox class, as the service
 * queues them), then made due at once; the time from then until the last one is sent is compared with the
 * shortest time the limits allow for the same messages (limitBound).
 */
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mongoose';
import { createLogger } from '../../src/logger';
import { Outbox } from '../../src/platform/outbox';
import { MessageLimits } from '../../src/sandbox/emulator/rate-limiter';
import type { LarkEmulator } from '../../src/sandbox/emulator';
import { outboxModel } from '../../src/store/outbox';
import { round, type Result } from './results';

const USERS = 400;
const PER_USER = 5;

/**
 * The earliest time (ms after the first send) at which the last of these messages can be sent under the limits the
 * emulator enforces (per app: 50 a second and 1,000 a minute; per user: 5 a second; each a sliding window): each
 * message in turn, users round-robin, at the earliest instant every window allows. Greedy is optimal here: every
 * window only ever pushes a send later.
 */
export function limitBound(perUser: number[]): number {
  const order: number[] = [];
  const left = [...perUser];
  for (let more = true; more; ) {
    more = false;
    left.forEach((n, u) => {
      if (n > 0) {
        order.push(u);
        left[u] = n - 1;
        more = true;
      }
    });
  }
  const app: number[] = [];
  const byUser = new Map<number, number[]>();
  let last = 0;
  for (const u of order) {
    const mine = byUser.get(u) ?? [];
    let t = app.length > 0 ? app[app.length - 1]! : 0;
    // a window of w ms admits a send at t when fewer than `limit` sends lie in (t - w, t]
    const need = (times: number[], limit: number, windowMs: number) => (times.length >= limit ? times[times.length - limit]! + windowMs : 0);
    t = Math.max(t, need(app, MessageLimits.perAppSecond, 1000), need(app, MessageLimits.perAppMinute, 60_000), need(mine, MessageLimits.perTargetSecond, 1000));
    app.push(t);
    mine.push(t);
    byUser.set(u, mine);
    last = t;
  }
  return last;
}

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
  const bound = limitBound(users.map(() => PER_USER)) / 1000;
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
