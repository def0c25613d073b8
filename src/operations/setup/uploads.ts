/**
 * The life of a previewed set-up file (store/setupUpload.ts): kept with its bytes when previewed, claimed once by
 * `确认导入` (a second click, a click on a cancelled preview or on one a newer file of the same kind superseded is
 * refused), checked against its SHA-256 before it is imported, and its bytes forgotten when it is done.
 */
import { createHash } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { deleteChunks, readChunks, writeChunks } from '../../store/chunks';
import {
  CHUNK_BYTES,
  setupUploadModel,
  uploadChunks,
  UPLOAD_RETENTION_MS,
  type SetupUploadDoc,
  type UploadKind,
} from '../../store/setupUpload';

/** How long an import may run before a click may take it over (the instance doing it died). */
const IMPORT_LEASE_MS = 10 * 60_000;

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface KeptUpload {
  upload: SetupUploadDoc;
  /** the same file message seen again (a redelivered event): nothing new was stored */
  existing: boolean;
  /** older previews of the same kind that can no longer be confirmed */
  superseded: SetupUploadDoc[];
}

/**
 * Stores a previewed file (bytes in chunks first, then the document) and supersedes older previews of its kind
 * (of a 情况汇报: of the same county only).
 */
export async function keepUpload(
  conn: Connection,
  input: {
    messageId: string;
    kind: UploadKind;
    fileName: string;
    data: Buffer;
    by: string;
    byName: string;
    fileKey?: string;
    county?: string;
    campaignId?: Types.ObjectId;
  },
  now: Date,
): Promise<KeptUpload> {
  const uploads = setupUploadModel(conn);
  const found = await uploads.findOne({ messageId: input.messageId }).lean<SetupUploadDoc>();
  if (found) return { upload: found, existing: true, superseded: [] };
  const id = new Types.ObjectId();
  // The database's TTL monitor deletes by its own clock, not by the service's (which tests and the demo move):
  // counted from the wall clock, a preview's bytes live a week whatever day the service thinks it is.
  const written = await writeChunks(uploadChunks(conn, id), input.data, CHUNK_BYTES, new Date(Date.now() + UPLOAD_RETENTION_MS));
  try {
    await uploads.create({
      _id: id,
      messageId: input.messageId,
      kind: input.kind,
      fileName: input.fileName,
      ...(input.fileKey ? { fileKey: input.fileKey } : {}),
      ...(input.county ? { county: input.county } : {}),
      ...(input.campaignId ? { campaignId: input.campaignId } : {}),
      size: written.bytes,
      sha256: written.sha256,
      chunks: written.chunks,
      by: input.by,
      byName: input.byName,
      status: 'previewed',
    });
  } catch (err) {
    await deleteChunks(uploadChunks(conn, id));
    // The same message handled twice at once: the other one stored it.
    const other = await uploads.findOne({ messageId: input.messageId }).lean<SetupUploadDoc>();
    if (other) return { upload: other, existing: true, superseded: [] };
    throw err;
  }
  const superseded = await uploads
    // Older = a smaller ObjectId (created first): two files sent at once never supersede each other both ways.
    .find({ kind: input.kind, status: 'previewed', _id: { $lt: id }, ...(input.county ? { county: input.county } : {}) })
    .lean<SetupUploadDoc[]>();
  for (const old of superseded) {
    const res = await uploads.updateOne({ _id: old._id, status: 'previewed' }, { $set: { status: 'superseded' } });
    if (res.modifiedCount > 0) await deleteChunks(uploadChunks(conn, old._id));
  }
  const upload = (await uploads.findById(id).lean<SetupUploadDoc>())!;
  return { upload, existing: false, superseded };
}

export type ClaimRefusal = 'missing' | 'imported' | 'cancelled' | 'superseded' | 'importing' | 'expired' | 'corrupt';

export type Claim = { ok: true; upload: SetupUploadDoc; data: Buffer } | { ok: false; why: ClaimRefusal; upload?: SetupUploadDoc };

function refusalOf(upload: SetupUploadDoc): ClaimRefusal {
  if (upload.status === 'imported') return 'imported';
  if (upload.status === 'cancelled') return 'cancelled';
  if (upload.status === 'superseded') return 'superseded';
  if (upload.status === 'importing') return 'importing';
  return 'missing';
}

/**
 * Takes a previewed upload for import (once: the status moves to `importing` atomically) and reads its bytes back,
 * checking size and SHA-256 against what was previewed.
 */
export async function claimUpload(conn: Connection, id: Types.ObjectId, kinds: readonly UploadKind[], now: Date): Promise<Claim> {
  const uploads = setupUploadModel(conn);
  const ofKind = { kind: { $in: [...kinds] } };
  const claimed = await uploads
    .findOneAndUpdate(
      { _id: id, ...ofKind, $or: [{ status: 'previewed' }, { status: 'importing', importingUntil: { $lt: now } }] },
      { $set: { status: 'importing', importingUntil: new Date(now.getTime() + IMPORT_LEASE_MS) } },
      { returnDocument: 'after' },
    )
    .lean<SetupUploadDoc>();
  if (!claimed) {
    // an upload of another kind (a button whose id was copied from another card) is none of this action's
    const upload = await uploads.findOne({ _id: id, ...ofKind }).lean<SetupUploadDoc>();
    return upload ? { ok: false, why: refusalOf(upload), upload } : { ok: false, why: 'missing' };
  }
  const read = await readChunks(uploadChunks(conn, id), { bytes: claimed.size, chunks: claimed.chunks, sha256: claimed.sha256 });
  if (!read.ok) {
    await uploads.updateOne({ _id: id }, { $set: { status: 'refused' }, $unset: { importingUntil: 1 } });
    return { ok: false, why: read.why === 'missing' ? 'expired' : 'corrupt', upload: claimed };
  }
  return { ok: true, upload: claimed, data: read.data };
}

/** The import is done: record what it changed, forget the bytes. */
export async function finishUpload(
  conn: Connection,
  id: Types.ObjectId,
  done: { result: Record<string, number>; by: string; byName: string },
  now: Date,
): Promise<SetupUploadDoc> {
  const upload = await setupUploadModel(conn)
    .findOneAndUpdate(
      { _id: id },
      { $set: { status: 'imported', result: done.result, doneBy: done.by, doneByName: done.byName, doneAt: now }, $unset: { importingUntil: 1 } },
      { returnDocument: 'after' },
    )
    .lean<SetupUploadDoc>();
  await deleteChunks(uploadChunks(conn, id));
  return upload!;
}

/** An import that failed part-way (e.g. the database went away): the preview may be confirmed again. */
export async function releaseUpload(conn: Connection, id: Types.ObjectId): Promise<void> {
  await setupUploadModel(conn).updateOne({ _id: id, status: 'importing' }, { $set: { status: 'previewed' }, $unset: { importingUntil: 1 } });
}

export async function cancelUpload(
  conn: Connection,
  id: Types.ObjectId,
  kinds: readonly UploadKind[],
  by: { openId: string; name: string },
  now: Date,
): Promise<{ ok: true; upload: SetupUploadDoc } | { ok: false; why: ClaimRefusal; upload?: SetupUploadDoc }> {
  const uploads = setupUploadModel(conn);
  const ofKind = { kind: { $in: [...kinds] } };
  const cancelled = await uploads
    .findOneAndUpdate(
      { _id: id, ...ofKind, status: 'previewed' },
      { $set: { status: 'cancelled', doneBy: by.openId, doneByName: by.name, doneAt: now } },
      { returnDocument: 'after' },
    )
    .lean<SetupUploadDoc>();
  if (!cancelled) {
    const upload = await uploads.findOne({ _id: id, ...ofKind }).lean<SetupUploadDoc>();
    return upload ? { ok: false, why: refusalOf(upload), upload } : { ok: false, why: 'missing' };
  }
  await deleteChunks(uploadChunks(conn, id));
  return { ok: true, upload: cancelled };
}
