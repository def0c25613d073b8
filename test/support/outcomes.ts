/**
 * Helpers of the outcome tests (closure, 立案/移交, extra checklists, window, county reports, 附件5): a campaign with a
 * confirmed draw and tasks in it written straight into the database, the files the bot sent, read back.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { Types, type Connection } from 'mongoose';
import type { ChecklistKind } from '../../src/domain/checklists';
import type { Enterprise } from '../../src/domain/types';
import { createCampaign } from '../../src/operations/campaigns';
import type { CampaignDoc } from '../../src/store/campaign';
import { drawModel, type DrawDoc } from '../../src/store/draw';
import { taskModel, type TaskDoc, type TaskState, type TeamSlot } from '../../src/store/task';
import type { SentMessage, StoredFile } from '../../src/sandbox/emulator/types';
import type { Harness } from './harness';
import { enterprise, TEAM } from './fixtures';

export async function campaignWithDraw(
  conn: Connection,
  opts: { year?: number; from?: string; to?: string; name?: string } = {},
): Promise<{ campaign: CampaignDoc; draw: DrawDoc }> {
  const year = opts.year ?? 2024;
  const { campaign } = await createCampaign(conn, {
    name: opts.name ?? `${year}年工业产品生产许可证获证企业“双随机、一公开”监督检查`,
    year,
    from: opts.from ?? `${year}-03-15`,
    to: opts.to ?? `${year}-10-31`,
    ratio: 0.25,
  });
  const draw = await drawModel(conn).create({
    campaignId: campaign._id,
    attempt: 1,
    status: 'confirmed',
    requestedBy: 'ou_liaison000000000000000000000c1',
    requestedByName: '许小颖',
    entropy: 'e1',
    entropySource: 'liaison',
    populationHash: 'p',
    staffHash: 's',
    seed: 'seed',
    resultHash: 'r',
    prevLogHash: 'l',
    bundleGz: Buffer.from('x'),
    confirmedBy: 'ou_liaison000000000000000000000c1',
    confirmedAt: new Date(`${year}-03-20T02:00:00Z`),
  });
  return { campaign, draw: draw.toObject() as DrawDoc };
}

let seq = 0;

/** A task of the campaign's draw, with a distinct enterprise (licence number, 统一社会信用代码, name). */
export async function taskIn(
  conn: Connection,
  ctx: { campaign: CampaignDoc; draw: DrawDoc },
  opts: { kind?: ChecklistKind; state?: TaskState; team?: TeamSlot[]; enterprise?: Partial<Enterprise>; extra?: Record<string, unknown> } = {},
): Promise<TaskDoc> {
  seq += 1;
  const kind = opts.kind ?? 'industrial';
  const n = String(seq).padStart(5, '0');
  const created = await taskModel(conn).create({
    campaignId: ctx.campaign._id,
    drawId: ctx.draw._id,
    no: 1000 + seq,
    enterprise: enterprise(kind, { name: `运城市结果测试${n}有限公司`, licenceNo: `晋XK06-002-8${n}`, uscc: `91140800MA0R${n}X`, ...opts.enterprise }),
    checklist: kind,
    team: opts.team ?? TEAM,
    state: opts.state ?? '待检查',
    version: 0,
    ...(opts.extra ?? {}),
  });
  return created.toObject() as TaskDoc;
}

export function newId(): Types.ObjectId {
  return new Types.ObjectId();
}

// ---- files the bot sent ---------------------------------------------------------------------------------------------

export const fileMessages = (h: Harness, to: string): SentMessage[] => h.emulator.messages().filter((m) => m.msg_type === 'file' && m.receive_id === to);

/** Waits for `n` file messages to `to` (since the last emulator reset); returns the stored files. */
export async function filesTo(h: Harness, to: string, n: number, timeoutMs = 15_000): Promise<StoredFile[]> {
  const until = Date.now() + timeoutMs;
  while (fileMessages(h, to).length < n) {
    if (Date.now() > until) throw new Error(`expected ${n} files to ${to}, got ${fileMessages(h, to).length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stored = h.emulator.files();
  return fileMessages(h, to).map((m) => {
    const key = (m.content as { file_key?: string }).file_key;
    const file = stored.find((f) => f.file_key === key);
    if (!file) throw new Error(`file ${String(key)} not stored`);
    return file;
  });
}

/** word/document.xml of a .docx. */
export async function documentXml(data: Uint8Array): Promise<string> {
  const zip = await JSZip.loadAsync(data);
  return zip.file('word/document.xml')!.async('string');
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Text of XML, one line per paragraph. */
export function xmlText(xml: string): string {
  return decode(xml.replace(/<w:br\/>/g, '\n').replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, ''));
}

/** The text of every cell of every table row. */
export function tableCells(xml: string): string[][] {
  return (xml.match(/<w:tr[ >][\s\S]*?<\/w:tr>/g) ?? []).map((r) => (r.match(/<w:tc>[\s\S]*?<\/w:tc>/g) ?? []).map((c) => xmlText(c).trim()));
}

export async function workbook(data: Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(data as never);
  return wb;
}

/**
 * A cell's value; a formula cell's cached result (exceljs writes a cached 0 as <v>0</v> but reads it back as no
 * result: a formula cell without one is 0).
 */
export function cellValue(cell: ExcelJS.Cell): unknown {
  const v = cell.value as unknown;
  return v && typeof v === 'object' && 'formula' in (v as object) ? ((v as { result?: unknown }).result ?? 0) : v;
}

/** Waits until the outbox has delivered everything. */
export async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    const c = await h.service.outbox.counts();
    if (!c.pending && !c.sending) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the outbox did not settle');
}

// ---- formula cells as written --------------------------------------------------------------------------------------

const xmlAttr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name.replace(':', '\\:')}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]!) : undefined;
};

/**
 * Every formula cell of every sheet as the .xlsx holds it (xl/worksheets/sheetN.xml, found through xl/workbook.xml
 * and its relationships): sheet name → cell address → the cached value (`<v>`), undefined when there is none.
 * exceljs reads a cached 0 back as no result, so only the XML tells a missing cached value from a 0.
 */
export async function cachedFormulaValues(data: Uint8Array): Promise<Map<string, Map<string, string | undefined>>> {
  const zip = await JSZip.loadAsync(data);
  const read = async (p: string): Promise<string> => {
    const f = zip.file(p);
    if (!f) throw new Error(`${p} is missing from the workbook`);
    return f.async('string');
  };
  const rels = await read('xl/_rels/workbook.xml.rels');
  const targets = new Map((rels.match(/<Relationship\b[^>]*>/g) ?? []).map((t) => [xmlAttr(t, 'Id'), xmlAttr(t, 'Target')]));
  const out = new Map<string, Map<string, string | undefined>>();
  for (const tag of (await read('xl/workbook.xml')).match(/<sheet\b[^>]*>/g) ?? []) {
    const name = xmlAttr(tag, 'name')!;
    const target = targets.get(xmlAttr(tag, 'r:id'))!;
    const xml = await read(target.startsWith('/') ? target.slice(1) : `xl/${target}`);
    const cells = new Map<string, string | undefined>();
    for (const m of xml.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const inner = m[2] ?? '';
      if (!/<f[\s>/]/.test(inner)) continue;
      const v = /<v>([\s\S]*?)<\/v>/.exec(inner);
      cells.set(xmlAttr(`<c ${m[1]}>`, 'r')!, v ? decode(v[1]!) : undefined);
    }
    out.set(name, cells);
  }
  return out;
}

/**
 * Every formula cell exceljs reads has a cached value in the XML, equal to what cellValue gives (so the comparisons
 * made with cellValue are comparisons with the cached values); and the XML has no formula cell exceljs missed.
 * Returns how many formula cells were checked.
 */
export async function expectFormulasCached(data: Uint8Array, wb: ExcelJS.Workbook): Promise<number> {
  const raw = await cachedFormulaValues(data);
  let n = 0;
  wb.eachSheet((ws) => {
    const cells = raw.get(ws.name) ?? new Map<string, string | undefined>();
    const seen: string[] = [];
    ws.eachRow({ includeEmpty: false }, (row) =>
      row.eachCell({ includeEmpty: false }, (cell) => {
        if (cell.type !== ExcelJS.ValueType.Formula) return;
        seen.push(cell.address);
        expect([ws.name, cell.address, cells.has(cell.address), cells.get(cell.address) !== undefined]).toEqual([ws.name, cell.address, true, true]);
        expect([ws.name, cell.address, cells.get(cell.address)]).toEqual([ws.name, cell.address, String(cellValue(cell))]);
      }),
    );
    expect([ws.name, [...cells.keys()].sort()]).toEqual([ws.name, seen.sort()]);
    n += seen.length;
  });
  return n;
}
