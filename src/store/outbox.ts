import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { chunkSchema } from './chunks';

export type OutboxKind = 'send' | 'reply' | 'patch' | 'file';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';
export type ReceiveIdType = 'open_id' | 'chat_id';
export type FileType = 'xls' | 'doc' | 'pdf' | 'stream';

/** A file's bytes kept in `outbox_files`, one chunk per document (see OutboxFileChunk). */
export interface StoredFileRef {
  /** the chunks' `file` */
  id: Types.ObjectId;
  bytes: number;
  /** how many chunks were written (0 for a size Feishu refuses: nothing is stored, the entry fails at delivery) */
  chunks: number;
  /** hex SHA-256 of the bytes (absent when nothing was stored) */
  sha256?: string;
}

export interface OutboxFile {
  name: string;
  type: FileType;
  /** the bytes in `outbox_files` (sendFile with data), or … */
  stored?: StoredFileRef;
  /** … where to read them at delivery (see Outbox.registerFileSource), or … */
  source?: { kind: string; ref: string };
  /** … the bytes themselves: entries queued before files were stored in chunks */
  data?: Buffer;
  /** set once uploaded, so a retry never uploads twice */
  fileKey?: string;
}

/** One outbound message, written before anyone is told (docs/architecture.md): a crash between queued and sent loses nothing. */
export interface OutboxEntry {
  _id: Types.ObjectId;
  /** idempotency key: enqueuing the same key twice queues one message */
  key: string;
  kind: OutboxKind;
  receiveIdType?: ReceiveIdType;
  receiveId?: string;
  /** message replied to (reply) or updated (patch) */
  targetMessageId?: string;
  msgType?: 'interactive' | 'text' | 'file';
  /** JSON string, as the API takes it */
  content?: string;
  file?: OutboxFile;
  /** Feishu's de-duplication id (1 h): the same for every attempt */
  uuid: string;
  /** the per-user / per-chat / per-message rate-limit bucket */
  rateKey: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil?: Date;
  lastError?: string;
  messageId?: string;
  sentAt?: Date;
  createdAt: Date;
}

const fileSchema = new Schema<OutboxFile>(
  {
    name: { type: String, required: true },
    type: { type: String, required: true },
    stored: new Schema(
      {
        id: { type: Schema.Types.ObjectId, required: true },
        bytes: { type: Number, required: true },
        chunks: { type: Number, required: true },
        sha256: String,
      },
      { _id: false },
    ),
    data: Buffer,
    source: new Schema({ kind: { type: String, required: true }, ref: { type: String, required: true } }, { _id: false }),
    fileKey: String,
  },
  { _id: false },
);

const schema = new Schema<OutboxEntry>(
  {
    key: { type: String, required: true },
    kind: { type: String, required: true, enum: ['send', 'reply', 'patch', 'file'] },
    receiveIdType: { type: String, enum: ['open_id', 'chat_id'] },
    receiveId: String,
    targetMessageId: String,
    msgType: { type: String, enum: ['interactive', 'text', 'file'] },
    content: String,
    file: fileSchema,
    uuid: { type: String, required: true },
    rateKey: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'sending', 'sent', 'failed'] },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    leaseUntil: Date,
    lastError: String,
    messageId: String,
    sentAt: Date,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'outbox' },
);
schema.index({ key: 1 }, { unique: true });
schema.index({ status: 1, nextAttemptAt: 1 });
// the claim's branch on expired leases (status "sending", leaseUntil before now) reads only those entries
schema.index({ status: 1, leaseUntil: 1 });

export function outboxModel(conn: Connection): Model<OutboxEntry> {
  return conn.models.OutboxEntry ?? conn.model<OutboxEntry>('OutboxEntry', schema);
}

/**
 * One chunk of a file queued with its bytes (Outbox.sendFile). A file is written a chunk per insert, so no command
 * the service sends carries more than FILE_CHUNK_BYTES of it (the driver encodes a command in one go), and the entry,
 * read at every claim, stays small: it only refers to the chunks. They expire an hour after Feishu has the file
 * (FILE_KEPT_AFTER_UPLOAD_MS), and a week after they were written if nobody uploads them (a crash between the chunks
 * and the entry, an entry given up), by the TTL index on `expiresAt` (docs/architecture.md, the outbox's files).
 */
export interface OutboxFileChunk {
  file: Types.ObjectId;
  n: number;
  data: Buffer;
  expiresAt: Date;
}

/** GridFS's chunk size: well below the 16 MB limit, small enough that one chunk's command is quick to encode. */
export const FILE_CHUNK_BYTES = 255 * 1024;
/**
 * How long queued bytes are kept. An entry's attempts end within about a quarter of an hour (12, the backoff doubling
 * from 0.5 s up to 5 minutes); a file still unsent after a week is stale, and its entry fails naming the missing
 * chunks.
 */
export const FILE_RETENTION_MS = 7 * 24 * 3600_000;
/**
 * How long the chunks stay once the file is uploaded: longer than an entry's lease (60 s), so that a process that
 * claimed the entry again during a slow upload still finds them.
 */
export const FILE_KEPT_AFTER_UPLOAD_MS = 3600_000;

const fileChunkSchema = chunkSchema<OutboxFileChunk>('file', 'outbox_files');

export function outboxFileChunkModel(conn: Connection): Model<OutboxFileChunk> {
  return conn.models.OutboxFileChunk ?? conn.model<OutboxFileChunk>('OutboxFileChunk', fileChunkSchema);
}

/** Feishu accepts a uuid of at most 50 characters; derive a stable one from the idempotency key. */
export function uuidForKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}
