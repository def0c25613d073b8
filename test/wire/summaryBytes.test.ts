/**
 * 附件5's 检查明细 rows are read from the detail cursor's BSON bytes (operations/summary.ts openDetailRows): the
 * texts of the inline columns go from the reply's bytes straight into the sheet when they need no care, the other
 * columns are decoded from the row's bytes, a value with the bytes of the row above's reused. The file must be byte
 * for byte the one the rows decoded whole (BSON.deserialize, detailOfRow: the DetailRows' own iterator) give, over
 * texts that need care in every way (exports/summaryXlsx.ts INLINE_CARE, textCell, CELL_MAX, PRESERVE) and that do
 * not; and the one the code before the byte reader wrote for the same data (GOLDEN: its SHA-256, computed with that
 * code, commit 8973665).
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { buildSummaryXlsx, DETAIL_SHEET, SUMMARY_SHEET } from '../../src/exports/summaryXlsx';
import { decodeXlsxText } from '../support/xlsxRead';
import { partContent, readZip } from '../../src/exports/zipParts';
import { summarize, type DetailRows, type Summary } from '../../src/operations/summary';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';
import { taskModel, TASK_STATES } from '../../src/store/task';
import { mulberry32 } from '../../src/domain/prng';
import { openTestDb, type TestDb } from '../support/db';

const TODAY = '2024-11-15';
const MAX = 32_767;

/**
 * Texts for every text column: plain ones (fullwidth punctuation, ·), ones that need care (escapes, controls, C1,
 * bidi, noncharacters, white space at either end, a line break, longer than a cell, astral characters at the cut)
 * and ones next to them that do not (white space inside, U+FFFD, characters beside the refused ranges).
 */
export const TEXTS: readonly string[] = [
  '运城市盐湖区某某电缆有限公司（分公司）',
  '张·李电器厂',
  '（晋）XK06-001-00001',
  '91140800MA0KXXXX1X',
  'A&B',
  '<公司>',
  'a>b',
  '"引号" \'单引号\'',
  'a\u0001b',
  'tab\tinside',
  'line\nbreak',
  'cr\rx',
  '\u0000nul',
  'del\u007f',
  'c1\u0080x',
  'c1\u0085y',
  'c1\u009f',
  'ok\u00a0inside',
  'ok\u00a1',
  '\u202aembed',
  'x\u202ey',
  '\u2066iso\u2069',
  'x\u2065y\u206az',
  'x\u2029y',
  'non\ufdd0',
  'non\ufdef',
  'ok\ufdcf\ufdf0',
  'x\ufffe',
  'x\uffff',
  'x\ufffdy',
  'x\ufffcy',
  'astral nonchar \u{1fffe}',
  ' lead',
  'trail ',
  '\u3000全角空格开头',
  '全角空格结尾\u3000',
  '中\u3000间',
  '\u00a0nbsp',
  'nbsp\u00a0',
  '\ufeffbom',
  'bom\ufeff',
  'bom\ufeffinside',
  '\u1680ogham',
  '\u2000en',
  'em\u200a',
  '\u200bzero width',
  'nnbsp\u202f',
  '\u205fmm',
  ' ',
  '\u3000',
  'a b',
  '=HYPERLINK("http://x")',
  '+1+1',
  '😀',
  '企业😀名称',
  'x'.repeat(MAX),
  'x'.repeat(MAX + 1),
  '中'.repeat(MAX),
  '中'.repeat(MAX + 5),
  `${'a'.repeat(MAX - 1)}😀b`,
  `${'a'.repeat(MAX - 2)}😀`,
  `${'a'.repeat(MAX - 2)}😀😀`,
  `${'中'.repeat(MAX - 1)}\u0001中`,
  ' '.repeat(MAX + 3),
  '\ud800lone',
  '',
  '，：；',
];

/** Values other than texts a column may hold. */
const OTHERS: readonly unknown[] = [null, undefined, 42, 0, -3, 1.5, true];

export interface FixtureOptions {
  tasks: number;
  seed: number;
  /** texts to draw from; a value is one of them most of the time */
  texts: readonly string[];
  /** the chance that a column keeps the row before's value */
  repeat: number;
}

/** Tasks over every county (known, unknown, null, none) and state, their fields drawn from `texts` and OTHERS. */
export function fixtureTasks(campaignId: Types.ObjectId, drawId: Types.ObjectId, o: FixtureOptions): Record<string, unknown>[] {
  const rnd = mulberry32(o.seed);
  const pickFrom = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const counties: (string | null | undefined)[] = [...YUNCHENG_COUNTIES, '外省某县', null, undefined, '', '县 & <x>'];
  const last = new Map<string, unknown>();
  /** a value for field `key`: the row before's (often), a text, or another value */
  const value = (key: string, plain: () => unknown, onlyPlain = false): unknown => {
    let v: unknown;
    if (last.has(key) && rnd() < o.repeat) v = last.get(key);
    else {
      const x = rnd();
      v = x < 0.5 || (onlyPlain && x < 0.95) ? plain() : onlyPlain ? null : x < 0.9 ? pickFrom(o.texts) : pickFrom(OTHERS);
    }
    last.set(key, v);
    return v;
  };
  const date = () => `2024-${String(1 + Math.floor(rnd() * 11)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
  const set = (doc: Record<string, unknown>, key: string, v: unknown) => {
    if (v !== undefined) doc[key] = v;
  };
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < o.tasks; i++) {
    const state = pickFrom(TASK_STATES);
    const enterprise: Record<string, unknown> = {};
    set(enterprise, 'name', value('name', () => `运城市某某电器有限公司${i}（第${i % 7}分厂）`));
    set(enterprise, 'uscc', value('uscc', () => `91140800MA${String(i).padStart(8, '0')}`));
    set(enterprise, 'licenceNo', value('licenceNo', () => `（晋）XK06-001-${String(i).padStart(5, '0')}`));
    set(enterprise, 'product', value('product', () => pickFrom(['电线电缆', '危险化学品', '化肥'])));
    set(enterprise, 'category', value('category', () => pickFrom(['工业产品', '食品相关产品'])));
    set(enterprise, 'riskClass', value('riskClass', () => pickFrom(['A', 'B', 'C', 'D'])));
    set(enterprise, 'county', last.has('county') && rnd() < 0.8 ? last.get('county') : pickFrom(counties));
    last.set('county', enterprise.county);
    const leader = value('leader', () => `组长${i % 5}`);
    const doc: Record<string, unknown> = {
      campaignId,
      drawId,
      no: i + 1,
      enterprise,
      checklist: 'industrial',
      team: rnd() < 0.1 ? [] : [{ openId: 'ou_x', name: leader, role: '组长', unit: '市局', county: '市局' }, { openId: 'ou_y', name: '执法', role: '执法人员', unit: '县局', county: '夏县' }],
      state,
      version: 1,
    };
    if (rnd() < 0.8) {
      const inspection: Record<string, unknown> = { cursor: 10, answers: [], history: [], round: 1 };
      // a date (dueDateOf reads it when the task has no due date of its own; the result labels below are texts,
      // resultByLabel reads them)
      set(inspection, 'completionDate', value('completionDate', date, true));
      set(inspection, 'result', value('result', () => pickFrom(['未发现问题', '发现问题'])));
      if (rnd() < 0.4) inspection.rectification = { days: 15, deadline: value('deadline', date), items: [] };
      doc.inspection = inspection;
    }
    if (rnd() < 0.3) doc.rectificationCheck = { items: [], confirmedOn: value('confirmedOn', date) };
    if (rnd() < 0.5) {
      const publication: Record<string, unknown> = {};
      set(publication, 'dueDate', value('dueDate', date));
      if (rnd() < 0.6) set(publication, 'publishedOn', value('publishedOn', date));
      if (rnd() < 0.5) set(publication, 'result', value('pubResult', () => pickFrom(['未发现问题', '发现问题经责令已改正', '通过登记的住所（经营场所）无法联系', '不配合检查情节严重', '注销']), true));
      doc.publication = publication;
    }
    if (rnd() < 0.1) doc.closure = { status: 'confirmed', confirmedOn: value('closedOn', date, true), result: value('closureResult', () => '注销', true) };
    if (rnd() < 0.35) {
      const disposal: Record<string, unknown> = {};
      set(disposal, 'kind', pickFrom(['立案', '移交', '立案', '移交', '责令改正', null]));
      set(disposal, 'caseNo', value('caseNo', () => `运市监立〔2024〕${i}号`));
      set(disposal, 'caseDate', value('caseDate', date));
      set(disposal, 'transferTo', value('transferTo', () => '运城市公安局'));
      doc.disposal = disposal;
    }
    out.push(doc);
  }
  return out;
}

/** The workbook of `s` with its rows decoded whole (the DetailRows' iterator of SummaryDetail slices). */
export function decodedWhole(s: Summary & { details: DetailRows }): Summary {
  const d = s.details;
  const whole: DetailRows = {
    get count() {
      return d.count;
    },
    [Symbol.asyncIterator]: () => d[Symbol.asyncIterator](),
    close: () => d.close(),
  };
  return { ...s, details: whole };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The 检查明细 sheet's text cells (inline and shared strings), by reference, as a reader decoding `_xHHHH_` shows them. */
async function detailCells(xlsx: Buffer): Promise<Map<string, string>> {
  const parts = readZip(xlsx);
  const xmlOf = async (name: string) => (await partContent(parts.find((p) => p.name === name)!)).toString('utf8');
  const unescape = (xml: string) => decodeXlsxText(xml.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!));
  const shared = [...(await xmlOf('xl/sharedStrings.xml')).matchAll(/<si>(?:<t\/>|<t(?: xml:space="preserve")?>([^<]*)<\/t>)<\/si>/g)].map((m) => unescape(m[1] ?? ''));
  for (const p of parts.filter((q) => q.name.startsWith('xl/worksheets/sheet'))) {
    const xml = await xmlOf(p.name);
    if (!xml.includes('<autoFilter')) continue;
    const out = new Map<string, string>();
    for (const m of xml.matchAll(/<c r="([A-Z]+\d+)"(?: s="\d+")? t="(s|inlineStr)">(?:<v>(\d+)<\/v>|<is><t(?: xml:space="preserve")?>([^<]*)<\/t><\/is>)<\/c>/g)) {
      out.set(m[1]!, m[2] === 's' ? shared[Number(m[3])]! : unescape(m[4]!));
    }
    return out;
  }
  throw new Error('no 检查明细 sheet');
}

/**
 * The SHA-256 of the fixture's city workbook and of one county's, as the code before the byte reader wrote them
 * (commit 8973665, the same fixture), with the two changes made since to the layout: the 公示期限 column 18 wide
 * instead of 12 (for “待定，约…”), which alone turned 8973665's hashes (080eb536…, 1ad40a4c…) into fcf97e4a… and
 * db870764…; then the sheet's page set-up (A3, two pages wide, columns A:D repeated), which alone turns those into
 * these (checked by putting the old page set-up back: the old hashes come back).
 */
const GOLDEN = {
  city: 'eba47f93b7c898aef0a12a68f1a1bc846ff5bbad0c81f2f4fdf1d8743d6ea6cf',
  county: 'aaa1581be7cb48711e7251e29243a769f3e3c29f2778c232ae59919165898e33',
};

let t: TestDb;
const campaign = { _id: new Types.ObjectId(), name: '字节测试专项 & <x>', year: 2024, from: '2024-01-01', to: '2024-12-31' } as CampaignDoc;
const draw = { _id: new Types.ObjectId(), campaignId: campaign._id, confirmedAt: new Date('2024-03-20T02:00:00Z'), createdAt: new Date('2024-03-20T02:00:00Z') } as DrawDoc;
const scope = { kind: 'city' } as const;

beforeAll(async () => {
  t = await openTestDb('summary_bytes');
  // every text in each text column at least once (in order, then drawn), and 600 drawn rows
  await taskModel(t.conn).collection.insertMany(fixtureTasks(campaign._id, draw._id, { tasks: 600, seed: 20261205, texts: TEXTS, repeat: 0.35 }));
  const covering = TEXTS.map((text, i) => ({
    campaignId: campaign._id,
    drawId: draw._id,
    no: 1000 + i,
    enterprise: { name: text, uscc: text, licenceNo: text, product: text, category: text, riskClass: text, county: i % 2 ? '夏县' : '外省某县' },
    team: [{ openId: 'ou_x', name: text, role: '组长' }],
    state: '待整改',
    version: 1,
    inspection: { completionDate: text, result: text, rectification: { deadline: text } },
    rectificationCheck: { confirmedOn: text },
    publication: { dueDate: text, publishedOn: text, result: text },
    disposal: { kind: i % 2 ? '立案' : '移交', caseNo: text, caseDate: text, transferTo: text },
  }));
  await taskModel(t.conn).collection.insertMany(covering);
});

afterAll(async () => {
  await t.close();
});

test('the city workbook and a county’s are the bytes the code before the byte reader wrote', async () => {
  const files: Buffer[] = [];
  // batches of 7 (slices of 7) and of 120 (slices of 50 and a rest): rows over batch, slice and read boundaries
  for (const batchSize of [7, 120, undefined]) {
    const s = await summarize(t.conn, { scope, campaign, draw, today: TODAY, batchSize });
    files.push(await buildSummaryXlsx(s));
    expect(s.details.count).toBe(600 + TEXTS.length - (await taskModel(t.conn).collection.countDocuments({ state: '已作废' })));
  }
  expect(files[1]!.equals(files[0]!)).toBe(true);
  expect(files[2]!.equals(files[0]!)).toBe(true);
  const county = await buildSummaryXlsx(await summarize(t.conn, { scope: { kind: 'county', county: '夏县' }, campaign, draw, today: TODAY, batchSize: 9 }));
  if (process.env.SUMMARY_GOLDEN) console.log(JSON.stringify({ city: sha256(files[0]!), county: sha256(county) }));
  expect({ city: sha256(files[0]!), county: sha256(county) }).toEqual(GOLDEN);
});

test('the rows read from their bytes give the bytes of the rows decoded whole; both kinds of inline text occur', async () => {
  for (const input of [{ scope, batchSize: 7 }, { scope, batchSize: 120 }, { scope: { kind: 'county', county: '外省某县' } as const, batchSize: 50 }]) {
    const fromBytes = await buildSummaryXlsx(await summarize(t.conn, { ...input, campaign, draw, today: TODAY }));
    const whole = await buildSummaryXlsx(decodedWhole(await summarize(t.conn, { ...input, campaign, draw, today: TODAY })));
    expect(fromBytes.equals(whole)).toBe(true);
  }
  // the byte path is the one buildSummaryXlsx took: texts copied as bytes, and texts that needed care decoded
  const s = await summarize(t.conn, { scope, campaign, draw, today: TODAY, batchSize: 64 });
  let asBytes = 0;
  let asText = 0;
  for await (const slice of s.details.bytes!()) {
    slice.details.forEach((d, i) => {
      (['name', 'uscc', 'licenceNo'] as const).forEach((k, j) => {
        if (slice.spans[(i * 3 + j) * 2]! >= 0) asBytes++;
        else if (typeof d[k] === 'string' && d[k] !== '') asText++;
      });
    });
  }
  expect(s.details.count).toBe(600 + TEXTS.length - (await taskModel(t.conn).collection.countDocuments({ state: '已作废' })));
  expect(asBytes).toBeGreaterThan(500);
  expect(asText).toBeGreaterThan(150);
});

/** A random text: characters at the edges of what the care check looks at, CJK, ASCII; now and then a long one. */
function randomText(rnd: () => number): string {
  const edges = [0x09, 0x0a, 0x1f, 0x20, 0x26, 0x3c, 0x3e, 0x41, 0x7f, 0x85, 0x9f, 0xa0, 0xb7, 0x1680, 0x2000, 0x200b, 0x2028, 0x202a, 0x202f, 0x205f, 0x2066, 0x206a, 0x3000, 0xfdd0, 0xfeff, 0xff08, 0xff09, 0xfffd, 0xfffe, 0x1f600];
  const char = () => String.fromCodePoint(rnd() < 0.15 ? edges[Math.floor(rnd() * edges.length)]! : rnd() < 0.5 ? 0x4e00 + Math.floor(rnd() * 0x500) : 0x21 + Math.floor(rnd() * 90));
  let text = '';
  const length = rnd() < 0.02 ? MAX - 3 + Math.floor(rnd() * 6) : Math.floor(rnd() * 12);
  if (length > 1000) {
    // a long text: mostly one character, a random one at either end and around the cut
    const fill = rnd() < 0.5 ? 'x' : '中';
    return char() + fill.repeat(length - 4) + char() + char() + char();
  }
  for (let k = 0; k < length; k++) text += char();
  return text;
}

test('randomized (seeded): the rows read from their bytes give the bytes of the rows decoded whole', async () => {
  for (const seed of [1, 2, 3]) {
    const rnd = mulberry32(seed * 7919);
    const texts = Array.from({ length: 60 }, () => randomText(rnd));
    const c = { ...campaign, _id: new Types.ObjectId() } as CampaignDoc;
    const d = { ...draw, _id: new Types.ObjectId(), campaignId: c._id } as DrawDoc;
    await taskModel(t.conn).collection.insertMany(fixtureTasks(c._id, d._id, { tasks: 300, seed, texts, repeat: 0.3 + 0.2 * seed }));
    const batchSize = 5 + seed * 23;
    const fromBytes = await buildSummaryXlsx(await summarize(t.conn, { scope, campaign: c, draw: d, today: TODAY, batchSize }));
    const whole = await buildSummaryXlsx(decodedWhole(await summarize(t.conn, { scope, campaign: c, draw: d, today: TODAY, batchSize })));
    expect([seed, fromBytes.equals(whole)]).toEqual([seed, true]);
  }
});

test('a text with `_xHHHH_` in it reads back as typed, from the bytes and from the rows decoded whole alike', async () => {
  // what a reader would take for an escaped character (exports/xlsxText.ts), in every text column, beside look-alikes
  const texts = ['_x0041_', '企业_x000D_名称', 'a_x0041_x0042_b', '_x005F_x0041_', '_x00e9_', '_x004_', '_x00G1_', '_x0041', 'x0041_', '__x0041__'];
  const c = { ...campaign, _id: new Types.ObjectId(), name: '专项_x0041_' } as CampaignDoc;
  const d = { ...draw, _id: new Types.ObjectId(), campaignId: c._id } as DrawDoc;
  await taskModel(t.conn).collection.insertMany(
    texts.map((text, i) => ({
      campaignId: c._id,
      drawId: d._id,
      no: i + 1,
      enterprise: { name: text, uscc: text, licenceNo: text, product: text, category: '工业产品', riskClass: 'A', county: '夏县' },
      team: [{ openId: 'ou_x', name: text, role: '组长' }],
      state: '待整改',
      version: 1,
    })),
  );
  const fromBytes = await buildSummaryXlsx(await summarize(t.conn, { scope, campaign: c, draw: d, today: TODAY, batchSize: 4 }));
  const whole = await buildSummaryXlsx(decodedWhole(await summarize(t.conn, { scope, campaign: c, draw: d, today: TODAY, batchSize: 4 })));
  expect(fromBytes.equals(whole)).toBe(true);
  // as a reader decoding every `_xHHHH_` shows them (decodeXlsxText; LibreOffice was seen decoding `_x005F_` and
  // control characters in both kinds of string): each inline column (企业名称, 统一社会信用代码, 许可证编号) and each
  // shared-string one (获证产品, 检查组组长) of the ten rows, in the order of the rows
  const rows = await detailCells(fromBytes);
  for (const [title, column] of [['企业名称', 'D'], ['统一社会信用代码', 'E'], ['许可证编号', 'F'], ['获证产品', 'G'], ['检查组组长', 'J']]) {
    expect([title, rows.get(`${column}2`)]).toEqual([title, title]);
    expect([title, texts.map((_, i) => rows.get(`${column}${3 + i}`))]).toEqual([title, texts]);
  }
  // exceljs's reader decodes shared strings only (uppercase digits): the shared-string columns read back as typed
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fromBytes as never);
  const ws = wb.getWorksheet(DETAIL_SHEET)!;
  expect(texts.map((_, i) => ws.getRow(3 + i).getCell('G').value)).toEqual(texts);
  // the campaign's name in the 汇总表's title: a cell exceljs wrote, escaped when its shared strings were written again
  expect(wb.getWorksheet(SUMMARY_SHEET)!.getCell('A3').value).toBe(`专项：${c.name}`);
});
