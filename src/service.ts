import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import type { Config } from './config';
import type { Logger } from './logger';
import { createBot } from './bot';
import { oversizeCard } from './bot/cards';
import { allJobs } from './jobs';
import { startScheduler, type Scheduler } from './jobs/scheduler';
import { DRAW_BUNDLE_SOURCE, drawBundleFile, resumeDispatch } from './operations/draw/confirmDraw';
import { createEventDispatcher } from './platform/events';
import { createLarkClient } from './platform/larkClient';
import { createMessageFileSource } from './platform/messageFiles';
import { startCalendarSync } from './operations/setup/calendarSync';
import { startLongConnection, type LongConnection } from './platform/longConnection';
import { Outbox, type OutboxOptions } from './platform/outbox';
import { BenchProbe } from './platform/benchProbe';
import { summaryFile } from './bot/progress';
import { platformTenantLookup, TenantGuard } from './platform/origin';
import { larkWebhook } from './platform/webhook';
import { openDatabase, type Database } from './store/database';
import { ensureIndexes } from './store/indexes';
import { outboxModel } from './store/outbox';
import { EventDeduper, processedEventModel } from './store/processedEvents';
import { staffModel } from './store/staff';
import { createWebApp } from './web/app';
import { publicResultsHandler } from './web/publicResults';

export interface Service {
  port: number;
  db: Database;
  outbox: Outbox;
  longConnection: LongConnection | undefined;
  scheduler: Scheduler;
  stop(): Promise<void>;
  /** where stop() is (a stop that does not end names its step): the step, and the HTTP connections still open */
  stopProgress(): { step: string; connections: number; requests: number };
}

/** Wiring only: config → database → platform → http / long connection → workers. */
export interface ServiceOptions {
  outbox?: OutboxOptions;
  /** the clock (tests and the demo move it) */
  now?: () => Date;
  /** extra pages served by the web app (the sandbox, src/sandbox/start.ts); close() ends its open streams on stop */
  web?: { middleware: Koa.Middleware; close(): void };
  /** other cron expressions by job name (tests) */
  cron?: Record<string, string>;
  /** make up today's run of a daily job missed while no instance ran (default true; jobs/scheduler.ts) */
  catchUp?: boolean;
  /** how long a callback may work before “正在处理” is answered (default: CALLBACK_DEADLINE_MS, below Feishu's 3 s) */
  callbackDeadlineMs?: number;
}

export async function startService(config: Config, log: Logger, opts: ServiceOptions = {}): Promise<Service> {
  const db = await openDatabase({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, log, role: 'service' });
  const conn = db.connection;
  // npm run bench only (SPOTCHECK_BENCH=1, refused in production): CPU, memory and commands per callback
  const probe = config.benchProbe
    ? new BenchProbe({
        // 附件5 of the city as /汇总 compiles it, timed in this process (summary_20k_* of npm run bench)
        summary: async (compiled) => {
          const made = await summaryFile(conn, new Date(), { scope: { kind: 'city' } }, compiled);
          if (!made.ok) throw new Error(`summary refused: ${made.reason}`);
          return { bytes: made.data.length, sampled: made.total?.sampled ?? 0, details: made.details.count };
        },
      })
    : undefined;
  probe?.watch(conn);
  await ensureIndexes(conn, log).catch(async (err: unknown) => {
    await db.close().catch(() => undefined);
    throw err;
  });
  const models = { outbox: outboxModel(conn), processed: processedEventModel(conn), staff: staffModel(conn) };

  // Imported holiday calendars (the years chinese-days lacks), kept in step in every instance.
  const calendarSync = await startCalendarSync(conn, log);

  const lark = config.lark;
  const client = lark ? createLarkClient(lark, log) : undefined;
  const outbox = new Outbox(models.outbox, client, lark?.appId, log, { fitCard: oversizeCard, ...opts.outbox });
  const bot = createBot({
    conn,
    outbox,
    staff: models.staff,
    log,
    now: opts.now ?? (() => new Date()),
    adminOpenIds: new Set(config.adminOpenIds ?? []),
    files: client && lark ? createMessageFileSource(client, lark.appId, log) : undefined,
  });
  const deduper = lark ? new EventDeduper(models.processed) : undefined;
  const dispatcher = lark && deduper
    ? createEventDispatcher({
        encryptKey: lark.encryptKey,
        deduper,
        handlers: bot,
        log,
        lateCard: (eventId, messageId, card) => outbox.patchCard(`late:${eventId}`, messageId, card),
        deadlineMs: opts.callbackDeadlineMs,
      })
    : undefined;

  // Our tenant: LARK_TENANT_KEY, or learned from the platform (platform/origin.ts).
  const tenant = lark && client && lark.mode === 'webhook' ? new TenantGuard({ configured: lark.tenantKey, lookup: platformTenantLookup(client), log }) : undefined;
  tenant?.start();
  const web = createWebApp({
    log,
    healthy: () => db.healthy(),
    publicResults: publicResultsHandler(conn),
    larkEvents:
      lark && dispatcher && lark.mode === 'webhook'
        ? larkWebhook({ encryptKey: lark.encryptKey, verificationToken: lark.verificationToken, appId: lark.appId, tenant, dispatcher, log })
        : undefined,
    extra: opts.web?.middleware,
    probe: probe?.middleware(),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = web.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  // what is still open when stop() waits (stopProgress)
  const open = { connections: 0, requests: 0 };
  server.on('connection', (socket: Socket) => {
    open.connections++;
    socket.once('close', () => open.connections--);
  });
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.requests++;
    res.once('close', () => open.requests--);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  const longConnection = lark && dispatcher && lark.mode === 'ws' ? startLongConnection(lark, dispatcher, log) : undefined;
  outbox.start();
  // A draw confirmed just before a crash finishes its dispatch now (idempotent).
  const now = opts.now ?? (() => new Date());
  outbox.registerFileSource(DRAW_BUNDLE_SOURCE, (ref) => drawBundleFile(conn, ref));
  const resumed = await resumeDispatch(conn, outbox, now(), log);
  if (resumed > 0) log.warn({ draws: resumed }, 'resumed interrupted draw dispatch');
  const scheduler = startScheduler(conn, allJobs({ conn, outbox, log }), log, now, { cron: opts.cron, catchUp: opts.catchUp });
  log.info({ port, database: db.kind, mode: lark ? lark.mode : 'sandbox' }, 'spotcheck started');

  let stopStep = 'running';
  return {
    port,
    db,
    outbox,
    longConnection,
    scheduler,
    async stop() {
      longConnection?.stop();
      calendarSync.stop();
      stopStep = 'scheduler';
      await scheduler.stop();
      opts.web?.close();
      stopStep = 'http';
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      // the handled marks of the last clicks, still waiting for their batch (store/processedEvents.ts drain)
      stopStep = 'deduper';
      await deduper?.drain();
      stopStep = 'outbox';
      await outbox.stop();
      stopStep = 'database';
      await db.close();
      stopStep = 'stopped';
    },
    stopProgress() {
      return { step: stopStep, connections: open.connections, requests: open.requests };
    },
  };
}
