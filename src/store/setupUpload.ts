/**
 * Files sent to the bot for the yearly set-up (docs/interfaces.md "Set-up in chat"), and a county's 情况汇报 waiting
 * for its liaison's 确认上报 (bot/fileIntake.ts): one document per file message,
 * its bytes in chunks beside it, so that `确认导入` imports exactly the file that was previewed (its SHA-256 is checked
 * at the confirm). The bytes are kept in chunks of at most CHUNK_BYTES (well under MongoDB's 16 MB document limit;
 * files are at most 20 MB), and forgotten once the preview is imported, cancelled or superseded, or after a week.
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { chunkSchema, type ChunkOwner } from './chunks';
import { SETUP_FILE_KINDS, type SetupFileKind } from '../domain/setupFiles';

export type { SetupFileKind };

/** The set-up kinds (recognised by the header row), and a county liaison's 情况汇报 (any document). */
export const UPLOAD_KINDS = [...SETUP_FILE_KINDS, 'countyReport'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

/**
 * previewed → importing → imported; previewed → cancelled; previewed → superseded (a newer file of the same kind was
 * previewed). A file that cannot be imported at all is kept as `refused` (no bytes).
 */
export type SetupUploadStatus = 'previewed' | 'importing' | 'imported' | 'cancelled' | 'superseded' | 'refused';

export interface SetupUpload {
  /** the Feishu message that carried the file (unique: a redelivered event finds its upload again) */
  messageId: string;
  kind: UploadKind;
  fileName: string;
  /** the Feishu file key of the message (kept with the 情况汇报) */
  fileKey?: string;
  /** 情况汇报: the sender's county (a newer file of the same county supersedes an older one) */
  county?: string;
  /** 附加检查表 and 情况汇报: the campaign the preview was made for (the confirm refuses another one) */
  campaignId?: Types.ObjectId;
  size: number;
  /** hex SHA-256 of the bytes */
  sha256: string;
  chunks: number;
  by: string;
  byName: string;
  status: SetupUploadStatus;
  /** while importing: a click after this may take an interrupted import over */
  importingUntil?: Date;
  /** what the import changed (for the result card and the import log) */
  result?: Record<string, number>;
  doneBy?: string;
  doneByName?: string;
  doneAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type SetupUploadDoc = SetupUpload & { _id: Types.ObjectId };

export interface SetupUploadChunk {
  upload: Types.ObjectId;
  n: number;
  data: Buffer;
  /** the bytes of a preview nobody confirmed are forgotten after a week (TTL) */
  expiresAt: Date;
}

export const CHUNK_BYTES = 4 * 1024 * 1024;
export const UPLOAD_RETENTION_MS = 7 * 24 * 3600_000;

const uploadSchema = new Schema<SetupUpload>(
  {
    messageId: { type: String, required: true },
    kind: { type: String, required: true, enum: UPLOAD_KINDS },
    fileName: { type: String, required: true },
    fileKey: String,
    county: String,
    campaignId: Schema.Types.ObjectId,
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    chunks: { type: Number, required: true },
    by: { type: String, required: true },
    byName: { type: String, required: true },
    status: { type: String, required: true, enum: ['previewed', 'importing', 'imported', 'cancelled', 'superseded', 'refused'] },
    importingUntil: Date,
    result: { type: Schema.Types.Mixed },
    doneBy: String,
    doneByName: String,
    doneAt: Date,
  },
  { timestamps: true, versionKey: false, collection: 'setup_uploads' },
);
uploadSchema.index({ messageId: 1 }, { unique: true });
uploadSchema.index({ kind: 1, status: 1, createdAt: -1 });

const uploadChunkSchema = chunkSchema<SetupUploadChunk>('upload', 'setup_upload_chunks');

export function setupUploadModel(conn: Connection): Model<SetupUpload> {
  return conn.models.SetupUpload ?? conn.model<SetupUpload>('SetupUpload', uploadSchema);
}

export function setupUploadChunkModel(conn: Connection): Model<SetupUploadChunk> {
  return conn.models.SetupUploadChunk ?? conn.model<SetupUploadChunk>('SetupUploadChunk', uploadChunkSchema);
}

/** Where an upload's bytes are (store/chunks.ts). */
export function uploadChunks(conn: Connection, upload: Types.ObjectId): ChunkOwner {
  return { collection: setupUploadChunkModel(conn).collection, field: 'upload', id: upload };
}
