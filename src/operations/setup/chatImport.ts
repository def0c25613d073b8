/**
 * A set-up file sent in chat, from receipt to import: `receiveSetupFile` previews it (a dry run) and keeps the bytes
 * of an importable file; `confirmSetupUpload` imports exactly those bytes (checked against the preview's SHA-256),
 * once; `cancelSetupUpload` drops the preview. Who may do this is the caller's check (policies.ts maySetUp).
 */
import type { Types } from 'mongoose';
import type { SetupUploadDoc } from '../../store/setupUpload';
import {
  fileFailure,
  importCalendarYear,
  logRegistryImport,
  previewCalendar,
  readSetupFile,
  registryCounts,
  registryImportable,
  runRegistry,
  type CalendarImport,
  type CalendarPreview,
  type ReadRefusal,
  type RegistryOutcome,
  type SetupDeps,
} from './setupFiles';
import type { Actor } from '../../policies';
import { receivePlatformDraw, type PlatformReceived } from './platformDraw';
import { cancelUpload, claimUpload, finishUpload, keepUpload, releaseUpload, sha256Hex, type ClaimRefusal } from './uploads';

export interface Sender {
  openId: string;
  name: string;
}

export type Received =
  | { ok: false; refusal: ReadRefusal }
  | { ok: true; kind: 'enterprises' | 'staff'; outcome: RegistryOutcome; upload?: SetupUploadDoc; superseded: SetupUploadDoc[] }
  | { ok: true; kind: 'calendar'; preview: CalendarPreview; upload?: SetupUploadDoc; superseded: SetupUploadDoc[] }
  | PlatformReceived;

export async function receiveSetupFile(
  deps: SetupDeps,
  input: { messageId: string; fileName: string; data: Buffer; by: Sender; actor: Actor },
): Promise<Received> {
  const read = await readSetupFile(input.fileName, input.data);
  if (!read.ok) return read;
  // The platform's draw is confirmed through its own action (it needs the actor and, for a redraw, a reason).
  if (read.kind === 'platformDraw') return receivePlatformDraw(deps, { ...input, sheet: read.sheet });
  const keep = (kind: 'enterprises' | 'staff' | 'calendar') =>
    keepUpload(deps.conn, { messageId: input.messageId, kind, fileName: input.fileName, data: input.data, by: input.by.openId, byName: input.by.name }, deps.now());
  if (read.kind === 'calendar') {
    const preview = await previewCalendar(deps, read.sheet);
    if (!preview.result.ok) return { ok: true, kind: 'calendar', preview, superseded: [] };
    const kept = await keep('calendar');
    return { ok: true, kind: 'calendar', preview, upload: kept.upload, superseded: kept.superseded };
  }
  let outcome: RegistryOutcome;
  try {
    outcome = await runRegistry(deps, read.kind, read.sheet, true);
  } catch (err) {
    const message = fileFailure(err);
    if (message !== undefined) return { ok: false, refusal: { code: 'unreadable', message } };
    throw err;
  }
  if (!registryImportable(outcome)) return { ok: true, kind: read.kind, outcome, superseded: [] };
  const kept = await keep(read.kind);
  return { ok: true, kind: read.kind, outcome, upload: kept.upload, superseded: kept.superseded };
}

export type Confirmed =
  | { ok: false; why: ClaimRefusal | 'changed'; upload?: SetupUploadDoc }
  | { ok: true; kind: 'enterprises' | 'staff'; upload: SetupUploadDoc; outcome: RegistryOutcome }
  | { ok: true; kind: 'calendar'; upload: SetupUploadDoc; imported: CalendarImport };

export async function confirmSetupUpload(deps: SetupDeps, input: { uploadId: Types.ObjectId; by: Sender }): Promise<Confirmed> {
  const claim = await claimUpload(deps.conn, input.uploadId, deps.now());
  if (!claim.ok) return claim;
  const { upload, data } = claim;
  try {
    const read = await readSetupFile(upload.fileName, data);
    if (!read.ok || read.kind !== upload.kind || read.kind === 'platformDraw') {
      await releaseUpload(deps.conn, upload._id);
      return { ok: false, why: 'changed', upload };
    }
    if (read.kind === 'calendar') {
      const preview = await previewCalendar(deps, read.sheet);
      if (!preview.result.ok) {
        await releaseUpload(deps.conn, upload._id);
        return { ok: false, why: 'changed', upload };
      }
      const imported = await importCalendarYear(deps, {
        calendar: preview.result.calendar,
        fileName: upload.fileName,
        size: data.length,
        sha256: sha256Hex(data),
        source: 'chat',
        by: input.by.openId,
        byName: input.by.name,
      });
      const done = await finishUpload(
        deps.conn,
        upload._id,
        { result: { ...imported.log.counts, year: imported.calendar.year }, by: input.by.openId, byName: input.by.name },
        deps.now(),
      );
      return { ok: true, kind: 'calendar', upload: done, imported };
    }
    const outcome = await runRegistry(deps, read.kind, read.sheet, false);
    const counts = registryCounts(outcome);
    await logRegistryImport(deps.conn, { kind: read.kind, fileName: upload.fileName, data, by: input.by.openId, byName: input.by.name, counts }, deps.now());
    const done = await finishUpload(deps.conn, upload._id, { result: counts, by: input.by.openId, byName: input.by.name }, deps.now());
    return { ok: true, kind: read.kind, upload: done, outcome };
  } catch (err) {
    await releaseUpload(deps.conn, upload._id).catch(() => undefined);
    throw err;
  }
}

export function cancelSetupUpload(deps: SetupDeps, input: { uploadId: Types.ObjectId; by: Sender }) {
  return cancelUpload(deps.conn, input.uploadId, { openId: input.by.openId, name: input.by.name }, deps.now());
}
