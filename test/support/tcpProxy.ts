/** A TCP proxy in front of a database, which a test can cut (as a network failure or a dead server would). */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones from now on. */
  cut(): void;
  /**
   * A server that stops answering (hung, or a network that drops packets silently): every connection stays open,
   * new ones are accepted, and nothing is forwarded either way from now on.
   */
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
  let frozen = false;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    if (!open) return client.destroy();
    if (frozen) {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      return; // accepted, never answered
    }
    const upstream = net.connect(target.port, target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    cut() {
      open = false;
      server.close();
      for (const s of sockets) s.destroy();
    },
    async close() {
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

/** host and port of a single-host mongodb:// URI */
export function hostPort(uri: string): { host: string; port: number } {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^:/,?]+)(?::(\d+))?[/?]?/.exec(uri);
  if (!m) throw new Error(`not a single-host mongodb:// URI: ${uri}`);
  return { host: m[1], port: Number(m[2] ?? 27017) };
}

/** The same URI through the proxy: host and port replaced, a direct connection (no replica-set discovery). */
export function viaProxy(uri: string, port: number, extraQuery = ''): string {
  const m = /^mongodb:\/\/((?:[^@/]*@)?)[^/?]+(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`not a single-host mongodb:// URI: ${uri}`);
  const query = [m[3]?.slice(1), 'directConnection=true', extraQuery].filter(Boolean).join('&');
  return `mongodb://${m[1]}127.0.0.1:${port}${m[2] ?? '/'}?${query}`;
}
