/**
 * The webhook's edge, through the real HTTP server: bodies too large (declared or chunked) are answered 413
 * without resetting the connection, and envelopes of another app or tenant are answered 401 with no effect, even
 * when correctly signed with our keys (the simulated client of another app shares them here on purpose).
 */
import http from 'node:http';
import { cardText, SimulatedFeishu } from '../../src/sandbox/client';
import { outboxModel } from '../../src/store/outbox';
import { processedEventModel } from '../../src/store/processedEvents';
import { startHarness, TEST_APP, type Harness } from '../support/harness';

const USER = 'ou_edgeuser000000000000000000000001';

let h: Harness;
let agent: http.Agent;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'webhook_edge' });
});

afterAll(async () => {
  agent?.destroy();
  await h.close();
});

beforeEach(() => {
  h.emulator.reset();
  agent?.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});

async function counts() {
  const conn = h.service.db.connection;
  return { processed: await processedEventModel(conn).countDocuments(), outbox: await outboxModel(conn).countDocuments() };
}

interface Answer {
  status: number;
  body: string;
  /** the client socket, to check it is still open and reusable */
  socket: import('node:net').Socket;
  clientError?: Error;
}

/** POSTs `chunks` (64 KB each, `total` bytes) to /lark/events with chunked transfer encoding, no Content-Length. */
function postChunked(total: number, opts: { end?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let clientError: Error | undefined;
    const req = http.request(
      { host: '127.0.0.1', port: h.service.port, path: '/lark/events', method: 'POST', agent, headers: { 'content-type': 'application/json', ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: res.socket, clientError }));
      },
    );
    req.on('error', (err) => {
      clientError = err;
      reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (opts.end !== false) req.end();
    };
    req.write('{"encrypt":"');
    pump();
  });
}

function get(pathname: string): Promise<{ status: number; body: string; socket: import('node:net').Socket }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: h.service.port, path: pathname, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: res.socket }));
      })
      .on('error', reject);
  });
}

describe('bodies over 1 MB', () => {
  it('a chunked body (no Content-Length) of 3 MB is answered 413 and the connection stays usable', async () => {
    const before = await counts();
    const answer = await postChunked(3 * 1024 * 1024);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: 'body too large' });
    expect(answer.clientError).toBeUndefined();
    // The same keep-alive connection answers the next request: it was not reset.
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(health.socket).toBe(answer.socket);
    expect(await counts()).toEqual(before);
  });

  it('a client still sending gets the 413 as soon as the limit is passed, before it has finished', async () => {
    const answer = await postChunked(2 * 1024 * 1024, { end: false });
    expect(answer.status).toBe(413);
    answer.socket.destroy();
  });

  it('a declared Content-Length over the limit is answered 413, and the body sent anyway does not reset the connection', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: h.service.port, path: '/lark/events', method: 'POST', agent, headers: { 'content-length': String(body.length) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, socket: res.socket }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(413);
    expect((await get('/healthz')).status).toBe(200);
  });
});

describe('envelopes of another app or tenant', () => {
  function otherClient(opts: { appId?: string; tenantKey?: string }): SimulatedFeishu {
    return new SimulatedFeishu({
      botUrl: `http://127.0.0.1:${h.service.port}/lark/events`,
      encryptKey: TEST_APP.encryptKey,
      verificationToken: TEST_APP.verificationToken,
      appId: opts.appId ?? TEST_APP.appId,
      tenantKey: opts.tenantKey,
      emulator: h.emulator,
    });
  }

  it('a message event of another app is answered 401 with no effect', async () => {
    const before = await counts();
    const res = await otherClient({ appId: 'cli_0000000000000bad' }).sendText(USER, '/帮助');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await counts()).toEqual(before);
    expect(h.emulator.messages()).toHaveLength(0);
  });

  it('a message event of another tenant is answered 401 with no effect (our tenant learned from the platform)', async () => {
    const before = await counts();
    const res = await otherClient({ tenantKey: 'tenant_of_someone_else' }).sendText(USER, '/帮助');
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await counts()).toEqual(before);
    expect(h.emulator.messages()).toHaveLength(0);
    // Ours (same app, the emulator's tenant) is answered.
    const ok = await h.feishu.sendText(USER, '/帮助');
    expect(ok.status).toBe(200);
    const reply = await h.emulator.waitFor((m) => m.root === ok.messageId, 5000);
    expect(cardText(reply.content)).toContain('/帮助');
  });

  it('a card callback of another app or tenant is answered 401: no toast, no card, no effect', async () => {
    const ok = await h.feishu.sendText(USER, '/帮助');
    const help = await h.emulator.waitFor((m) => m.root === ok.messageId, 5000);
    const before = await counts();
    for (const other of [otherClient({ appId: 'cli_0000000000000bad' }), otherClient({ tenantKey: 'tenant_of_someone_else' })]) {
      const click = await other.clickButton(USER, help.current, (b) => b.hasCallback);
      expect(click.status).toBe(401);
      expect(click.toast).toBeUndefined();
      expect(click.card).toBeUndefined();
    }
    expect(await counts()).toEqual(before);
  });
});
