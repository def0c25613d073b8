/**
 * Wire-level behaviour over a raw TCP socket: legacy OP_QUERY handshake, OP_MSG document sequences, the checksum
 * and moreToCome flags, int64 cursor ids. Runs against MONGODB_URI too when it is a plain mongodb://host:port URI.
 */
import net from 'node:net';
import { BSON, type Document } from 'bson';
import { testMongoUri, uniqueDbName, type TestMongo } from '../support/db';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

let nextId = 1;
function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(body: Document, opts: { sequences?: Record<string, Document[]>; flags?: number; checksum?: boolean } = {}) {
  const requestId = nextId++;
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(BSON.serialize(body))];
  for (const [id, docs] of Object.entries(opts.sequences ?? {})) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(BSON.serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE((opts.flags ?? 0) | (opts.checksum ? 1 : 0));
  const sections = Buffer.concat([flags, ...parts]);
  const length = 16 + sections.length + (opts.checksum ? 4 : 0);
  let msg = Buffer.concat([header(length, requestId, OP_MSG), sections]);
  if (opts.checksum) {
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32c(msg));
    msg = Buffer.concat([msg, crc]);
  }
  return { requestId, bytes: msg };
}

function opQuery(ns: string, query: Document) {
  const requestId = nextId++;
  const body = Buffer.concat([
    Buffer.alloc(4), // flags
    Buffer.from(`${ns}\0`),
    Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), // numberToSkip 0, numberToReturn -1
    Buffer.from(BSON.serialize(query)),
  ]);
  return { requestId, bytes: Buffer.concat([header(16 + body.length, requestId, OP_QUERY), body]) };
}

interface Reply {
  responseTo: number;
  opCode: number;
  doc: Document;
  numberReturned?: number;
}

/** A minimal client: sends raw bytes, parses whole replies in arrival order. */
class RawSocket {
  private pending = Buffer.alloc(0);
  private replies: Reply[] = [];
  private waiting: ((r: Reply) => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= this.pending.readInt32LE(0)) {
        const msg = this.pending.subarray(0, this.pending.readInt32LE(0));
        this.pending = this.pending.subarray(msg.length);
        const opCode = msg.readInt32LE(12);
        const reply: Reply =
          opCode === OP_REPLY
            ? { responseTo: msg.readInt32LE(8), opCode, numberReturned: msg.readInt32LE(32), doc: BSON.deserialize(msg.subarray(36), { promoteLongs: false }) }
            : { responseTo: msg.readInt32LE(8), opCode, doc: BSON.deserialize(msg.subarray(21), { promoteLongs: false }) };
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(reply);
        } else this.replies.push(reply);
      }
    });
  }

  static connect(port: number, host: string): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawSocket(s)));
      s.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  next(timeoutMs = 2000): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  async command(body: Document, opts: Parameters<typeof opMsg>[1] = {}): Promise<Document> {
    const { requestId, bytes } = opMsg(body, opts);
    this.send(bytes);
    const reply = await this.next();
    expect(reply.responseTo).toBe(requestId);
    return reply.doc;
  }

  close(): void {
    this.socket.destroy();
  }
}

let mongo: TestMongo;
let target: { host: string; port: number } | undefined;
const dbName = uniqueDbName('wire_proto');

beforeAll(async () => {
  mongo = await testMongoUri();
  const m = /^mongodb:\/\/([^/@?,:]+):(\d+)\/?[^?]*$/.exec(mongo.uri);
  target = m ? { host: m[1], port: Number(m[2]) } : undefined;
});
afterAll(async () => {
  if (target) {
    const s = await RawSocket.connect(target.port, target.host);
    await s.command({ dropDatabase: 1, $db: dbName });
    s.close();
  }
  await mongo.close();
});

async function open(): Promise<RawSocket | undefined> {
  if (!target) return undefined; // credentials, TLS, SRV or options: not a raw-socket target
  return RawSocket.connect(target.port, target.host);
}

test('legacy OP_QUERY isMaster is answered with OP_REPLY', async () => {
  const s = await open();
  if (!s) return;
  const { requestId, bytes } = opQuery('admin.$cmd', { isMaster: 1, helloOk: true });
  s.send(bytes);
  const reply = await s.next();
  expect(reply).toMatchObject({ opCode: OP_REPLY, responseTo: requestId, numberReturned: 1 });
  expect(reply.doc).toMatchObject({ ok: 1, ismaster: true });
  // then OP_MSG on the same socket
  expect(await s.command({ ping: 1, $db: 'admin' })).toMatchObject({ ok: 1 });
  s.close();
});

test('OP_MSG hello may come first', async () => {
  const s = await open();
  if (!s) return;
  const hello = await s.command({ hello: 1, $db: 'admin' });
  expect(hello).toMatchObject({ ok: 1, isWritablePrimary: true });
  s.close();
});

test('document sequences (kind 1) with a checksum', async () => {
  const s = await open();
  if (!s) return;
  const docs = [{ _id: 1, v: 'a' }, { _id: 2, v: 'b' }, { _id: 3, v: 'c' }];
  const res = await s.command({ insert: 'seq', ordered: true, $db: dbName }, { sequences: { documents: docs }, checksum: true });
  expect(res).toMatchObject({ ok: 1, n: 3 });
  const upd = await s.command(
    { update: 'seq', $db: dbName },
    { sequences: { updates: [{ q: { _id: 1 }, u: { $set: { v: 'A' } } }, { q: { _id: 9 }, u: { $set: { v: 'Z' } }, upsert: true }] } },
  );
  expect(upd).toMatchObject({ ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 9 }] });
  const del = await s.command({ delete: 'seq', $db: dbName }, { sequences: { deletes: [{ q: { _id: 9 }, limit: 1 }] } });
  expect(del).toMatchObject({ ok: 1, n: 1 });
  s.close();
});

test('moreToCome gets no reply; cursor ids are int64', async () => {
  const s = await open();
  if (!s) return;
  const silent = opMsg({ insert: 'quiet', documents: [{ _id: 'q1' }, { _id: 'q2' }, { _id: 'q3' }], writeConcern: { w: 0 }, $db: dbName }, { flags: 2 });
  s.send(silent.bytes);
  const found = await s.command({ find: 'quiet', filter: {}, sort: { _id: 1 }, batchSize: 1, $db: dbName });
  const cursor = found.cursor as { id: { _bsontype: string; isZero(): boolean }; firstBatch: Document[]; ns: string };
  expect(cursor.firstBatch).toEqual([{ _id: 'q1' }]);
  expect(cursor.id._bsontype).toBe('Long');
  expect(cursor.id.isZero()).toBe(false);
  expect(cursor.ns).toBe(`${dbName}.quiet`);
  const more = await s.command({ getMore: cursor.id, collection: 'quiet', $db: dbName });
  expect((more.cursor as { nextBatch: Document[] }).nextBatch).toEqual([{ _id: 'q2' }, { _id: 'q3' }]);
  expect((more.cursor as { id: { isZero(): boolean } }).id.isZero()).toBe(true);
  s.close();
});

test('failing commands keep the socket open', async () => {
  const s = await open();
  if (!s) return;
  expect(await s.command({ noSuchCommand: 1, $db: dbName })).toMatchObject({ ok: 0, code: 59 });
  expect(await s.command({ getMore: BSON.Long.fromNumber(123456789), collection: 'x', $db: dbName })).toMatchObject({ ok: 0, code: 43 });
  expect(await s.command({ find: 'x', filter: { $bogus: 1 }, $db: dbName })).toMatchObject({ ok: 0 });
  expect(await s.command({ ping: 1, $db: 'admin' })).toMatchObject({ ok: 1 });
  s.close();
});
