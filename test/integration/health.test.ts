import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { startService, type Service } from '../../src/service';
import { startWireServer, type WireServer } from '../../src/store/embedded';

/** A sandbox service (no Feishu app) on a wire server of its own, database `dbName`; cleanUp() removes its dir. */
async function startOwnService(dbName: string): Promise<{ db: WireServer; service: Service; cleanUp(): void }> {
  const db = await startWireServer();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-health-'));
  const service = await startService(
    { port: 0, production: false, mongodbUri: `${db.uri.replace(/\/$/, '')}/${dbName}`, lark: undefined, dataDir, logLevel: 'silent' },
    createLogger('silent'),
  );
  return { db, service, cleanUp: () => rmSync(dataDir, { recursive: true, force: true }) };
}

describe('GET /healthz', () => {
  it('is 200 while the database answers and 503 once it is gone', async () => {
    const { db, service, cleanUp } = await startOwnService('health');
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
      cleanUp();
    }
  });

  it('stopProgress: running with a kept-alive connection, stopped with nothing open', async () => {
    const { db, service, cleanUp } = await startOwnService('health2');
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
      cleanUp();
    }
  });
});
