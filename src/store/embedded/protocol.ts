/** MongoDB wire framing: OP_MSG and legacy OP_QUERY requests, OP_MSG and OP_REPLY replies. */
import { BSON } from 'bson';
import { batchBytes, plainOf, RawDocument, serialize, typedOf, type Document } from './values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
const HEADER_BYTES = 16;
export const MAX_MESSAGE_BYTES = 48_000_000;

export class ProtocolError extends Error {}

/** A command as received: `body` with promoted values (for logic), `typed` with exact BSON number types. */
export interface Request {
  requestId: number;
  opCode: number;
  body: Document;
  typed: Document;
  /** the client expects no reply */
  moreToCome: boolean;
}

/** Splits complete messages off the front of `buf`; returns them and the unconsumed rest. */
export function splitMessages(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let off = 0;
  while (buf.length - off >= 4) {
    const len = buf.readInt32LE(off);
    if (len < HEADER_BYTES || len > MAX_MESSAGE_BYTES) throw new ProtocolError(`invalid message length ${len}`);
    if (buf.length - off < len) break;
    messages.push(buf.subarray(off, off + len));
    off += len;
  }
  return { messages, rest: buf.subarray(off) };
}

function docAt(msg: Buffer, off: number, end: number): { bytes: Buffer; next: number } {
  if (off + 4 > end) throw new ProtocolError('truncated document');
  const size = msg.readInt32LE(off);
  if (size < 5 || off + size > end) throw new ProtocolError('invalid document size');
  return { bytes: msg.subarray(off, off + size), next: off + size };
}

function cstring(msg: Buffer, off: number, end: number): { value: string; next: number } {
  const zero = msg.indexOf(0, off);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated string');
  return { value: msg.toString('utf8', off, zero), next: zero + 1 };
}

/** What can be said about a message whose body could not be parsed: enough to answer it with an error. */
export function peekRequest(msg: Buffer): Pick<Request, 'opCode' | 'requestId' | 'moreToCome'> {
  const opCode = msg.readInt32LE(12);
  const moreToCome = opCode === OP_MSG && msg.length >= 20 && (msg.readUInt32LE(HEADER_BYTES) & MORE_TO_COME) !== 0;
  return { requestId: msg.readInt32LE(4), opCode: opCode === OP_QUERY ? OP_QUERY : OP_MSG, moreToCome };
}

export function parseRequest(msg: Buffer): Request {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_MSG) return parseMsg(msg, requestId);
  if (opCode === OP_QUERY) return parseQuery(msg, requestId);
  throw new ProtocolError(`unsupported opCode ${opCode}`);
}

function parseMsg(msg: Buffer, requestId: number): Request {
  const flags = msg.readUInt32LE(HEADER_BYTES);
  const end = flags & CHECKSUM_PRESENT ? msg.length - 4 : msg.length; // the CRC-32C trailer is not verified
  let body: Document | undefined;
  let typed: Document | undefined;
  const sequences: { id: string; docs: Buffer[] }[] = [];
  let off = HEADER_BYTES + 4;
  while (off < end) {
    const kind = msg[off++];
    if (kind === 0) {
      const d = docAt(msg, off, end);
      body = plainOf(d.bytes);
      typed = typedOf(d.bytes);
      off = d.next;
    } else if (kind === 1) {
      if (off + 4 > end) throw new ProtocolError('truncated document sequence');
      const secEnd = off + msg.readInt32LE(off);
      if (secEnd > end || secEnd < off + 5) throw new ProtocolError('invalid document sequence size');
      const id = cstring(msg, off + 4, secEnd);
      const docs: Buffer[] = [];
      for (let p = id.next; p < secEnd; ) {
        const d = docAt(msg, p, secEnd);
        docs.push(d.bytes);
        p = d.next;
      }
      sequences.push({ id: id.value, docs });
      off = secEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body || !typed) throw new ProtocolError('OP_MSG without a body section');
  for (const s of sequences) {
    body[s.id] = s.docs.map(plainOf);
    typed[s.id] = s.docs.map(typedOf);
  }
  return { requestId, opCode: OP_MSG, body, typed, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

/** Legacy OP_QUERY: only commands on `<db>.$cmd` (the driver's first handshake). */
function parseQuery(msg: Buffer, requestId: number): Request {
  const ns = cstring(msg, HEADER_BYTES + 4, msg.length);
  const d = docAt(msg, ns.next + 8, msg.length); // skip numberToSkip, numberToReturn
  let body = plainOf(d.bytes);
  let typed = typedOf(d.bytes);
  if (body.$query && typeof body.$query === 'object') {
    body = body.$query as Document;
    typed = typed.$query as Document;
  }
  const db = ns.value.split('.')[0];
  return { requestId, opCode: OP_QUERY, body: { ...body, $db: db }, typed: { ...typed, $db: db }, moreToCome: false };
}

/**
 * A reply document as BSON. Top-level fields holding a RawDocument (a stored document's bytes, values.ts) are appended
 * as embedded documents (type 0x03, name, the bytes) after the other fields, without decoding and encoding them.
 */
export function serializeReply(doc: Document): Buffer {
  const cursor = cursorWithBytes(doc.cursor);
  if (cursor) doc = { ...doc, cursor };
  let raws: [string, Buffer][] | undefined;
  for (const k of Object.keys(doc)) if (doc[k] instanceof RawDocument) (raws ??= []).push([k, (doc[k] as RawDocument).bytes]);
  if (!raws) return serialize(doc);
  const rest: Document = {};
  for (const k of Object.keys(doc)) if (!(doc[k] instanceof RawDocument)) rest[k] = doc[k];
  const head = serialize(rest);
  // the other fields without their document's terminating zero, then each raw field, then the terminator
  let size = head.length;
  for (const [k, bytes] of raws) size += 1 + Buffer.byteLength(k) + 1 + bytes.length;
  const out = Buffer.allocUnsafe(size);
  head.copy(out, 0, 0, head.length - 1);
  let at = head.length - 1;
  for (const [k, bytes] of raws) {
    out[at++] = 0x03;
    at += out.write(k, at, 'utf8');
    out[at++] = 0;
    at += bytes.copy(out, at);
  }
  out[at] = 0;
  out.writeInt32LE(size, 0);
  return out;
}

/**
 * A cursor reply's `cursor` document ({firstBatch | nextBatch, id, ns}) as BSON, with the batch's documents as the
 * bytes recorded when it was cut (values.ts batchBytes); undefined when `cursor` is not such a document.
 */
function cursorWithBytes(cursor: unknown): RawDocument | undefined {
  if (cursor === null || typeof cursor !== 'object' || cursor instanceof RawDocument) return undefined;
  const c = cursor as Document;
  const key = Array.isArray(c.firstBatch) ? 'firstBatch' : Array.isArray(c.nextBatch) ? 'nextBatch' : undefined;
  const docs = key ? batchBytes.get(c[key] as Document[]) : undefined;
  if (!key || !docs) return undefined;
  const rest: Document = {};
  for (const k of Object.keys(c)) if (k !== key) rest[k] = c[k];
  const tail = serialize(rest);
  // the array: its size, then per document the type 0x03, the index as its name and the document's bytes; then 0
  let arraySize = 4 + 1;
  for (let i = 0; i < docs.length; i++) arraySize += 1 + String(i).length + 1 + docs[i]!.length;
  // the cursor document: its size, the array as its first field, the other fields (tail without its size), 0
  const size = 4 + 1 + key.length + 1 + arraySize + (tail.length - 4);
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let at = 4;
  out[at++] = 0x04;
  at += out.write(key, at, 'latin1');
  out[at++] = 0;
  out.writeInt32LE(arraySize, at);
  at += 4;
  for (let i = 0; i < docs.length; i++) {
    out[at++] = 0x03;
    at += out.write(String(i), at, 'latin1');
    out[at++] = 0;
    at += docs[i]!.copy(out, at);
  }
  out[at++] = 0;
  // the other fields and the document's terminating zero
  tail.copy(out, at, 4);
  return new RawDocument(out);
}

/** The reply to `req`: OP_REPLY for OP_QUERY, otherwise OP_MSG with one kind-0 section. */
export function encodeReply(req: Pick<Request, 'opCode' | 'requestId'>, doc: Document, requestId: number): Buffer {
  return Buffer.concat(encodeReplyParts(req, doc, requestId));
}

/**
 * encodeReply as its header and its document, to be written one after the other (the server corks the socket for
 * them): a batch's megabytes are not copied once more only to put 21 bytes in front of them.
 */
export function encodeReplyParts(req: Pick<Request, 'opCode' | 'requestId'>, doc: Document, requestId: number): [Buffer, Buffer] {
  const payload = serializeReply(doc);
  const legacy = req.opCode === OP_QUERY;
  const head = Buffer.alloc(legacy ? 36 : 21);
  head.writeInt32LE(head.length + payload.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(req.requestId, 8);
  if (legacy) {
    head.writeInt32LE(OP_REPLY, 12);
    // responseFlags 0, cursorId 0n, startingFrom 0 are already zero
    head.writeInt32LE(1, 32); // numberReturned
  } else {
    head.writeInt32LE(OP_MSG, 12); // flagBits 0 and section kind 0 are already zero
  }
  return [head, payload];
}
