/**
 * Extra checklists of a campaign (进一次门，查多项事, notice 四(一): the 工业产品质量安全“零事故”创建指导 and the
 * 重点工业产品质量安全隐患排查 done in the same visit), read from a file the 市局联络员 provides.
 *
 * File format (CSV UTF-8 or XLSX first sheet; first row = headers, column order free, extra columns ignored):
 *   检查表名称, 序号, 检查内容
 * - one row per item; the rows of one 检查表名称 form one checklist, ordered by 序号;
 * - 检查表名称: 1–50 characters; 序号: a whole number 1–200, unique within its checklist; 检查内容: 1–500 characters;
 * - at most 5 checklists per campaign and 60 items in all (the visit's cards stay within Feishu's size limits).
 * A file with any bad row is refused as a whole (a checklist missing an item would be wrong), with every problem
 * and its line number. Importing a checklist of a name the campaign already has replaces it.
 */
import { charLength } from './inspection';

export const CHECKLIST_HEADERS = ['检查表名称', '序号', '检查内容'] as const;
export type ChecklistHeader = (typeof CHECKLIST_HEADERS)[number];

export const MAX_LISTS = 5;
export const MAX_TOTAL_ITEMS = 60;
export const MAX_NAME_LENGTH = 50;
export const MAX_ITEM_LENGTH = 500;
export const MAX_ITEM_NO = 200;

export interface ExtraChecklist {
  name: string;
  items: { no: number; text: string }[];
}

export interface ChecklistRow {
  line: number;
  cells: Partial<Record<ChecklistHeader, string>>;
}

export type ParseResult = { ok: true; lists: ExtraChecklist[] } | { ok: false; problems: { line: number; reason: string }[] };

/** Characters Word and XML cannot hold (C0 controls except tab/newline, lone surrogates, U+FFFE/U+FFFF). */
const BAD_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function clean(text: string | undefined): string {
  return (text ?? '').replace(/\r\n?/g, '\n').replace(/[ \t\u3000]+/g, ' ').trim();
}

/** The header row → column of each header; a missing header is a file-level problem. */
export function mapChecklistHeaders(cells: readonly string[]): { ok: Map<ChecklistHeader, number> } | { error: string } {
  const map = new Map<ChecklistHeader, number>();
  cells.forEach((c, i) => {
    const key = c.replace(/^\uFEFF/, '').replace(/\s+/g, '') as ChecklistHeader;
    if ((CHECKLIST_HEADERS as readonly string[]).includes(key) && !map.has(key)) map.set(key, i);
  });
  const missing = CHECKLIST_HEADERS.filter((h) => !map.has(h));
  if (missing.length > 0) return { error: `检查表文件缺少列：${missing.join('、')}（第1行应为表头：${CHECKLIST_HEADERS.join('、')}）` };
  return { ok: map };
}

export function parseChecklistRows(rows: readonly ChecklistRow[]): ParseResult {
  const problems: { line: number; reason: string }[] = [];
  const lists = new Map<string, { no: number; text: string; line: number }[]>();
  for (const row of rows) {
    const name = clean(row.cells['检查表名称']);
    const noText = clean(row.cells['序号']).replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
    const text = clean(row.cells['检查内容']);
    const bad = (reason: string) => problems.push({ line: row.line, reason });
    if (name === '') bad('缺少“检查表名称”');
    else if (charLength(name) > MAX_NAME_LENGTH) bad(`“检查表名称”最多 ${MAX_NAME_LENGTH} 字`);
    if (!/^\d{1,3}$/.test(noText) || Number(noText) < 1 || Number(noText) > MAX_ITEM_NO) bad(`“序号”应为 1–${MAX_ITEM_NO} 的整数，收到“${noText}”`);
    if (text === '') bad('缺少“检查内容”');
    else if (charLength(text) > MAX_ITEM_LENGTH) bad(`“检查内容”最多 ${MAX_ITEM_LENGTH} 字，当前 ${charLength(text)} 字`);
    if (BAD_CHARS.test(name) || BAD_CHARS.test(text)) bad('含有无法打印的控制字符，请删除后重试');
    if (name === '' || text === '' || !/^\d{1,3}$/.test(noText)) continue;
    const items = lists.get(name) ?? [];
    const no = Number(noText);
    const dup = items.find((i) => i.no === no);
    if (dup) bad(`“${name}”的序号 ${no} 与第 ${dup.line} 行重复`);
    items.push({ no, text, line: row.line });
    lists.set(name, items);
  }
  if (rows.length === 0) problems.push({ line: 1, reason: '文件中没有检查项' });
  if (lists.size > MAX_LISTS) problems.push({ line: 1, reason: `一个专项最多 ${MAX_LISTS} 张检查表，文件中有 ${lists.size} 张` });
  const total = [...lists.values()].reduce((n, l) => n + l.length, 0);
  if (total > MAX_TOTAL_ITEMS) problems.push({ line: 1, reason: `检查项合计最多 ${MAX_TOTAL_ITEMS} 项，文件中有 ${total} 项` });
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return {
    ok: true,
    lists: [...lists.entries()].map(([name, items]) => ({
      name,
      items: [...items].sort((a, b) => a.no - b.no).map((i) => ({ no: i.no, text: i.text })),
    })),
  };
}

/** The limits across the campaign after an import (the lists kept plus the ones imported). */
export function checkCampaignTotals(lists: readonly ExtraChecklist[]): string | undefined {
  if (lists.length > MAX_LISTS) return `一个专项最多 ${MAX_LISTS} 张检查表，导入后将有 ${lists.length} 张`;
  const total = lists.reduce((n, l) => n + l.items.length, 0);
  if (total > MAX_TOTAL_ITEMS) return `一个专项的检查项合计最多 ${MAX_TOTAL_ITEMS} 项，导入后将有 ${total} 项`;
  return undefined;
}
