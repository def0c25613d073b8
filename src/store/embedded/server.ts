/** TCP server: frames requests, runs them on one shared Engine, writes replies in order. */
import net from 'node:net';
import { Engine } from './engine';
import { encodeReply, parseRequest, peekRequest, splitMessages } from './protocol';
import type { Document } from './values';

export interface WireServerOptions {
  /** 0 (default) picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  log?: (msg: string) => void;
}

export interface WireServer {
  uri: string;
  port: number;
  close(): Promise<void>;
}

const SWEEP_MS = 1000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function startWireServer(opts: WireServerOptions = {}): Promise<WireServer> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';
  const engine = new Engine(log);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let replyId = 0;

  /** Runs one framed message; returns the reply bytes, or undefined when none is due. */
  function handle(msg: Buffer, connectionId: number): Buffer | undefined {
    const head = peekRequest(msg);
    let reply: Document;
    try {
      const req = parseRequest(msg);
      reply = engine.run(req.body, req.typed, { connectionId });
    } catch (e) {
      log(`connection ${connectionId}: bad message: ${message(e)}`);
      reply = { ok: 0, errmsg: `invalid message: ${message(e)}`, code: 2, codeName: 'BadValue' };
    }
    if (head.moreToCome) return undefined;
    try {
      return encodeReply(head, reply, ++replyId);
    } catch (e) {
      const errmsg = `reply could not be encoded: ${message(e)}`;
      return encodeReply(head, { ok: 0, errmsg, code: 10334, codeName: 'BSONObjectTooLarge' }, replyId);
    }
  }

  const server = net.createServer((socket) => {
    const connectionId = ++connections;
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        ({ messages, rest: pending } = splitMessages(pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk));
      } catch (e) {
        log(`connection ${connectionId}: ${message(e)}; closing`); // framing is lost: the connection cannot continue
        socket.destroy();
        return;
      }
      for (const msg of messages) {
        const bytes = handle(msg, connectionId);
        if (bytes) socket.write(bytes);
      }
    });
    socket.on('error', (e) => log(`connection ${connectionId}: ${e.message}`));
    socket.on('close', () => sockets.delete(socket));
  });

  const timer = setInterval(() => {
    try {
      engine.sweep();
    } catch (e) {
      log(`sweep failed: ${message(e)}`);
    }
  }, SWEEP_MS);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log(`server: ${e.message}`));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  log(`mongo wire server listening on ${host}:${port}`);

  return {
    uri: `mongodb://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
