/**
 * The simulated Feishu client's transport: a new connection per delivery by default (tests restart services on the
 * same port), kept-alive connections when asked (the benchmark, like Feishu's own callback client); and the
 * emulator's identifiers, drawn from a pooled random buffer, stay well-formed and distinct across refills.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedFeishu } from '../../src/sandbox/client';
import { newCardToken, newEventId, newMessageId } from '../../src/sandbox/emulator/ids';

async function countingServer(): Promise<{ url: string; connections: () => number; open: () => number; close: () => Promise<void> }> {
  let connections = 0;
  let open = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ challenge: 'x' }));
    });
  });
  server.on('connection', (socket) => {
    connections++;
    open++;
    socket.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/lark/events`,
    connections: () => connections,
    open: () => open,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('SimulatedFeishu transport', () => {
  it.each([
    [false, 3],
    [true, 1],
  ])('keepAlive %s: three deliveries in a row use %i connection(s)', async (keepAlive, expected) => {
    const server = await countingServer();
    const feishu = new SimulatedFeishu({ botUrl: server.url, verificationToken: 't', appId: 'cli_test', keepAlive });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await feishu.urlVerification({ encrypted: false });
        expect(res.status).toBe(200);
      }
      expect(server.connections()).toBe(expected);
      feishu.close();
      // close() lets go of the kept connection; without keep-alive none was left open
      await until(() => server.open() === 0);
      expect(server.open()).toBe(0);
    } finally {
      await server.close();
    }
  });
  it('sends a delivery once more on a new connection when the kept one is closed under it (ECONNRESET, nothing answered)', async () => {
    // the server drops every connection on its second request, unanswered, as an idle timeout racing a send would
    let connections = 0;
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      const nth = ((req.socket as unknown as { served?: number }).served = ((req.socket as unknown as { served?: number }).served ?? 0) + 1);
      if (nth > 1) {
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const feishu = new SimulatedFeishu({ botUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lark/events`, verificationToken: 't', appId: 'cli_test', keepAlive: true });
    try {
      expect((await feishu.urlVerification({ encrypted: false })).status).toBe(200);
      expect((await feishu.urlVerification({ encrypted: false })).status).toBe(200);
      // the second delivery: refused on the kept connection, then answered on a new one
      expect([requests, connections]).toEqual([3, 2]);
    } finally {
      feishu.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('emulator identifiers from the pooled random buffer', () => {
  it('keep their Feishu shapes and do not repeat across many refills of the pool', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const e = newEventId();
      const m = newMessageId();
      const c = newCardToken();
      expect(e).toMatch(/^[0-9a-f]{32}$/);
      expect(m).toMatch(/^om_[0-9a-f]{32}$/);
      expect(c).toMatch(/^c-[0-9a-f]{40}$/);
      ids.add(e).add(m).add(c);
    }
    expect(ids.size).toBe(9000);
  });
});
