import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export type OutboxKind = 'send' | 'reply' | 'patch' | 'file';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';
export type ReceiveIdType = 'open_id' | 'chat_id';
export type FileType = 'xls' | 'doc' | 'pdf' | 'stream';

export interface OutboxFile {
  name: string;
  type: FileType;
  /** the bytes, or … */
  data?: Buffer;
  /** … where to read them at delivery (see Outbox.registerFileSource) */
  source?: { kind: string; ref: string };
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

/** Feishu accepts a uuid of at most 50 characters; derive a stable one from the idempotency key. */
export function uuidForKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}
