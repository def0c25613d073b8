import type { Connection } from 'mongoose';

/**
 * A bounded map per database connection, the least recently written entry dropped first: what a process keeps of the
 * database between clicks (taskCache.ts, startCache.ts). Per connection, so that two connections (another database,
 * a test's) never share an entry, and the entries go with the connection.
 */
export class ConnectionLru<V> {
  private readonly byConnection = new WeakMap<Connection, Map<string, V>>();

  constructor(private readonly max: number) {}

  get(conn: Connection, key: string): V | undefined {
    return this.byConnection.get(conn)?.get(key);
  }

  set(conn: Connection, key: string, value: V): void {
    let m = this.byConnection.get(conn);
    if (!m) this.byConnection.set(conn, (m = new Map()));
    m.delete(key);
    m.set(key, value);
    if (m.size > this.max) m.delete(m.keys().next().value as string);
  }

  delete(conn: Connection, key: string): void {
    this.byConnection.get(conn)?.delete(key);
  }
}
