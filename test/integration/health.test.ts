import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { startService } from '../../src/service';
import { startWireServer } from '../../src/store/embedded';

describe('GET /healthz', () => {
  it('is 200 while the database answers and 503 once it is gone', async () => {
    const db = await startWireServer();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-health-'));
    const service = await startService(
      {
        port: 0,
        production: false,
        mongodbUri: `${db.uri.replace(/\/$/, '')}/health`,
        lark: undefined,
        dataDir,
        logLevel: 'silent',
      },
      createLogger('silent'),
    );
    try {
      const url = `http://127.0.0.1:${service.port}/healthz`;
      const up = await fetch(url);
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ status: 'ok' });
      await db.close();
      const down = await fetch(url);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'unavailable' });
      // Sandbox: no Feishu app, so the webhook explains itself instead of pretending.
      const events = await fetch(`http://127.0.0.1:${service.port}/lark/events`, { method: 'POST', body: '{}' });
      expect(events.status).toBe(503);
    } finally {
      await service.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stopProgress: running with a kept-alive connection, stopped with nothing open', async () => {
    const db = await startWireServer();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-health-'));
    const config = { port: 0, production: false, mongodbUri: `${db.uri.replace(/\/$/, '')}/health2`, lark: undefined, dataDir, logLevel: 'silent' };
    const service = await startService(config, createLogger('silent'));
    try {
      expect(service.stopProgress()).toEqual({ step: 'running', connections: 0, requests: 0 });
      const res = await fetch(`http://127.0.0.1:${service.port}/healthz`);
      await res.text();
      // fetch keeps its connection alive; the request itself is over
      expect(service.stopProgress()).toMatchObject({ step: 'running', connections: 1, requests: 0 });
      await service.stop();
      expect(service.stopProgress()).toEqual({ step: 'stopped', connections: 0, requests: 0 });
    } finally {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
