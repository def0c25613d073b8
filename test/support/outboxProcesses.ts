/**
 * Several service processes on one database and one Feishu (the emulator, in this process), for the tests and the
 * bench about the platform's rate limits across processes (test/integration/multi-process-limits.test.ts,
 * scripts/bench/outboxProcesses.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startWireServer } from '../../src/store/embedded';
import type { LarkEmulator } from '../../src/sandbox/emulator';
import { MessageLimits } from '../../src/sandbox/emulator/rate-limiter';
import { TEST_APP, TEST_CALLBACK_DEADLINE_MS } from './harness';
import { pathWithoutMongod, startServiceProcess, type ServiceProcess } from './processes';

/**
 * The database the processes share: MONGODB_URI when set, else the wire server in a worker thread (so the
 * database's work does not delay the emulator, which runs in this process and stamps each call's arrival).
 */
export async function sharedDatabase(): Promise<{ uri: string; kind: 'external' | 'wire-server'; close(): Promise<void> }> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, kind: 'external', close: async () => {} };
  const server = await startWireServer({ worker: true });
  return { uri: server.uri, kind: 'wire-server', close: () => server.close() };
}

/** `n` different free ports (held open together while chosen, so parallel starts never pick the same one). */
async function distinctPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.on('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/**
 * Starts `n` service processes (the real service: test/support/serviceProcess.ts) on `uri`, against the emulator.
 * Each has a data directory of its own in the OS temp dir, removed once that process has exited (stop, kill or crash).
 */
export async function startInstances(
  n: number,
  opts: { uri: string; emulator: LarkEmulator; name: string; cron?: Record<string, string>; logLevel?: string },
): Promise<ServiceProcess[]> {
  const ports = await distinctPorts(n);
  const dataDirs = Array.from({ length: n }, (_, i) => mkdtempSync(path.join(os.tmpdir(), `spotcheck-${opts.name}-${i}-`)));
  const removeDataDir = (i: number) => rmSync(dataDirs[i]!, { recursive: true, force: true });
  const env = (i: number): Record<string, string> => ({
    PORT: String(ports[i]),
    PATH: pathWithoutMongod(),
    MONGODB_URI: opts.uri,
    LARK_APP_ID: TEST_APP.appId,
    LARK_APP_SECRET: TEST_APP.appSecret,
    LARK_ENCRYPT_KEY: TEST_APP.encryptKey,
    LARK_VERIFICATION_TOKEN: TEST_APP.verificationToken,
    LARK_DOMAIN: opts.emulator.url,
    LARK_MODE: 'webhook',
    LOG_LEVEL: opts.logLevel ?? 'info',
    SPOTCHECK_DATA_DIR: dataDirs[i]!,
    SPOTCHECK_TEST_SERVICE_OPTIONS: JSON.stringify({
      ...(opts.cron ? { cron: opts.cron } : {}),
      outbox: { pollMs: 100 },
      callbackDeadlineMs: TEST_CALLBACK_DEADLINE_MS,
    }),
  });
  const started = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => startServiceProcess(env(i), { entry: 'test/support/serviceProcess.ts', timeoutMs: 120_000 })),
  );
  // Registered before any caller can await the exit, so `await p.stop()` returns with the directory gone.
  started.forEach((s, i) => {
    if (s.status === 'fulfilled') void s.value.exited.then(() => removeDataDir(i));
  });
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((p) => p.stop()));
    // the processes that never became healthy have been killed (startServiceProcess) or had exited
    started.forEach((s, i) => {
      if (s.status === 'rejected') removeDataDir(i);
    });
    throw (failed as PromiseRejectedResult).reason;
  }
  return ok;
}

const SEND_PATH = /^\/open-apis\/im\/v1\/messages(\/[^/]+\/reply)?$/;

export interface DeliveryFigures {
  /** messages the platform accepted (create and reply) */
  accepted: number;
  /** uuids the platform accepted more than once (a message shown twice) */
  duplicates: number;
  /** answers 230020 (message rate limit) */
  rateLimited: number;
  /** the most messages one receiver got */
  busiestReceiver: number;
  /** the time the limits allow for these messages (limitBoundSeconds) */
  boundSeconds: number;
  /** the most accepted sends in any one-second window (the platform allows 50), and to one receiver (5) */
  peakPerSecond: number;
  peakPerReceiverSecond: number;
}

/** What the emulator saw of message sends since `sinceSeq` (create and reply; patches and uploads aside). */
export function deliveryFigures(emulator: LarkEmulator, sinceSeq = 0): DeliveryFigures {
  const requests = emulator.requests.filter((r) => r.seq > sinceSeq && r.method === 'POST' && SEND_PATH.test(r.path));
  const accepted = requests.filter((r) => r.status === 200);
  const rateLimited = requests.filter((r) => (r.response as { code?: number } | undefined)?.code === 230020).length;
  const byUuid = new Map<string, number>();
  const byReceiver = new Map<string, number[]>();
  for (const r of accepted) {
    const body = r.body as { uuid?: string; receive_id?: string };
    const uuid = body.uuid ?? `seq:${r.seq}`;
    byUuid.set(uuid, (byUuid.get(uuid) ?? 0) + 1);
    const receiver = body.receive_id ?? r.path;
    byReceiver.set(receiver, [...(byReceiver.get(receiver) ?? []), r.at]);
  }
  const busiestReceiver = Math.max(0, ...[...byReceiver.values()].map((t) => t.length));
  return {
    accepted: accepted.length,
    duplicates: [...byUuid.values()].filter((n) => n > 1).length,
    rateLimited,
    busiestReceiver,
    boundSeconds: limitBoundSeconds([...byReceiver.values()].map((t) => t.length)),
    peakPerSecond: peakInWindow(accepted.map((r) => r.at), 1000),
    peakPerReceiverSecond: Math.max(0, ...[...byReceiver.values()].map((t) => peakInWindow(t, 1000))),
  };
}

/**
 * The earliest time (s after the first send) at which the last of these messages can be sent under the limits the
 * emulator enforces (per app: 50 a second and 1,000 a minute; per receiver: 5 a second; each a sliding window):
 * each message in turn, receivers round-robin, at the earliest instant every window allows. Greedy is optimal here:
 * every window only ever pushes a send later. (The same bound as the outbox bench's `outbox_time_vs_bound`.)
 */
export function limitBoundSeconds(perReceiver: number[]): number {
  const order: number[] = [];
  const left = [...perReceiver];
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
  const byReceiver = new Map<number, number[]>();
  let last = 0;
  // a window of w ms admits a send at t when fewer than `limit` sends lie in (t - w, t]
  const need = (times: number[], limit: number, windowMs: number) => (times.length >= limit ? times[times.length - limit]! + windowMs : 0);
  for (const u of order) {
    const mine = byReceiver.get(u) ?? [];
    let t = app.length > 0 ? app[app.length - 1]! : 0;
    t = Math.max(t, need(app, MessageLimits.perAppSecond, 1000), need(app, MessageLimits.perAppMinute, 60_000), need(mine, MessageLimits.perTargetSecond, 1000));
    app.push(t);
    mine.push(t);
    byReceiver.set(u, mine);
    last = t;
  }
  return last / 1000;
}

/**
 * The same bound for messages that become available over time (a dispatch queues them as it goes): each message in
 * the order it was queued, not before it was queued, at the earliest instant every window allows. Returns seconds
 * from the first release to the last send.
 */
export function streamBoundSeconds(messages: { receiver: string; release: number }[]): number {
  const sorted = [...messages].sort((a, b) => a.release - b.release);
  if (sorted.length === 0) return 0;
  const start = sorted[0]!.release;
  const app: number[] = [];
  const byReceiver = new Map<string, number[]>();
  const need = (times: number[], limit: number, windowMs: number) => (times.length >= limit ? times[times.length - limit]! + windowMs : 0);
  let last = start;
  for (const m of sorted) {
    const mine = byReceiver.get(m.receiver) ?? [];
    const t = Math.max(last, m.release, need(app, MessageLimits.perAppSecond, 1000), need(app, MessageLimits.perAppMinute, 60_000), need(mine, MessageLimits.perTargetSecond, 1000));
    app.push(t);
    mine.push(t);
    byReceiver.set(m.receiver, mine);
    last = t;
  }
  return (last - start) / 1000;
}

/** The most instants in any window (t − windowMs, t]. */
export function peakInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Lines of `msg` in every process's log, per process. */
export function logCounts(processes: ServiceProcess[], msg: string): number[] {
  return processes.map((p) => p.logs().filter((l) => l.msg === msg).length);
}
