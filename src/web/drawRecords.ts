/**
 * The draw records on the 一公开 page (GET /public/results): every draw of every campaign as its hash chain records it
 * (docs/draw-spec.md §8) — the commitment hash as soon as the preview is logged, before anyone can know the outcome,
 * with the pinned public source and its announced time; then the confirmation (time, result hash) or the void. Anyone
 * can later check a published bundle against the commitment announced here (`draw verify`, §11.1).
 *
 * Only what the chain itself may publish: hashes, times, attempts, the source, the void's note. No person (the chain's
 * `by` refs are left out), no bundle content.
 */
import type { Connection, Types } from 'mongoose';
import type { PublicSource } from '../domain/draw2/model';
import { announcedText, describeSource } from '../domain/draw2/sourceText';
import { campaignModel } from '../store/campaign';
import { drawChainModel, type ChainDoc } from '../store/draw';
import { escapeHtml } from './publicResults';

export interface PublicDrawRecord {
  campaign: string;
  year: number;
  attempt: number;
  /** a draw of the bot (commit → reveal) or one imported from the national platform */
  kind: 'draw' | 'platform';
  /** Beijing time `YYYY-MM-DD HH:mm` of the commitment (of the import for a platform draw) */
  committedAt: string;
  commitmentHash: string | null;
  populationSize: number | null;
  /** the pinned public source and its announced time, in words; null without one */
  source: string | null;
  status: '待确认' | '已确认' | '已作废' | '已被取代';
  /** Beijing time of the confirmation or the void */
  settledAt: string | null;
  resultHash: string | null;
  /** the void's note (Chinese), or the platform's wording */
  note: string | null;
  /** the reason logged with the commitment (a redraw's 理由), null for a first draw */
  reason: string | null;
  /** a confirmed draw a later confirmed one replaced (its reveal's `supersedes`): which, when, and that one's reason */
  supersededBy: { attempt: number; at: string; reason: string | null } | null;
}

const BEIJING = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `YYYY-MM-DD HH:mm` in Beijing time of an ISO instant ('' when unreadable). */
export function beijingMinute(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const p = Object.fromEntries(BEIJING.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);

/** The records of the chain entries given (one campaign's or several, each campaign's in `seq` order). */
export function recordsOf(entries: readonly Pick<ChainDoc, 'campaignId' | 'entry'>[], campaigns: ReadonlyMap<string, { name: string; year: number }>): PublicDrawRecord[] {
  const byDraw = new Map<string, PublicDrawRecord>();
  const order: PublicDrawRecord[] = [];
  const campaignOf = new Map<PublicDrawRecord, string>();
  for (const { campaignId, entry } of entries) {
    const c = campaigns.get(String(campaignId));
    if (c === undefined) continue;
    const d = entry.data as Record<string, unknown>;
    const drawId = str(d.drawId);
    if (drawId === null) continue;
    const key = `${String(campaignId)}:${drawId}`;
    if (entry.kind === 'commit') {
      const commitment = (d.commitment ?? {}) as Record<string, unknown>;
      const source = (commitment.source ?? null) as PublicSource | null;
      const r: PublicDrawRecord = {
        campaign: c.name,
        year: c.year,
        attempt: num(d.attempt) ?? 0,
        kind: 'draw',
        committedAt: beijingMinute(entry.at),
        commitmentHash: str(d.commitmentHash),
        populationSize: num(commitment.populationSize),
        source: source !== null && Array.isArray(source.parts) ? `${describeSource(source)}，开奖时间 ${announcedText(source.announcedAt)}` : null,
        status: '待确认',
        settledAt: null,
        resultHash: null,
        note: null,
        reason: str(d.reason),
        supersededBy: null,
      };
      byDraw.set(key, r);
      order.push(r);
      campaignOf.set(r, String(campaignId));
    } else if (entry.kind === 'reveal' || entry.kind === 'void') {
      const r = byDraw.get(key);
      if (r === undefined || r.status !== '待确认') continue;
      r.status = entry.kind === 'reveal' ? '已确认' : '已作废';
      r.settledAt = beijingMinute(entry.at);
      if (entry.kind === 'reveal') {
        r.resultHash = str(d.resultHash);
        supersede(String(campaignId), d.supersedes, r);
      } else r.note = str(d.note);
    } else if (entry.kind === 'platform') {
      const r: PublicDrawRecord = {
        campaign: c.name,
        year: c.year,
        attempt: num(d.attempt) ?? 0,
        kind: 'platform',
        committedAt: beijingMinute(entry.at),
        commitmentHash: null,
        populationSize: null,
        source: '国家“双随机、一公开”监管平台（导入其抽取结果）',
        status: '已确认',
        settledAt: beijingMinute(entry.at),
        resultHash: str(d.resultHash),
        note: null,
        reason: str(d.reason),
        supersededBy: null,
      };
      byDraw.set(key, r);
      order.push(r);
      campaignOf.set(r, String(campaignId));
      supersede(String(campaignId), d.supersedes, r);
    }
  }
  return order;

  /** The confirmed draws of the campaign that `by` lists as replaced are shown as such. */
  function supersede(campaign: string, attempts: unknown, by: PublicDrawRecord): void {
    if (!Array.isArray(attempts)) return;
    for (const r of order) {
      if (r === by || r.status !== '已确认' || !attempts.includes(r.attempt) || campaignOf.get(r) !== campaign) continue;
      r.status = '已被取代';
      r.supersededBy = { attempt: by.attempt, at: by.settledAt ?? '', reason: by.reason };
    }
  }
}

/** How many draws the page lists (the newest). */
export const DRAW_RECORDS_SHOWN = 30;

/** The draw records of every campaign (of `year` when given), newest first. */
export async function drawRecords(conn: Connection, year?: number): Promise<PublicDrawRecord[]> {
  const campaigns = await campaignModel(conn)
    .find(year === undefined ? {} : { year }, { name: 1, year: 1 })
    .sort({ year: -1 })
    .lean<{ _id: Types.ObjectId; name: string; year: number }[]>();
  if (campaigns.length === 0) return [];
  const names = new Map(campaigns.map((c) => [String(c._id), { name: c.name, year: c.year }]));
  const entries = await drawChainModel(conn)
    .find({ campaignId: { $in: campaigns.map((c) => c._id) } }, { campaignId: 1, seq: 1, entry: 1 })
    .sort({ campaignId: 1, seq: 1 })
    .lean<Pick<ChainDoc, 'campaignId' | 'seq' | 'entry'>[]>();
  return recordsOf(entries, names)
    .sort((a, b) => (a.committedAt < b.committedAt ? 1 : a.committedAt > b.committedAt ? -1 : b.attempt - a.attempt))
    .slice(0, DRAW_RECORDS_SHOWN);
}

function statusText(r: PublicDrawRecord): string {
  if (r.status === '待确认') return '待确认（结果尚未产生）';
  if (r.supersededBy) {
    const by = r.supersededBy;
    return `已确认 ${r.settledAt ?? ''}；${by.at} 被第${by.attempt}次抽取取代${by.reason ? `（重新抽取理由：${by.reason}）` : ''}，结果不再有效`;
  }
  return `${r.status} ${r.settledAt ?? ''}${r.note ? `（${r.note}）` : ''}`;
}

/** The section of the page (empty text when there is no draw). */
export function renderDrawRecords(records: readonly PublicDrawRecord[]): string {
  if (records.length === 0) return '';
  const rows = records
    .map((r) => {
      const cells: [string, string, string?][] = [
        ['专项', r.campaign],
        ['抽取', `第${r.attempt}次${r.kind === 'platform' ? '（监管平台）' : ''}`],
        [r.kind === 'platform' ? '导入时间' : '承诺时间', r.committedAt || '—'],
        ['承诺哈希', r.commitmentHash ?? '—', 'code'],
        ['随机来源', r.source ?? '机器人随机值与联络员填写的种子'],
        ['状态', statusText(r)],
        ['结果哈希', r.resultHash ?? '—', 'code'],
      ];
      return `<tr>${cells.map(([title, value, cls]) => `<td data-label="${escapeHtml(title)}"${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const head = ['专项', '抽取', '承诺时间', '承诺哈希', '随机来源', '状态', '结果哈希'].map((t) => `<th scope="col">${escapeHtml(t)}</th>`).join('');
  return `<section class="draws">
<h2>抽取记录（承诺先于结果公布）</h2>
<p class="count">每次抽取在预览时即记录承诺哈希（企业名录、人员名录、抽取参数和机器人随机值的哈希），在结果产生之前公布于此；锁定公开来源（如彩票开奖号码）的，须在其开奖时间之后才能确认。确认后发布的公开数据包可用 npm run cli -- draw verify 核对其承诺哈希与此处一致。</p>
<table><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table>
</section>`;
}
