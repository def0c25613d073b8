import { readFileSync } from 'fs';
import { join } from 'path';

import { CHECKLISTS, checklistKindFor, type ChecklistKind } from '../../src/domain/checklists';

/**
 * Parses the 附件3 / 附件4 tables out of the notice fixture, independently of the data module:
 * find the section between the "附件 N" heading and the next "附件" heading (or the end of the
 * document), then take every table row that starts with an item number; its 督查内容 is the second
 * tab-separated column. HTML tags and all whitespace (PDF line breaks, stray spaces) are dropped.
 */
const NOTICE = readFileSync(join(__dirname, '..', 'fixtures', 'notice-2024.txt'), 'utf8');

interface ParsedRow {
  no: number;
  content: string;
}

function normalise(text: string): string {
  return text.replace(/<[^>]*>/g, '').replace(/\s+/gu, '');
}

function sectionOf(annex: number): string {
  // Headings look like "附件 3" or "## 附件 4" on a line of their own (the list in the body has "3. 《…》").
  const headingRe = /^[#\s]*附件\s*(\d+)\s*$/gmu;
  const headings = [...NOTICE.matchAll(headingRe)].map((m) => ({ annex: Number(m[1]), index: m.index ?? 0 }));
  const pos = headings.findIndex((h) => h.annex === annex);
  if (pos < 0) throw new Error(`附件${annex} heading not found in the fixture`);
  const start = headings[pos].index;
  const end = pos + 1 < headings.length ? headings[pos + 1].index : NOTICE.length;
  return NOTICE.slice(start, end);
}

function parseTable(annex: number): ParsedRow[] {
  const rows: ParsedRow[] = [];
  let header: string[] | undefined;
  for (const line of sectionOf(annex).split(/\r?\n/)) {
    const cells = line.split('\t');
    if (normalise(cells[0] ?? '') === '序号') {
      header = cells.map(normalise);
      continue;
    }
    const m = /^\s*(\d+)\s*$/.exec(cells[0] ?? '');
    if (!m || !header) continue;
    const col = header.indexOf('督查内容');
    if (col < 0) throw new Error(`附件${annex}: no 督查内容 column`);
    rows.push({ no: Number(m[1]), content: normalise(cells[col] ?? '') });
  }
  return rows;
}

const CASES: readonly { kind: ChecklistKind; annex: number; form: string; title: string }[] = [
  { kind: 'industrial', annex: 3, form: '附件3', title: '工业产品生产许可证获证企业监督检查记录' },
  { kind: 'food', annex: 4, form: '附件4', title: '食品相关产品生产许可证获证企业监督检查记录' },
];

describe.each(CASES)('$form checklist ($kind)', ({ kind, annex, form, title }) => {
  const checklist = CHECKLISTS[kind];
  const parsed = parseTable(annex);

  it('has the form number and the title of the notice', () => {
    expect(checklist.form).toBe(form);
    expect(checklist.title).toBe(title);
    expect(sectionOf(annex)).toContain(`## ${title}`);
  });

  it('has 9 items numbered 1..9, in the data and in the notice', () => {
    expect(checklist.items.map((i) => i.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parsed.map((r) => r.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('matches the notice word for word (whitespace normalised)', () => {
    expect(checklist.items.map((i) => ({ no: i.no, content: normalise(i.content) }))).toEqual(parsed);
  });

  it('stores tidy text: no whitespace, no HTML, nothing empty', () => {
    for (const item of checklist.items) {
      expect(item.content).not.toMatch(/\s|<|>/u);
      expect(item.content.length).toBeGreaterThan(10);
    }
  });
});

describe('checklist data', () => {
  it('keeps the government wording, typos included', () => {
    expect(CHECKLISTS.industrial.items[6].content).toContain('是否建立产品质量安全管理制，');
    expect(CHECKLISTS.food.items[1].content).toContain('《食相关产品获证企业');
    expect(CHECKLISTS.food.items[6].content).toContain('是否配备质量安全安全员');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CHECKLISTS)).toBe(true);
    expect(Object.isFrozen(CHECKLISTS.food.items)).toBe(true);
    expect(Object.isFrozen(CHECKLISTS.food.items[0])).toBe(true);
  });

  it('maps registry 产品类别 to the form', () => {
    expect(checklistKindFor('工业产品')).toBe('industrial');
    expect(checklistKindFor('食品相关产品')).toBe('food');
    expect(() => checklistKindFor('化妆品' as unknown as '工业产品')).toThrow('未知的产品类别');
  });
});
