/**
 * TCP server: frames requests, runs them on one shared Engine, writes replies in order. With `worker: true` the
 * server (TCP included) runs in a worker thread, so a long command cannot block the caller's event loop.
 */
import net from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Engine } from './engine';
import { encodeReplyParts, parseRequest, peekRequest, splitMessages } from './protocol';
import type { Document } from './values';

export interface WireServerOptions {
  /** 0 (default) picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  log?: (msg: string) => void;
  /**
   * Run the engine and the TCP server in a worker thread (worker.ts): commands never block the event loop of the
   * process that started it. Same interface; `close()` stops the worker.
   */
  worker?: boolean;
}

export interface WireServer {
  uri: string;
  port: number;
  close(): Promise<void>;
  /** the engine itself, in this thread only (not with `worker`): for tests that look at how it answered */
  engine?: Engine;
}

const SWEEP_MS = 1000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function startWireServer(opts: WireServerOptions = {}): Promise<WireServer> {
  return opts.worker ? startInWorker(opts) : startInProcess(opts);
}

/** What the main thread and the worker say to each other. */
export type ToWorker = { type: 'close' };
export type FromWorker =
  | { type: 'ready'; uri: string; port: number }
  | { type: 'log'; msg: string }
  | { type: 'error'; message: string }
  | { type: 'closed' };
export interface WorkerConfig {
  port?: number;
  host?: string;
  forwardLog: boolean;
}

const CLOSE_TIMEOUT_MS = 5000;

/**
 * Compiled (dist/…/server.js): the worker runs the sibling worker.js. From TypeScript sources (tsx in development,
 * jest’s swc transform in tests), it registers tsx's CommonJS hook first, then loads worker.ts.
 */
function spawnWorker(config: WorkerConfig): Worker {
  if (path.extname(__filename) === '.js') return new Worker(path.join(__dirname, 'worker.js'), { workerData: config });
  const entry = path.join(__dirname, 'worker.ts');
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData: config, execArgv: [] });
}

async function startInWorker(opts: WireServerOptions): Promise<WireServer> {
  const log = opts.log ?? (() => {});
  const worker = spawnWorker({ port: opts.port, host: opts.host, forwardLog: opts.log !== undefined });
  let closing = false;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const ready = await new Promise<{ uri: string; port: number }>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'log') log(m.msg);
      else if (m.type === 'error') reject(new Error(`mongo wire server worker: ${m.message}`));
    });
    worker.once('error', reject);
    void exited.then((code) => reject(new Error(`mongo wire server worker exited with code ${code} before it was ready`)));
  });
  worker.on('error', (e) => log(`worker: ${message(e)}`));
  void exited.then((code) => {
    if (!closing) log(`mongo wire server worker exited unexpectedly (code ${code})`);
  });
  return {
    uri: ready.uri,
    port: ready.port,
    async close() {
      if (closing) {
        await exited;
        return;
      }
      closing = true;
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'closed') resolve();
        });
        void exited.then(() => resolve());
        setTimeout(resolve, CLOSE_TIMEOUT_MS).unref();
      });
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await closed;
      await worker.terminate();
    },
  };
}

/** The server on this thread's event loop. */
export async function startInProcess(opts: WireServerOptions = {}): Promise<WireServer> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';
  const engine = new Engine(log);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let replyId = 0;

  /** Runs one framed message; returns the reply bytes, or undefined when none is due. */
  function handle(msg: Buffer, connectionId: number): [Buffer, Buffer] | undefined {
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
      return encodeReplyParts(head, reply, ++replyId);
    } catch (e) {
      const errmsg = `reply could not be encoded: ${message(e)}`;
      return encodeReplyParts(head, { ok: 0, errmsg, code: 10334, codeName: 'BSONObjectTooLarge' }, replyId);
    }
  }

  const server = net.createServer((socket) => {
    const connectionId = ++connections;
    sockets.add(socket);
    socket.setNoDelay(true);
    // chunks are joined only once a whole message is there (joining on every chunk is quadratic for big batches)
    let chunks: Buffer[] = [];
    let buffered = 0;
    let needed = 4;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < needed) return;
      let messages: Buffer[];
      try {
        const { messages: complete, rest } = splitMessages(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered));
        messages = complete;
        chunks = rest.length > 0 ? [rest] : [];
        buffered = rest.length;
        needed = rest.length >= 4 ? rest.readInt32LE(0) : 4;
      } catch (e) {
        log(`connection ${connectionId}: ${message(e)}; closing`); // framing is lost: the connection cannot continue
        socket.destroy();
        return;
      }
      for (const msg of messages) {
        const parts = handle(msg, connectionId);
        if (parts) {
          // header and document in one write of the socket (writev)
          socket.cork();
          socket.write(parts[0]);
          socket.write(parts[1]);
          socket.uncork();
        }
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
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
