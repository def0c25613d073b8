/**
 * The long-connection side of the emulator: endpoint configs, the WebSocket upgrade, ping/pong, and event pushes
 * whose acks resolve `pushWsEvent`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { decodeFrame, encodeFrame, FrameMethod, headerOf, type Frame } from './ws-protocol';
import { newDeviceId } from './ids';

/** ClientConfig handed to the SDK (seconds). The defaults keep a test's WSClient from retrying for long. */
export interface WsClientConfig {
  PingInterval: number;
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
}

export const DEFAULT_WS_CONFIG: WsClientConfig = { PingInterval: 120, ReconnectCount: 3, ReconnectInterval: 1, ReconnectNonce: 0 };

export const WS_PATH = '/ws/v2';

export interface PushOptions {
  /** Reject when no ack arrives in time (default 5000 ms). */
  timeoutMs?: number;
  /** Split the payload into this many fragments (`sum`/`seq` headers), as the platform does for big events. */
  fragments?: number;
}

/** The ack carried a failure code (the SDK answers 500 when the handler threw). */
export class WsAckError extends Error {
  constructor(readonly code: number) {
    super(`WS event handler failed: ack code ${code}`);
    this.name = 'WsAckError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Connection {
  socket: WebSocket;
  serviceId: number;
  /** Set once the client's first ping arrived: its message listener is certainly registered by then. */
  ready: boolean;
}

export class WsGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly devices = new Map<string, number>();
  private readonly connections: Connection[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly events = new EventEmitter();
  private seq = 0;

  constructor(private readonly config: WsClientConfig) {}

  /** Answer for `POST /callback/ws/endpoint`. */
  endpoint(httpBase: string): { URL: string; ClientConfig: WsClientConfig } {
    const deviceId = newDeviceId();
    const serviceId = 100_000 + Math.floor(Math.random() * 800_000);
    this.devices.set(deviceId, serviceId);
    const url = `${httpBase.replace(/^http/, 'ws')}${WS_PATH}?fpid=493&aid=552564&device_id=${deviceId}&access_key=${randomUUID()}&service_id=${serviceId}&ticket=${randomUUID()}`;
    return { URL: url, ClientConfig: { ...this.config } };
  }

  /** Handle an HTTP upgrade; returns false when the request is not for the gateway. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname !== WS_PATH) return false;
    const serviceId = this.devices.get(url.searchParams.get('device_id') ?? '');
    if (serviceId === undefined) {
      socket.end('HTTP/1.1 403 Forbidden\r\nhandshake-status: 403\r\nhandshake-msg: invalid device_id\r\nhandshake-autherrcode: 514\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, serviceId));
    return true;
  }

  connected(): boolean {
    return this.connections.some((c) => c.ready && c.socket.readyState === WebSocket.OPEN);
  }

  waitForClient(timeoutMs = 5000): Promise<void> {
    if (this.connected()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('ready', onReady);
        reject(new Error(`no WS client connected within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.once('ready', onReady);
    });
  }

  /** Push an event frame to the most recently connected client; resolves with the handler's return value. */
  push(payload: object, opts: PushOptions = {}): Promise<unknown> {
    const conn = [...this.connections].reverse().find((c) => c.ready && c.socket.readyState === WebSocket.OPEN);
    if (!conn) return Promise.reject(new Error('no WS client connected'));
    const messageId = randomUUID();
    const traceId = randomUUID();
    const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
    const sum = Math.max(1, Math.min(opts.fragments ?? 1, bytes.length));
    const size = Math.ceil(bytes.length / sum);
    const timeoutMs = opts.timeoutMs ?? 5000;
    const result = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new Error(`no ack for WS event ${messageId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(messageId, { resolve, reject, timer });
    });
    for (let i = 0; i < sum; i++) {
      const seqId = ++this.seq;
      this.send(conn, {
        SeqID: seqId,
        LogID: seqId,
        service: conn.serviceId,
        method: FrameMethod.data,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: messageId },
          { key: 'sum', value: String(sum) },
          { key: 'seq', value: String(i) },
          { key: 'trace_id', value: traceId },
        ],
        payload: bytes.subarray(i * size, (i + 1) * size),
      });
    }
    return result;
  }

  /** Drop every connection, as a server restart would (the SDK then reconnects). */
  drop(): void {
    for (const c of this.connections.splice(0)) c.socket.terminate();
  }

  reset(): void {
    this.rejectPending('emulator reset');
  }

  close(): Promise<void> {
    this.drop();
    this.rejectPending('emulator closed');
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private rejectPending(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`${reason} before the ack of WS event ${id}`));
    }
    this.pending.clear();
  }

  private accept(socket: WebSocket, serviceId: number): void {
    const conn: Connection = { socket, serviceId, ready: false };
    this.connections.push(conn);
    socket.on('message', (data: RawData) => this.onFrame(conn, toBuffer(data)));
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      const i = this.connections.indexOf(conn);
      if (i >= 0) this.connections.splice(i, 1);
    });
  }

  private onFrame(conn: Connection, data: Buffer): void {
    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch {
      return; // not a pbbp2 frame: the platform ignores it too
    }
    const type = headerOf(frame, 'type');
    if (frame.method === FrameMethod.control && type === 'ping') {
      const pong: Frame = {
        ...frame,
        headers: [{ key: 'type', value: 'pong' }],
        payload: Buffer.from(JSON.stringify(this.config)),
      };
      this.send(conn, pong);
      if (!conn.ready) {
        conn.ready = true;
        this.events.emit('ready');
      }
      return;
    }
    if (frame.method !== FrameMethod.data) return;
    const messageId = headerOf(frame, 'message_id') ?? '';
    const pending = this.pending.get(messageId);
    if (!pending) return;
    this.pending.delete(messageId);
    clearTimeout(pending.timer);
    try {
      const ack = JSON.parse(Buffer.from(frame.payload ?? new Uint8Array()).toString('utf8')) as { code?: number; data?: string };
      if (ack.code !== 200) {
        pending.reject(new WsAckError(ack.code ?? 0));
        return;
      }
      pending.resolve(ack.data ? JSON.parse(Buffer.from(ack.data, 'base64').toString('utf8')) : undefined);
    } catch (e) {
      pending.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private send(conn: Connection, frame: Frame): void {
    conn.socket.send(encodeFrame(frame));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
