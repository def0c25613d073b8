import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from '../logger';

export interface WebDeps {
  log: Logger;
  healthy(): Promise<boolean>;
  /** POST /lark/events; undefined in sandbox (no Feishu app configured) */
  larkEvents: ((ctx: Koa.Context) => Promise<void>) | undefined;
  /** GET /public/results (web/publicResults.ts); undefined: answered 503 */
  publicResults?: (ctx: Koa.Context) => Promise<void>;
  /** pages of their own (the sandbox, only in sandbox mode); what they do not handle falls through */
  extra?: Koa.Middleware;
  /** the bench probe (platform/benchProbe.ts), only with SPOTCHECK_BENCH=1 */
  probe?: Koa.Middleware;
}

export function createWebApp(deps: WebDeps): Koa {
  const app = new Koa();
  const router = new Router();

  router.post('/lark/events', async (ctx) => {
    if (!deps.larkEvents) {
      ctx.status = 503;
      ctx.body = { error: '未配置飞书应用（LARK_APP_ID 等），当前为本地试用模式' };
      return;
    }
    await deps.larkEvents(ctx);
  });

  router.get('/healthz', async (ctx) => {
    const ok = await deps.healthy();
    ctx.status = ok ? 200 : 503;
    ctx.body = ok ? { status: 'ok' } : { status: 'unavailable', reason: 'database' };
  });

  router.get('/public/results', async (ctx) => {
    if (!deps.publicResults) {
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = '公示页面暂不可用';
      return;
    }
    await deps.publicResults(ctx);
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      deps.log.error({ err, path: ctx.path }, 'http request failed');
      ctx.status = 500;
      ctx.type = 'application/json';
      ctx.body = { error: 'internal error' };
    }
  });
  // A client gone before its answer was written (a closed browser tab) is no fault of the service.
  app.on('error', (err: NodeJS.ErrnoException, ctx?: Koa.Context) => {
    if (err.code === 'EPIPE' || err.code === 'ECONNRESET') deps.log.debug({ path: ctx?.path, code: err.code }, 'client went away');
    else deps.log.error({ err, path: ctx?.path }, 'http error');
  });
  if (deps.probe) app.use(deps.probe);
  if (deps.extra) app.use(deps.extra);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
