/**
 * The platform's draw sent in chat (docs/interfaces.md "Set-up in chat", docs/draw-spec.md §14): a 市局联络员 sends
 * the result exported from the national “双随机、一公开” platform; the preview matches it to the registries and says
 * what confirming will do; `确认导入` imports exactly the file previewed (claimed once, its SHA-256 checked, and the
 * match unchanged since the preview) as the campaign's draw of source “平台”, then dispatches it as a `/抽取` draw.
 *
 * Decisions:
 * - Only a 市局联络员 registered in the staff registry imports a draw (the rule of `/抽取`; an administrator of
 *   ADMIN_OPEN_IDS sees the preview but no button). The draw goes into the active campaign (as `/抽取` without 专项=).
 * - When the campaign already has a confirmed draw, the import is a redraw with the rules of `/抽取 理由=…`: a reason
 *   is asked on the preview card (2–200 characters, logged), the unstarted tasks of the old draw are voided, and a
 *   started task blocks it (at the preview, and again at the confirmation by the fence).
 * - The preview's match is signed (a hash of the campaign, the draw it would replace and the matched firms and teams,
 *   carried by the button): if anything of it changed before `确认导入` (a registry, another draw), the preview is
 *   refused and the file must be sent again — as a `/抽取` preview is voided by a registry change.
 */
import { Types } from 'mongoose';
import { shanghaiDate } from '../../domain/calendar';
import { nextAttempt } from '../../domain/draw2/chain';
import { jcsHash } from '../../domain/draw2/jcs';
import { platformOutcome, PLATFORM_ALGORITHM, type PlatformFile, type PlatformOutcome } from '../../domain/draw2/platform';
import { matchPlatformRows, readPlatformRows, type LineProblem, type PlatformEnterprise, type PlatformMatch, type PlatformStaff } from '../../domain/platformDraw';
import { normalizeUscc } from '../../domain/uscc';
import type { Actor } from '../../policies';
import type { CampaignDoc } from '../../store/campaign';
import { loadChain, type DrawDoc } from '../../store/draw';
import { enterpriseModel } from '../../store/enterprise';
import { importLogModel } from '../../store/importLog';
import { deleteChunks } from '../../store/chunks';
import { setupUploadModel, uploadChunks, type SetupUploadDoc } from '../../store/setupUpload';
import { staffModel } from '../../store/staff';
import { taskModel, type TaskState } from '../../store/task';
import { LONG_OPERATION } from '../../store/timeouts';
import { findActiveCampaign } from '../campaigns';
import { countiesWithoutLiaison } from '../draw/confirmDraw';
import { drawRefusal } from '../draw/context';
import { dispatchDraw } from '../draw/dispatch';
import { existingPlatformImport, importPlatformDraw } from '../draw/platformImport';
import { currentDraw } from '../draw/previewDraw';
import type { SheetRow } from '../registryFile';
import { readSetupFile, type SetupDeps } from './setupFiles';
import { claimUpload, finishUpload, keepUpload, releaseUpload, sha256Hex, type ClaimRefusal } from './uploads';

export interface PlatformPreview {
  file: PlatformFile;
  /** the campaign the draw goes into (the active one) */
  campaign: CampaignDoc | null;
  match: PlatformMatch;
  /** refusals of the file as a whole (no campaign, not a 市局联络员, a started draw to replace) */
  refusals: string[];
  /** the campaign's confirmed draw this import would replace */
  replaces?: { attempt: number; platform: boolean; pending: number; drawId: string };
  /** the attempt the import will be */
  attempt: number;
  outcome?: PlatformOutcome;
  byCounty: { county: string; n: number }[];
  people: number;
  /** every refusal-level problem absent: the preview may be confirmed */
  importable: boolean;
  /** what the confirm button carries: the preview's match, signed */
  signature: string;
}

const STARTED = { $nin: ['待接收', '待检查', '已作废'] as TaskState[] };

async function registryRows(deps: SetupDeps, codes: readonly string[]): Promise<Map<string, PlatformEnterprise[]>> {
  const out = new Map<string, PlatformEnterprise[]>();
  const unique = [...new Set(codes)];
  for (let i = 0; i < unique.length; i += 1000) {
    const rows = await enterpriseModel(deps.conn)
      .find({ uscc: { $in: unique.slice(i, i + 1000) } }, { _id: 0, uscc: 1, name: 1, licenceNo: 1, product: 1, category: 1, riskClass: 1, county: 1, validTo: 1 })
      .setOptions(LONG_OPERATION)
      .lean<PlatformEnterprise[]>();
    for (const r of rows) {
      const list = out.get(r.uscc);
      if (list) list.push(r);
      else out.set(r.uscc, [r]);
    }
  }
  return out;
}

/** The dry run: nothing is written. */
export async function previewPlatformDraw(
  deps: SetupDeps,
  input: { sheet: readonly SheetRow[]; fileName: string; data: Buffer; actor: Actor },
): Promise<PlatformPreview> {
  const file: PlatformFile = { name: input.fileName, size: input.data.length, sha256: sha256Hex(input.data) };
  const refusals: string[] = [];
  const denied = drawRefusal(input.actor);
  if (denied) refusals.push(`只有市局联络员可以导入抽取结果（与 /抽取 相同）。${input.actor.admin ? '系统管理员请把文件交给市局联络员。' : ''}`);
  const campaign = await findActiveCampaign(deps.conn, shanghaiDate(deps.now()));
  if (!campaign) refusals.push('当前没有进行中的专项：请先发送 /专项 新建 …（或由管理员创建专项），再发送抽取结果。');

  const read = readPlatformRows(input.sheet);
  const rows = 'ok' in read ? read.ok : [];
  const registry = await registryRows(deps, rows.map((r) => normalizeUscc(r.uscc)).filter((c) => c.length === 18));
  const staffDocs = await staffModel(deps.conn).find({}, { _id: 0, openId: 1, name: 1, roles: 1, unit: 1, county: 1, avoid: 1 }).lean<PlatformStaff[]>();
  const match = matchPlatformRows(rows, registry, staffDocs.map((s) => ({ ...s, avoid: s.avoid ?? [] })), {
    campaignStart: campaign?.from ?? '0000-00-00',
    excludeOwnCounty: campaign?.excludeOwnCounty ?? false,
  });
  if ('error' in read) match.problems.unshift({ reason: read.error });

  let replaces: PlatformPreview['replaces'];
  let attempt = 1;
  if (campaign) {
    attempt = nextAttempt(await loadChain(deps.conn, campaign._id));
    const current: DrawDoc | null = await currentDraw(deps.conn, campaign._id);
    if (current) {
      const started = await taskModel(deps.conn).countDocuments({ drawId: current._id, state: STARTED });
      if (started > 0) {
        refusals.push(`“${campaign.name}”第${current.attempt}次抽取的任务中已有${started}项开始检查，不能再以平台结果替换（与 /抽取 重新抽取的规则相同）。如需调整个别任务的检查组，请用 /换人。`);
      }
      const pending = await taskModel(deps.conn).countDocuments({ drawId: current._id, state: { $in: ['待接收', '待检查'] } });
      replaces = { attempt: current.attempt, platform: current.algorithm === PLATFORM_ALGORITHM, pending, drawId: String(current._id) };
    }
  }
  const importable = refusals.length === 0 && match.problems.length === 0 && match.firms.length > 0;
  const outcome = match.firms.length > 0 ? platformOutcome(match.firms, file, match.warnings) : undefined;
  const byCounty = new Map<string, number>();
  const people = new Set<string>();
  for (const f of match.firms) {
    byCounty.set(f.enterprise.county, (byCounty.get(f.enterprise.county) ?? 0) + 1);
    for (const m of f.team) people.add(m.openId);
  }
  const signature = jcsHash({
    campaign: campaign ? String(campaign._id) : null,
    replaces: replaces?.drawId ?? null,
    file: file.sha256,
    selection: outcome?.details.selection ?? [],
    teams: outcome?.details.teams ?? [],
  }).slice(0, 16);
  return {
    file,
    campaign,
    match,
    refusals,
    ...(replaces ? { replaces } : {}),
    attempt,
    ...(outcome ? { outcome } : {}),
    byCounty: [...byCounty.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([county, n]) => ({ county, n })),
    people: people.size,
    importable,
    signature,
  };
}

export interface PlatformReceived {
  ok: true;
  kind: 'platformDraw';
  preview: PlatformPreview;
  upload?: SetupUploadDoc;
  superseded: SetupUploadDoc[];
}

/** A platform file received in chat: previewed; its bytes kept when it can be confirmed. */
export async function receivePlatformDraw(
  deps: SetupDeps,
  input: { messageId: string; fileName: string; data: Buffer; by: { openId: string; name: string }; actor: Actor; sheet: readonly SheetRow[] },
): Promise<PlatformReceived> {
  const preview = await previewPlatformDraw(deps, { sheet: input.sheet, fileName: input.fileName, data: input.data, actor: input.actor });
  if (!preview.importable) return { ok: true, kind: 'platformDraw', preview, superseded: [] };
  const kept = await keepUpload(
    deps.conn,
    { messageId: input.messageId, kind: 'platformDraw', fileName: input.fileName, data: input.data, by: input.by.openId, byName: input.by.name },
    deps.now(),
  );
  return { ok: true, kind: 'platformDraw', preview, upload: kept.upload, superseded: kept.superseded };
}

export type PlatformConfirmed =
  | { ok: false; why: ClaimRefusal; upload?: SetupUploadDoc }
  /** refused; `closed`: the preview can no longer be confirmed (its card should say why, without buttons) */
  | { ok: false; why: 'refused'; title: string; reason: string; closed: boolean; upload?: SetupUploadDoc }
  | {
      ok: true;
      already: boolean;
      upload: SetupUploadDoc;
      draw: DrawDoc;
      campaign: CampaignDoc;
      countiesWithoutLiaison: string[];
      /** the dispatch runs after the answer (idempotent; resumed after a crash) */
      dispatch: Promise<void>;
    };

/** Marks an upload that can never be imported (what it previewed no longer holds), forgetting its bytes. */
async function refuseUpload(deps: SetupDeps, id: Types.ObjectId, by: { openId: string; name: string }): Promise<SetupUploadDoc | undefined> {
  const upload = await setupUploadModel(deps.conn)
    .findOneAndUpdate(
      { _id: id, status: 'importing' },
      { $set: { status: 'refused', doneBy: by.openId, doneByName: by.name, doneAt: deps.now() }, $unset: { importingUntil: 1 } },
      { returnDocument: 'after' },
    )
    .lean<SetupUploadDoc>();
  await deleteChunks(uploadChunks(deps.conn, id));
  return upload ?? undefined;
}

function problemLines(problems: readonly LineProblem[], max: number): string {
  const shown = problems.slice(0, max).map((p) => (p.line !== undefined ? `第${p.line}行：${p.reason}` : p.reason));
  return shown.join('；') + (problems.length > max ? `；……共${problems.length}处` : '');
}

/** The import is in: the import log (once per upload), the upload done, the dispatch started. */
async function finishImport(
  deps: SetupDeps,
  input: {
    upload: SetupUploadDoc;
    data: Buffer;
    draw: DrawDoc;
    campaign: CampaignDoc;
    already: boolean;
    rows: number | null;
    warnings: number | null;
    by: { openId: string; name: string };
  },
): Promise<PlatformConfirmed> {
  const { upload, draw } = input;
  const counts: Record<string, number> = {
    ...(input.rows !== null ? { rows: input.rows } : {}),
    firms: draw.summary?.selected ?? 0,
    teams: draw.summary?.teams ?? 0,
    ...(input.warnings !== null ? { warnings: input.warnings } : {}),
    attempt: draw.attempt,
  };
  const logged = await importLogModel(deps.conn).exists({ kind: 'platformDraw', sha256: upload.sha256, 'counts.attempt': draw.attempt });
  if (!logged) {
    await importLogModel(deps.conn).create({
      kind: 'platformDraw',
      fileName: upload.fileName,
      size: input.data.length,
      sha256: upload.sha256,
      source: 'chat',
      by: input.by.openId,
      byName: input.by.name,
      at: deps.now(),
      counts,
    });
  }
  const done = await finishUpload(deps.conn, upload._id, { result: counts, by: input.by.openId, byName: input.by.name }, deps.now());
  const missing = await countiesWithoutLiaison(deps.conn, (draw.summary?.byCounty ?? []).map((c) => c.county));
  const dispatch = draw.dispatchedAt ? Promise.resolve() : dispatchDraw(deps.conn, deps.outbox, deps.now(), draw._id).then(() => undefined);
  return { ok: true, already: input.already, upload: done, draw, campaign: input.campaign, countiesWithoutLiaison: missing, dispatch };
}

export const REDRAW_REASON = /^[\s\S]{2,200}$/u;

export async function confirmPlatformDraw(
  deps: SetupDeps,
  input: { uploadId: Types.ObjectId; signature: string; reason?: string; actor: Actor; by: { openId: string; name: string } },
): Promise<PlatformConfirmed> {
  const denied = drawRefusal(input.actor);
  if (denied) return { ok: false, why: 'refused', title: denied.title, reason: '只有市局联络员可以导入抽取结果（与 /抽取 相同）。', closed: false };
  const claim = await claimUpload(deps.conn, input.uploadId, ['platformDraw'], deps.now());
  if (!claim.ok) {
    // An import that finished already: the second click answers with what the first one did.
    return claim;
  }
  const { upload, data } = claim;
  try {
    // An earlier click whose import a crash interrupted: finish that one (the dispatch job may have already).
    const earlier = await existingPlatformImport(deps.conn, upload._id);
    if (earlier !== null) {
      if (!earlier.ok) {
        const refused = await refuseUpload(deps, upload._id, input.by);
        return { ok: false, why: 'refused', title: earlier.title, reason: earlier.reason, closed: true, upload: refused ?? upload };
      }
      return finishImport(deps, { upload, data, draw: earlier.draw, campaign: earlier.campaign, already: true, rows: null, warnings: null, by: input.by });
    }
    const read = await readSetupFile(upload.fileName, data);
    if (!read.ok || read.kind !== 'platformDraw') {
      const refused = await refuseUpload(deps, upload._id, input.by);
      return { ok: false, why: 'refused', title: '没有导入', reason: '文件无法按预览读取，没有导入：请重新发送文件。', closed: true, upload: refused ?? upload };
    }
    const preview = await previewPlatformDraw(deps, { sheet: read.sheet, fileName: upload.fileName, data, actor: input.actor });
    if (!preview.importable || preview.signature !== input.signature || !preview.outcome || !preview.campaign) {
      const refused = await refuseUpload(deps, upload._id, input.by);
      const why = [...preview.refusals, ...(preview.match.problems.length > 0 ? [`文件现有问题：${problemLines(preview.match.problems, 5)}`] : [])];
      return {
        ok: false,
        why: 'refused',
        title: '预览已失效',
        reason:
          `预览之后名录库、人员名录或本专项的抽取情况有变化，这份预览已失效，没有导入。${why.join(' ')}` +
          '请重新发送文件，按最新情况预览后再确认。',
        closed: true,
        upload: refused ?? upload,
      };
    }
    let reason: string | null = null;
    if (preview.replaces) {
      const typed = (input.reason ?? '').trim();
      if (!REDRAW_REASON.test(typed)) {
        await releaseUpload(deps.conn, upload._id);
        return {
          ok: false,
          why: 'refused',
          title: '请填写理由',
          reason: `本专项已有第${preview.replaces.attempt}次抽取，导入平台结果即重新抽取：请在卡片上填写2–200字的理由后再点击“确认导入”。`,
          closed: false,
        };
      }
      reason = typed;
    }
    const imported = await importPlatformDraw(deps.conn, deps.now(), {
      actor: input.actor,
      actorName: input.by.name,
      campaign: preview.campaign,
      uploadId: upload._id,
      file: preview.file,
      outcome: preview.outcome,
      reason,
    });
    if (!imported.ok) {
      const refused = await refuseUpload(deps, upload._id, input.by);
      return { ok: false, why: 'refused', title: imported.title, reason: imported.reason, closed: true, upload: refused ?? upload };
    }
    return finishImport(deps, {
      upload,
      data,
      draw: imported.draw,
      campaign: preview.campaign,
      already: imported.already,
      rows: preview.match.rows,
      warnings: preview.match.warnings.length,
      by: input.by,
    });
  } catch (err) {
    await releaseUpload(deps.conn, upload._id).catch(() => undefined);
    throw err;
  }
}
