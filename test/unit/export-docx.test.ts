/**
 * The Word builders of 附件1–4: each file is a valid zip whose word/document.xml carries the form's fixed texts and the
 * record's values in the right places (☑ at the chosen conclusion, records beside their item, blanks where the record has
 * nothing), on A4 with the fonts named.
 */
import JSZip from 'jszip';
import { CHECKLISTS } from '../../src/domain/checklists';
import { OPINION_SHEET_TITLE, opinionSheet, type Rectification } from '../../src/domain/inspection';
import {
  chineseDate,
  countyBureau,
  inspectionRecordDocx,
  opinionSheetDocx,
  rectificationConfirmationDocx,
  RECTIFICATION_CONFIRMATION_TITLE,
} from '../../src/exports/docx';

async function part(buf: Buffer, name = 'word/document.xml'): Promise<string> {
  const zip = await JSZip.loadAsync(buf);
  const file = zip.file(name);
  if (!file) throw new Error(`${name} missing; parts: ${Object.keys(zip.files).join(', ')}`);
  return file.async('string');
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Text of some XML, one line per paragraph, Word line breaks as \n. */
function text(xml: string): string {
  return decode(xml.replace(/<w:br\/>/g, '\n').replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, ''));
}

/** Text of each table row (paragraphs joined with |). */
function rows(xml: string): string[] {
  return (xml.match(/<w:tr[ >][\s\S]*?<\/w:tr>/g) ?? []).map((r) => text(r).trim().split('\n').join('|'));
}

/** Text of each cell of each table row. */
function cells(xml: string): string[][] {
  return (xml.match(/<w:tr[ >][\s\S]*?<\/w:tr>/g) ?? []).map((r) => (r.match(/<w:tc>[\s\S]*?<\/w:tc>/g) ?? []).map((c) => text(c).trim()));
}

/** Paragraph XML fragments containing `needle`. */
function paragraphsWith(xml: string, needle: string): string[] {
  return (xml.match(/<w:p[ >][\s\S]*?<\/w:p>/g) ?? []).filter((p) => text(p).includes(needle));
}

function expectA4(xml: string) {
  expect(xml).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
}

function expectCentredBoldTitle(xml: string, title: string) {
  const [p] = paragraphsWith(xml, title);
  expect(p).toBeDefined();
  expect(p).toContain('<w:jc w:val="center"/>');
  expect(p).toContain('<w:b/>');
  expect(p).toContain('w:eastAsia="宋体"');
}

describe('附件3 / 附件4 监督检查记录', () => {
  const answers = [
    { item: 1, verdict: '符合' as const, record: '' },
    { item: 2, verdict: '不符合' as const, record: '新增挤出机一台，未向发证机关报告' },
    { item: 3, verdict: '符合' as const, record: '检验设备均在检定周期内' },
    { item: 4, verdict: '符合' as const, record: '' },
    { item: 5, verdict: '不符合' as const, record: '合格证未标注许可证编号 <QS> & “标志”' },
    { item: 6, verdict: '符合' as const, record: '' },
    { item: 7, verdict: '符合' as const, record: '' },
    { item: 8, verdict: '符合' as const, record: '' },
    { item: 9, verdict: '符合' as const, record: '' },
  ];

  it('附件3: title, date above the name, the nine item texts, ☑ at each conclusion, the records; signature lines blank', async () => {
    const buf = await inspectionRecordDocx({
      kind: 'industrial',
      enterpriseName: '运城市河东电线电缆有限公司',
      date: '2024-05-06',
      answers,
    });
    expect(buf.subarray(0, 2).toString()).toBe('PK');
    const xml = await part(buf);
    const all = text(xml);
    expectA4(xml);
    expect(all.startsWith('附件3\n')).toBe(true);
    expectCentredBoldTitle(xml, CHECKLISTS.industrial.title);
    expect(all.indexOf('2024年5月6日')).toBeLessThan(all.indexOf('企业名称（盖章）：运城市河东电线电缆有限公司'));
    expect(all).toContain('企业名称（盖章）：运城市河东电线电缆有限公司');

    const table = rows(xml);
    expect(table).toHaveLength(10);
    expect(table[0]).toBe('序号|督查内容|结论|检查记录');
    expect(xml).toContain('<w:tblHeader/>');
    CHECKLISTS.industrial.items.forEach((item, i) => {
      const r = table[i + 1];
      expect(r.startsWith(`${item.no}|${item.content}|`)).toBe(true);
      const a = answers[i];
      expect(r).toContain(a.verdict === '符合' ? '☑符合|☐不符合' : '☐符合|☑不符合');
      if (a.record) expect(r.endsWith(`|${a.record}`)).toBe(true);
    });
    expect(all).toContain('合格证未标注许可证编号 <QS> & “标志”');
    expect(xml).toContain('&lt;QS&gt; &amp;');
    // blank for handwriting: nothing after the labels, and no name anywhere
    expect(all).toMatch(/检查组成员签字：\n/);
    expect(all).toMatch(/企业代表签字：\n/);
    for (const name of ['李明', '张华', '王建国', '孙经理']) expect(all).not.toContain(name);
    // fonts by name and the checkbox in a symbol font
    expect(xml).toContain('w:eastAsia="仿宋"');
    expect(xml).toContain('w:eastAsia="黑体"');
    expect(xml).toMatch(/w:ascii="Segoe UI Symbol"[^>]*\/>[\s\S]{0,200}<w:t[^>]*>☑<\/w:t>/);
    // table borders
    expect(xml).toMatch(/<w:tblBorders>[\s\S]*<w:insideV w:val="single"/);
  });

  it('附件4: the food checklist, the name before the date, empty boxes and blanks where nothing is recorded', async () => {
    const xml = await part(
      await inspectionRecordDocx({ kind: 'food', enterpriseName: '永济市晋南食品包装有限公司', answers: [{ item: 4, verdict: '符合', record: '' }] }),
    );
    const all = text(xml);
    expect(all.startsWith('附件4\n')).toBe(true);
    expectCentredBoldTitle(xml, CHECKLISTS.food.title);
    expect(all.indexOf('企业名称（盖章）：永济市晋南食品包装有限公司')).toBeLessThan(all.indexOf('年　　月　　日'));
    const table = rows(xml);
    CHECKLISTS.food.items.forEach((item, i) => {
      expect(table[i + 1]).toContain(item.content);
      expect(table[i + 1]).toContain(item.no === 4 ? '☑符合|☐不符合' : '☐符合|☐不符合');
    });
    for (const item of CHECKLISTS.industrial.items) {
      if (!CHECKLISTS.food.items.some((f) => f.content === item.content)) expect(all).not.toContain(item.content);
    }
    expect(all).toMatch(/检查组成员签字：\n/);
    expect(all).toMatch(/企业代表签字：\n/);
  });
});

describe('附件1 意见汇总表', () => {
  const rectification: Rectification = {
    days: 15,
    issuedDate: '2024-05-07',
    deadline: '2024-05-22',
    items: [
      { no: 2, content: CHECKLISTS.industrial.items[1].content, record: '新增挤出机一台，未向发证机关报告' },
      { no: 5, content: CHECKLISTS.industrial.items[4].content, record: '合格证未标注许可证编号' },
    ],
    setBy: 'ou_leader',
    recipients: [],
  };
  const sheet = opinionSheet({
    enterprise: { name: '运城市河东电线电缆有限公司', product: '电线电缆', licenceNo: '晋XK06-001-00123', validFrom: '2021-06-01', validTo: '2026-05-31' },
    rectification,
    signatures: [
      { openId: 'ou_a', name: '李明', role: '执法人员', at: new Date('2024-05-06T03:00:00Z') },
      { openId: 'ou_b', name: '王建国', role: '组长', at: new Date('2024-05-07T03:00:00Z') },
    ],
    representative: '孙经理',
    dateOf: (d) => d.toISOString().slice(0, 10),
  });

  it('carries the enterprise, the items, the period, blank signature boxes dated with the inspection date, and the 注', async () => {
    const xml = await part(await opinionSheetDocx({ ...sheet, checklistForm: '附件3', inspectionDate: '2024-05-06' }));
    const all = text(xml);
    expectA4(xml);
    expect(all.startsWith('附件1\n')).toBe(true);
    expectCentredBoldTitle(xml, OPINION_SHEET_TITLE);
    const table = rows(xml);
    expect(table[0]).toBe('企业名称|运城市河东电线电缆有限公司|获证产品|电线电缆');
    expect(table[1]).toBe('许可证号|晋XK06-001-00123|有效期起止|2021年6月1日至2026年5月31日'); // dates as the notice writes them
    expect(table[2]).toContain('整改意见：');
    expect(table[2]).toContain(sheet.intro);
    expect(table[2]).toContain('1．新增挤出机一台，未向发证机关报告（附件3第2项）');
    expect(table[2]).toContain('2．合格证未标注许可证编号（附件3第5项）');
    expect(table[2]).toContain('请于 15 日内完成上述问题整改，整改结果报当地市场监督管理部门。');
    // both boxes blank for handwriting, both dated with the inspection date
    expect(table[3]).toBe('检查组签字：||2024年5月6日|企业代表签字：|（企业公章）|2024年5月6日');
    for (const name of ['李明', '王建国', '孙经理']) expect(table[3]).not.toContain(name);
    expect(all).toContain('注:此表一式三份,企业与市、县市场监管局各一份。');
    expect(all.indexOf('请于 15 日内')).toBeLessThan(all.indexOf('注:此表'));
  });

  it('keeps the first page the printed form; a page after it names the form and the firm, with its page number', async () => {
    const buf = await opinionSheetDocx({ ...sheet, checklistForm: '附件3', inspectionDate: '2024-05-06' });
    const xml = await part(buf);
    expect(xml).toContain('<w:titlePg/>'); // Word's “different first page”
    const refs = [...xml.matchAll(/<w:headerReference w:type="(\w+)" r:id="(\w+)"\/>/g)].map((m) => [m[1], m[2]]);
    expect(refs.map((r) => r[0]).sort()).toEqual(['default', 'first']);
    const rels = await part(buf, 'word/_rels/document.xml.rels');
    const headerOf = async (type: string) => {
      const id = refs.find((r) => r[0] === type)![1];
      const target = new RegExp(`Id="${id}"[^>]*Target="([^"]+)"`).exec(rels)?.[1] ?? new RegExp(`Target="([^"]+)"[^>]*Id="${id}"`).exec(rels)![1];
      return part(buf, `word/${target}`);
    };
    expect(text(await headerOf('first')).trim()).toBe('');
    const later = await headerOf('default');
    expect(text(later).trim()).toBe('附件1 · 运城市河东电线电缆有限公司 · 第 PAGE 页 共 NUMPAGES 页'); // Word fills the fields
    expect(later).toContain('PAGE');
    expect(later).toContain('NUMPAGES');
  });

  it('while the team is still signing, the period and the date stay blank', async () => {
    const xml = await part(await opinionSheetDocx({ ...sheet, days: undefined, date: undefined }));
    const all = text(xml);
    expect(all).toContain('请于　　日内完成上述问题整改');
    expect(all).not.toContain('2024年5月7日');
    expect(all).toContain('1．新增挤出机一台，未向发证机关报告（第2项）');
  });
});

describe('附件2 整改结果确认单', () => {
  const input = {
    enterpriseName: '运城市河东电线电缆有限公司',
    licenceNo: '晋XK06-001-00123',
    items: [
      { no: 1, issue: '新增挤出机一台，未向发证机关报告', done: '已向省局报告并备案' },
      { no: 2, issue: '合格证未标注许可证编号', done: '已重新印制合格证' },
    ],
    opinion: '该企业按照检查组提出的整改意见已全部完成整改, 符合工业产品生产许可证实施细则通则及相关产品生产许可证实施细则等相关法律法规和相关规定的要求。',
    confirmedByName: '赵丽',
    confirmedOn: '2024-06-03',
    bureau: countyBureau('永济市'),
  };

  it('carries the enterprise, each line with a blank signature box, the opinion, the seal line and the date', async () => {
    const buf = await rectificationConfirmationDocx(input);
    const xml = await part(buf);
    const all = text(xml);
    expectA4(xml);
    expect(all.startsWith('附件2\n')).toBe(true);
    expectCentredBoldTitle(xml, RECTIFICATION_CONFIRMATION_TITLE);
    expect(all).toContain('企业名称：运城市河东电线电缆有限公司（公章）');
    expect(all).toContain('生产许可证编号：晋XK06-001-00123');
    const table = rows(xml);
    expect(table[0]).toBe('序号|需整改问题|完成整改情况|县局监管确认（签字）');
    // 县局监管确认（签字） blank: signed by hand
    expect(cells(xml)[1]).toEqual(['1', '新增挤出机一台，未向发证机关报告', '已向省局报告并备案', '']);
    expect(cells(xml)[2]).toEqual(['2', '合格证未标注许可证编号', '已重新印制合格证', '']);
    expect(all).not.toContain('赵丽');
    expect(all).toContain(`对整改完成情况的确认意见：${input.opinion}`);
    expect(all).toContain('永济市市场监督管理局（盖章）');
    expect(all).toContain('2024年6月3日');
    // 第_页 共_页 as Word fields, on every page
    const zip = await JSZip.loadAsync(buf);
    const headerName = Object.keys(zip.files).find((n) => /^word\/header\d*\.xml$/.test(n));
    expect(headerName).toBeDefined();
    const header = await part(buf, headerName);
    expect(text(header)).toMatch(/第 .*页 共 .*页/);
    expect(header).toContain('PAGE');
    expect(header).toContain('NUMPAGES');
  });
});

describe('helpers', () => {
  it('dates in Chinese, blanks when absent; the county bureau that seals', () => {
    expect(chineseDate('2024-05-06')).toBe('2024年5月6日');
    expect(chineseDate(undefined)).toBe('　　　　年　　月　　日');
    expect(countyBureau('盐湖区')).toBe('盐湖区市场监督管理局');
    expect(countyBureau('运城开发区')).toBe('运城市市场监督管理局运城开发区分局');
    expect(countyBureau('')).toBe('　　　　市场监督管理局');
  });
});
