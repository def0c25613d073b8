/**
 * A file's bytes kept in the database in chunks, one document per chunk beside the record that owns them: set-up
 * uploads (setupUpload.ts, `setup_upload_chunks`) and the outbox's files (outbox.ts, `outbox_files`). A chunk
 * document is `{<owner field>: ObjectId, n, data, expiresAt}` with a unique index on the owner and `n` and a TTL on
 * `expiresAt`. The bytes are written one chunk per insert (no command carries more than a chunk), and read back
 * checked against what was written (count, length, SHA-256): a chunk gone (expired, deleted) or changed is told
 * apart, never returned as a shorter or different file.
 */
import { createHash } from 'node:crypto';
import { Schema, type Collection, type Types } from 'mongoose';
import { setImmediate as turn } from 'node:timers/promises';
import { binaryView } from './binary';

/**
 * The schema of a chunk collection whose chunks name their owner in `field`: the chunks of one owner read in order
 * by the unique index on it and `n`; each gone at its `expiresAt` (TTL).
 */
export function chunkSchema<T>(field: string, collection: string): Schema<T> {
  const schema = new Schema<T>(
    {
      [field]: { type: Schema.Types.ObjectId, required: true },
      n: { type: Number, required: true },
      data: { type: Buffer, required: true },
      expiresAt: { type: Date, required: true },
    },
    { versionKey: false, collection },
  );
  schema.index({ [field]: 1, n: 1 }, { unique: true });
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  return schema;
}

/** What was written: checked when the bytes are read back. */
export interface ChunkedBytes {
  bytes: number;
  chunks: number;
  /** hex SHA-256 of the bytes */
  sha256: string;
}

/** Where a file's chunks are: their collection, the field naming their owner, and the owner. */
export interface ChunkOwner {
  collection: Collection;
  field: string;
  id: Types.ObjectId;
}

/**
 * Writes `data` as chunks of `chunkBytes` (at least one chunk, an empty one for no bytes), each by its own insert
 * with a turn of the event loop between: the driver encodes a command in one go. The chunks written so far are
 * deleted if one fails.
 */
export async function writeChunks(owner: ChunkOwner, data: Uint8Array, chunkBytes: number, expiresAt: Date): Promise<ChunkedBytes> {
  const chunks = Math.max(1, Math.ceil(data.length / chunkBytes));
  const hash = createHash('sha256');
  try {
    for (let n = 0; n < chunks; n++) {
      if (n > 0) await turn();
      const part = data.subarray(n * chunkBytes, (n + 1) * chunkBytes);
      hash.update(part);
      await owner.collection.insertOne({ [owner.field]: owner.id, n, data: part, expiresAt });
    }
  } catch (err) {
    await deleteChunks(owner).catch(() => undefined);
    throw err;
  }
  return { bytes: data.length, chunks, sha256: hash.digest('hex') };
}

/**
 * The bytes written for `owner`, read in order a couple of chunks per reply into one buffer of the size written.
 * `missing`: fewer chunks than written (or a gap); `changed`: their length or SHA-256 differs from what was written.
 */
export async function readChunks(
  owner: ChunkOwner,
  written: ChunkedBytes,
): Promise<{ ok: true; data: Buffer } | { ok: false; why: 'missing' | 'changed'; chunks: number; bytes: number }> {
  const out = Buffer.allocUnsafe(written.bytes);
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  const cursor = owner.collection.find<{ n: number; data: unknown }>({ [owner.field]: owner.id }, { sort: { n: 1 }, batchSize: 2 });
  try {
    for await (const chunk of cursor) {
      if (chunk.n !== chunks) break;
      const part = binaryView(chunk.data);
      if (bytes + part.length > written.bytes) {
        bytes += part.length;
        break;
      }
      hash.update(part);
      out.set(part, bytes);
      bytes += part.length;
      chunks++;
    }
  } finally {
    await cursor.close();
  }
  if (bytes <= written.bytes && chunks !== written.chunks) return { ok: false, why: 'missing', chunks, bytes };
  if (bytes !== written.bytes || hash.digest('hex') !== written.sha256) return { ok: false, why: 'changed', chunks, bytes };
  return { ok: true, data: out };
}

export async function deleteChunks(owner: ChunkOwner): Promise<void> {
  await owner.collection.deleteMany({ [owner.field]: owner.id });
}
