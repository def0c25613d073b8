/**
 * GET /public/results: the 一公开 page: the published results of the campaign's inspections (谁检查、谁录入、谁公开:
 * a task is on the page once the county has recorded its publication).
 *
 * - Server-rendered HTML5, Chinese, no script; a table on wide screens that becomes one block per enterprise on phones.
 * - Shown per published task (state 已公示 or publication.publishedOn set; voided tasks never): 企业名称, 统一社会信用代码,
 *   许可证编号, 获证产品, 所属县区, 检查日期 (completion date), 检查结果 (as published, else the record's), 公示日期.
 *   Nothing about staff: no inspector names, no open ids (a public notice names the 检查机关, not its officers).
 * - Filters `?year=YYYY` (the year of the 检查日期, or of the 公示日期 when the record has none) and `?county=名称`;
 *   a malformed value is answered 400 with a Chinese message. Empty values mean “all” (the filter form sends them).
 * - Sorted by 公示日期, newest first, then 企业名称.
 * - Every value is HTML-escaped.
 * - Below the results, the draw records (web/drawRecords.ts): each draw's commitment hash from the moment it is
 *   committed, its public source and announced time, then its confirmation and result hash (or its void).
 */
import { chineseDateText } from '../domain/calendar';
import type Koa from 'koa';
import type { Connection } from 'mongoose';
import { completionDateOf } from '../domain/outcome';
import { RESULT_DICTIONARY, resultByLabel } from '../domain/results';
import { taskModel, type TaskDoc } from '../store/task';
import { drawRecords, renderDrawRecords, type PublicDrawRecord } from './drawRecords';
import { LONG_OPERATION } from '../store/timeouts';

export const PAGE_TITLE = '运城市市场监督管理局 工业产品生产许可证获证企业“双随机、一公开”监督检查结果公示';

export interface PublicResult {
  name: string;
  uscc: string;
  licenceNo: string;
  product: string;
  county: string;
  /** 检查日期 YYYY-MM-DD ('' when unknown) */
  inspectedOn: string;
  result: string;
  /** 公示日期 YYYY-MM-DD ('' when unknown) */
  publishedOn: string;
}

export interface PublicFilters {
  year?: number;
  county?: string;
}

export type FilterParse = { ok: true; filters: PublicFilters } | { ok: false; message: string };

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;
const COUNTY_PATTERN = /^[\u4e00-\u9fa5]{2,20}$/;

function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

/** Validates `?year=` and `?county=`. */
export function parseFilters(query: Record<string, string | string[] | undefined>): FilterParse {
  const filters: PublicFilters = {};
  const year = single(query.year);
  if (year === null) return { ok: false, message: '参数“year”只能出现一次，应为四位年份，例如 year=2024' };
  if (year !== undefined && year.trim() !== '') {
    const y = year.trim();
    if (!/^\d{4}$/.test(y) || Number(y) < MIN_YEAR || Number(y) > MAX_YEAR) {
      return { ok: false, message: `参数“year”应为 ${MIN_YEAR}–${MAX_YEAR} 之间的四位年份，例如 year=2024` };
    }
    filters.year = Number(y);
  }
  const county = single(query.county);
  if (county === null) return { ok: false, message: '参数“county”只能出现一次，应为县区名称，例如 county=盐湖区' };
  if (county !== undefined && county.trim() !== '') {
    const c = county.trim();
    if (!COUNTY_PATTERN.test(c)) return { ok: false, message: '参数“county”应为县区名称（2–20 个汉字），例如 county=盐湖区' };
    filters.county = c;
  }
  return { ok: true, filters };
}

function yearOf(r: PublicResult): number | undefined {
  const date = r.inspectedOn || r.publishedOn;
  const y = Number(date.slice(0, 4));
  return /^\d{4}-/.test(date) && Number.isFinite(y) ? y : undefined;
}

export function toPublicResult(t: TaskDoc): PublicResult {
  return {
    name: t.enterprise.name,
    uscc: t.enterprise.uscc,
    licenceNo: t.enterprise.licenceNo,
    product: t.enterprise.product,
    county: t.enterprise.county,
    // a closed task (无法联系 / 不配合 …) has no checklist record: its date is the closure's confirmation
    inspectedOn: completionDateOf(t) ?? '',
    result: t.publication?.result?.trim() || t.inspection?.result || '',
    publishedOn: t.publication?.publishedOn ?? '',
  };
}

/** Every published result (voided tasks excluded), newest publication first. */
export async function publishedResults(conn: Connection): Promise<PublicResult[]> {
  const docs = await taskModel(conn)
    .find(
      {
        state: { $ne: '已作废' },
        $or: [{ state: '已公示' }, { 'publication.publishedOn': { $exists: true, $nin: [null, ''] } }],
      },
      { enterprise: 1, state: 1, 'inspection.completionDate': 1, 'inspection.result': 1, 'closure.status': 1, 'closure.confirmedOn': 1, publication: 1 },
    )
    .setOptions(LONG_OPERATION) // every published result of the year
    .lean<TaskDoc[]>();
  return docs
    .map(toPublicResult)
    .sort((a, b) => b.publishedOn.localeCompare(a.publishedOn) || a.name.localeCompare(b.name, 'zh-CN') || a.licenceNo.localeCompare(b.licenceNo));
}

export function applyFilters(rows: readonly PublicResult[], f: PublicFilters): PublicResult[] {
  return rows.filter((r) => (f.county === undefined || r.county === f.county) && (f.year === undefined || yearOf(r) === f.year));
}

// ---- HTML ------------------------------------------------------------------------------------------------------------

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function cnDate(date: string): string {
  return chineseDateText(date) ?? '—';
}

const COLUMNS: readonly { title: string; value: (r: PublicResult) => string; cls?: string }[] = [
  { title: '企业名称', value: (r) => r.name, cls: 'name' },
  { title: '统一社会信用代码', value: (r) => r.uscc, cls: 'code' },
  { title: '许可证编号', value: (r) => r.licenceNo, cls: 'code' },
  { title: '获证产品', value: (r) => r.product },
  { title: '所属县区', value: (r) => r.county },
  { title: '检查日期', value: (r) => cnDate(r.inspectedOn) },
  { title: '检查结果', value: (r) => r.result || '—', cls: 'result' },
  { title: '公示日期', value: (r) => cnDate(r.publishedOn) },
];

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2329;background:#f5f6f7;line-height:1.6}
header{background:#a8071a;color:#fff;padding:16px}
header h1{margin:0 auto;max-width:1200px;font-size:20px;font-weight:600}
main{max-width:1200px;margin:0 auto;padding:16px}
form{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin-bottom:12px}
label{font-size:14px}
select,button{font:inherit;font-size:14px;padding:4px 8px}
.count{color:#646a73;font-size:14px;margin:8px 0}
.empty{background:#fff;border:1px solid #dee0e3;padding:32px 16px;text-align:center;color:#646a73}
table{width:100%;border-collapse:collapse;background:#fff;font-size:14px}
th,td{border:1px solid #dee0e3;padding:8px;text-align:left;vertical-align:top}
th{background:#f0f1f2;white-space:nowrap}
td.code{font-family:Consolas,"Courier New",monospace;word-break:break-all}
section.draws{margin-top:24px}
section.draws h2{font-size:17px;margin:0 0 4px}
footer{max-width:1200px;margin:0 auto;padding:0 16px 24px;color:#8f959e;font-size:12px}
@media (max-width:720px){
 header h1{font-size:17px}
 table,thead,tbody,tr,td{display:block;width:100%}
 thead{position:absolute;left:-9999px}
 tr{border:1px solid #dee0e3;margin-bottom:12px;background:#fff}
 td{border:none;border-bottom:1px solid #f0f1f2;padding:6px 8px 6px 9em;position:relative;min-height:2.2em}
 td::before{content:attr(data-label);position:absolute;left:8px;top:6px;width:8.5em;color:#646a73}
 td.name{font-weight:600}
}`;

function options(values: readonly string[], selected: string | undefined, allLabel: string): string {
  const opts = [`<option value="">${escapeHtml(allLabel)}</option>`];
  for (const v of values) opts.push(`<option value="${escapeHtml(v)}"${v === selected ? ' selected' : ''}>${escapeHtml(v)}</option>`);
  return opts.join('');
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(PAGE_TITLE)}</h1></header>
<main>
${body}
</main>
<footer>依据“双随机、一公开”监管要求，检查结果自检查完成之日起 20 个工作日内公示。如对公示内容有异议，请与企业所属县（市、区）市场监督管理局联系。</footer>
</body>
</html>
`;
}

/**
 * The page: `all` gives the filter choices (years and counties with published results), `rows` what is shown, `draws`
 * the draw records (commitments before their results).
 */
export function renderPublicResults(all: readonly PublicResult[], rows: readonly PublicResult[], f: PublicFilters, draws: readonly PublicDrawRecord[] = []): string {
  const years = [...new Set(all.map(yearOf).filter((y): y is number => y !== undefined))].sort((a, b) => b - a).map(String);
  if (f.year !== undefined && !years.includes(String(f.year))) years.unshift(String(f.year));
  const counties = [...new Set(all.map((r) => r.county))].sort((a, b) => a.localeCompare(b, 'zh-CN'));
  if (f.county !== undefined && !counties.includes(f.county)) counties.unshift(f.county);

  const form = `<form method="get" action="/public/results">
<label>年度 <select name="year">${options(years, f.year === undefined ? undefined : String(f.year), '全部年度')}</select></label>
<label>县区 <select name="county">${options(counties, f.county, '全部县区')}</select></label>
<button type="submit">筛选</button>
</form>`;

  let content: string;
  if (all.length === 0) {
    content = '<p class="empty">暂无公示的检查结果。检查结果将在检查完成之日起 20 个工作日内在此公示。</p>';
  } else if (rows.length === 0) {
    content = '<p class="empty">没有符合筛选条件的检查结果。</p>';
  } else {
    const head = `<thead><tr>${COLUMNS.map((c) => `<th scope="col">${escapeHtml(c.title)}</th>`).join('')}</tr></thead>`;
    const body = rows
      .map(
        (r) =>
          `<tr>${COLUMNS.map((c) => `<td data-label="${escapeHtml(c.title)}"${c.cls ? ` class="${c.cls}"` : ''}>${escapeHtml(c.value(r))}</td>`).join('')}</tr>`,
      )
      .join('\n');
    content = `<table>${head}<tbody>\n${body}\n</tbody></table>`;
  }
  const scope = [f.year !== undefined ? `${f.year}年度` : '', f.county ?? ''].filter((s) => s !== '').join('，');
  const count =
    all.length === 0 ? '' : `<p class="count">${escapeHtml(scope ? `${scope}：` : '')}共 ${rows.length} 条${escapeHtml(resultCounts(rows))}</p>`;
  return layout(PAGE_TITLE, `${form}\n${count}\n${content}\n${renderDrawRecords(draws)}`);
}

/** “；其中 未发现问题 12 条，通过登记的住所（经营场所）无法联系 1 条” in the dictionary's order (domain/results.ts). */
export function resultCounts(rows: readonly PublicResult[]): string {
  const parts = RESULT_DICTIONARY.map((r) => [r.label, rows.filter((x) => resultByLabel(x.result)?.code === r.code).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${label} ${n} 条`);
  const other = rows.filter((x) => !resultByLabel(x.result)).length;
  if (other > 0) parts.push(`其他 ${other} 条`);
  return parts.length > 0 ? `；其中${parts.join('，')}` : '';
}

export function renderBadRequest(message: string): string {
  return layout(`参数有误 - ${PAGE_TITLE}`, `<p class="empty">${escapeHtml(message)}</p><p><a href="/public/results">查看全部公示结果</a></p>`);
}

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** The koa handler of GET /public/results. */
export function publicResultsHandler(conn: Connection): (ctx: Koa.Context) => Promise<void> {
  return async (ctx) => {
    ctx.set(SECURITY_HEADERS);
    const parsed = parseFilters(ctx.query);
    if (!parsed.ok) {
      ctx.status = 400;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = renderBadRequest(parsed.message);
      return;
    }
    const all = await publishedResults(conn);
    const rows = applyFilters(all, parsed.filters);
    const draws = await drawRecords(conn, parsed.filters.year);
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=60');
    ctx.body = renderPublicResults(all, rows, parsed.filters, draws);
  };
}
