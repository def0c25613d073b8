/**
 * The import log: every file imported for the yearly set-up (registries from chat, holiday calendars from chat or
 * the CLI) with its SHA-256, kind, who imported it, when, and what it changed. Append-only.
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { SETUP_FILE_KINDS, type SetupFileKind } from '../domain/setupFiles';

export type ImportKind = SetupFileKind;

export interface ImportLogEntry {
  kind: ImportKind;
  fileName: string;
  size: number;
  sha256: string;
  source: 'chat' | 'cli';
  /** open_id of the person (chat), or 'cli' */
  by: string;
  byName: string;
  at: Date;
  /** rows read, inserted, updated, unchanged, rejected (registries); rest/work days and due dates filled (calendar) */
  counts: Record<string, number>;
  /** the calendar's year */
  year?: number;
}

export type ImportLogDoc = ImportLogEntry & { _id: Types.ObjectId };

const schema = new Schema<ImportLogEntry>(
  {
    kind: { type: String, required: true, enum: SETUP_FILE_KINDS },
    fileName: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    source: { type: String, required: true, enum: ['chat', 'cli'] },
    by: { type: String, required: true },
    byName: { type: String, required: true },
    at: { type: Date, required: true },
    counts: { type: Schema.Types.Mixed, required: true },
    year: Number,
  },
  { versionKey: false, collection: 'import_log' },
);
schema.index({ at: -1 });

export function importLogModel(conn: Connection): Model<ImportLogEntry> {
  return conn.models.ImportLogEntry ?? conn.model<ImportLogEntry>('ImportLogEntry', schema);
}
