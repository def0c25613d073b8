/**
 * The 检查明细 rows read from their BSON bytes (operations/detailBytes.ts): which inline texts may go into the sheet
 * as they are (plainInline: the byte-level twin of exports/summaryXlsx.ts INLINE_CARE and CELL_MAX), the elements
 * read as BSON.deserialize reads them (the driver's options), and invalid UTF-8 refused as the driver refuses it.
 */
import { BSON, BSONError, Long } from 'bson';
import { Types, type Connection } from 'mongoose';
import { DECODE, plainInline, RowBytesReader } from '../../src/operations/detailBytes';
import { buildSummaryXlsx, CELL_MAX, INLINE_CARE } from '../../src/exports/summaryXlsx';
import { emptyCounts } from '../../src/operations/progress';
import { buildSummaryRows, openDetailRows, ROW_FIELDS, summaryTitle, type DetailRows, type Summary } from '../../src/operations/summary';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';
import { mulberry32 } from '../../src/domain/prng';

/** What the writer decides for a text (not empty) without the byte reader: written as it is, or with care. */
const needsNoCare = (text: string) => !(text.length > CELL_MAX || INLINE_CARE.test(text));
const plain = (text: string) => {
  const b = Buffer.from(text, 'utf8');
  return plainInline(b, 0, b.length);
};

/** Code points at the edges of every range the care check looks at, and some ordinary ones. */
const EDGES = [
  0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x21, 0x22, 0x26, 0x27, 0x3c, 0x3d, 0x3e, 0x41, 0x7e, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xa1, 0xb7, 0x7ff, 0x800,
  0x167f, 0x1680, 0x1681, 0x1fff, 0x2000, 0x200a, 0x200b, 0x2027, 0x2028, 0x2029, 0x202a, 0x202e, 0x202f, 0x2030, 0x205e, 0x205f, 0x2060,
  0x2065, 0x2066, 0x2069, 0x206a, 0x2fff, 0x3000, 0x3001, 0x4e2d, 0xd7ff, 0xe000, 0xfdcf, 0xfdd0, 0xfdef, 0xfdf0, 0xfefe, 0xfeff, 0xff00,
  0xff08, 0xff09, 0xff0c, 0xfffd, 0xfffe, 0xffff, 0x1f600, 0x1fffe, 0x10ffff,
];

test('plainInline agrees with INLINE_CARE and CELL_MAX over random texts (seeded)', () => {
  const rnd = mulberry32(7);
  let plainSeen = 0;
  let careSeen = 0;
  const wrong: string[] = [];
  for (let n = 0; n < 200_000; n++) {
    const length = 1 + Math.floor(rnd() * 6);
    let text = '';
    for (let k = 0; k < length; k++) text += String.fromCodePoint(rnd() < 0.6 ? EDGES[Math.floor(rnd() * EDGES.length)]! : 0x4e00 + Math.floor(rnd() * 0x500));
    const want = needsNoCare(text);
    if (plain(text) !== want) wrong.push(text);
    if (want) plainSeen++;
    else careSeen++;
  }
  expect(wrong).toEqual([]);
  expect(plainSeen).toBeGreaterThan(10_000);
  expect(careSeen).toBeGreaterThan(10_000);
});

test('plainInline counts a cell’s length in UTF-16 units, never bytes; fullwidth punctuation is plain', () => {
  for (const text of ['中'.repeat(CELL_MAX), 'x'.repeat(CELL_MAX), `（${'·'.repeat(CELL_MAX - 2)}）`]) expect(plain(text)).toBe(true);
  for (const text of ['中'.repeat(CELL_MAX + 1), 'x'.repeat(CELL_MAX + 1), `${'a'.repeat(CELL_MAX - 1)}😀`, '😀']) expect(plain(text)).toBe(false);
  expect(plain('运城市某某电缆有限公司（分公司）·二厂')).toBe(true);
  expect(plainInline(Buffer.alloc(0), 0, 0)).toBe(false);
});

test('bytes plainInline lets through are valid UTF-8 that re-encodes to themselves (random bytes, seeded)', () => {
  const rnd = mulberry32(11);
  const strict = new TextDecoder('utf-8', { fatal: true });
  const pool = [0x41, 0x20, 0x26, 0x7f, 0x80, 0x88, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe2, 0xe3, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xb7, 0xbc, 0x81, 0x9f, 0xaa];
  let valid = 0;
  const wrong: string[] = [];
  for (let n = 0; n < 200_000; n++) {
    const b = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => pool[Math.floor(rnd() * pool.length)]!));
    if (!plainInline(b, 0, b.length)) continue;
    valid++;
    let text: string;
    try {
      text = strict.decode(b);
    } catch {
      wrong.push(b.toString('hex'));
      continue;
    }
    if (!Buffer.from(text, 'utf8').equals(b) || !needsNoCare(text)) wrong.push(b.toString('hex'));
  }
  expect(wrong).toEqual([]);
  expect(valid).toBeGreaterThan(1000);
});

const W = ROW_FIELDS.length;
const AT = (k: (typeof ROW_FIELDS)[number]) => ROW_FIELDS.indexOf(k);
const BYTES_AT = [AT('name'), AT('uscc'), AT('licenceNo')];

function rowArray(fill: Partial<Record<(typeof ROW_FIELDS)[number], unknown>>): unknown[] {
  return ROW_FIELDS.map((k) => (k in fill ? fill[k] : null));
}

/** The elements the reader gives for a row document, its texts left as bytes put back as text. */
function readBack(reader: RowBytesReader, doc: Uint8Array): { k: number | undefined; r: unknown[]; asBytes: number } {
  const k = reader.row(doc);
  const r = [...reader.elements];
  let asBytes = 0;
  BYTES_AT.forEach((at, j) => {
    const start = reader.spans[2 * j]!;
    if (start < 0) return;
    asBytes++;
    expect(r[at]).toBeUndefined();
    r[at] = reader.bytes.toString('utf8', start, reader.spans[2 * j + 1]!);
  });
  return { k, r, asBytes };
}

test('reads a row’s elements as BSON.deserialize does, repeated values and unusual ones included', () => {
  const reader = new RowBytesReader(W, BYTES_AT);
  const rows: Record<string, unknown>[] = [
    { r: rowArray({ no: 1, state: '待公示', name: '企业（一）', uscc: 'U1', licenceNo: 'L1', product: '电线电缆', teamLeader: ['组长'], county: '夏县' }), k: 3, n: 1 },
    // the same values again (reused), a double, a boolean, an empty text, a text that needs care
    { r: rowArray({ no: 2.5, state: '待公示', name: ' 企业', uscc: '', licenceNo: true, product: '电线电缆', teamLeader: ['组长'], county: '夏县' }), k: 3, n: 2 },
    // other values in the same places, a null leader
    { r: rowArray({ no: 3, state: '已公示', name: 'a&b', uscc: 'U3', licenceNo: 7, product: '化肥', teamLeader: [null, '二'], county: '盐湖区' }), k: -1, n: 3 },
    // keys in another order, k as a double
    { n: 4, k: 2.0, r: rowArray({ no: 4, name: '企业四', county: '夏县' }) },
    // values the reader leaves to BSON.deserialize: a 64-bit integer, a document, an extra key, a short row
    { r: rowArray({ no: Long.fromNumber(5), name: '企业五' }), k: 1, n: 5 },
    { r: rowArray({ name: '企业六', extras: [{ name: 'x' }] }), k: 1, n: 6 },
    { r: rowArray({ name: '企业七' }), k: 1, n: 7, other: 1 },
    { r: ['短'], k: 1 },
    { r: rowArray({ name: '企业九' }) },
    // after them, the usual again
    { r: rowArray({ no: 10, state: '待公示', name: '企业（十）', product: '电线电缆', teamLeader: ['组长'], county: '夏县' }), k: 3, n: 10 },
  ];
  let asBytes = 0;
  for (const row of rows) {
    const doc = BSON.serialize(row);
    const want = BSON.deserialize(doc, DECODE) as { r: unknown[]; k?: number };
    const got = readBack(reader, doc);
    expect(got.k).toBe(want.k);
    expect(got.r).toEqual(want.r);
    asBytes += got.asBytes;
  }
  // 企业（一）, U1, L1, U3, 企业四, 企业九 (a row without k), 企业（十） went as bytes; the names of the rows left to
  // BSON.deserialize did not
  expect(asBytes).toBe(7);
});

/** A row document whose `field` text (a placeholder of its length) is replaced by `bad` bytes. */
function withBytes(field: (typeof ROW_FIELDS)[number] | 'leader', bad: number[]): Buffer {
  const marker = 'Z'.repeat(bad.length);
  const doc = Buffer.from(
    BSON.serialize({ r: rowArray({ no: 1, name: field === 'name' ? marker : '企业', product: field === 'product' ? marker : '电线电缆', teamLeader: [field === 'leader' ? marker : '组长'] }), k: 0, n: 1 }),
  );
  const at = doc.indexOf(marker);
  Buffer.from(bad).copy(doc, at);
  return doc;
}

test('invalid UTF-8 in any text fails the row as the driver’s decoding fails it, also after a row whose value was the same length', () => {
  const invalid = [[0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x41, 0xe4, 0xb8], [0x80, 0x41], [0xe4, 0x41, 0x41]];
  for (const field of ['name', 'product', 'leader'] as const) {
    for (const bad of invalid) {
      const doc = withBytes(field, bad);
      expect(() => BSON.deserialize(doc, DECODE)).toThrow(BSONError);
      const reader = new RowBytesReader(W, BYTES_AT);
      // a valid row first, its texts as long (so the reader compares, finds them different, and decodes)
      reader.row(withBytes(field, bad.map(() => 0x61)));
      expect(() => reader.row(doc)).toThrow(BSONError);
      expect(() => reader.row(doc)).toThrow('Invalid UTF-8 string in BSON document');
    }
  }
});

/**
 * A detail read over a stand-in for the driver's cursor (`raw: true`: documents as bytes), so that rows no client
 * can insert (invalid UTF-8: the driver and the wire server check it) reach openDetailRows as a database could
 * send them.
 */
function fakeConn(docs: Buffer[]): { conn: Connection; closed: () => boolean } {
  let rest = [...docs];
  let closed = false;
  const cursor = {
    hasNext: async () => rest.length > 0,
    readBufferedDocuments: (n: number) => rest.splice(0, n),
    bufferedCount: () => rest.length,
    close: async () => {
      closed = true;
      rest = [];
    },
  };
  const conn = { models: { Task: { collection: { aggregate: () => cursor } } } } as unknown as Connection;
  return { conn, closed: () => closed };
}

/** The same rows without their bytes: each decoded whole (BSON.deserialize), as before the byte reader. */
function wholeOf(rows: DetailRows): DetailRows {
  return {
    get count() {
      return rows.count;
    },
    [Symbol.asyncIterator]: () => rows[Symbol.asyncIterator](),
    close: () => rows.close(),
  };
}

function detailSummary(details: DetailRows): Summary {
  const { rows, total } = buildSummaryRows([emptyCounts('夏县')], new Map(), { withTotal: true });
  return {
    campaign: { _id: new Types.ObjectId(), name: '专项', year: 2024 } as CampaignDoc,
    draw: {} as DrawDoc,
    today: '2024-11-15',
    scope: { kind: 'city' },
    title: summaryTitle(2024),
    fileName: 'x.xlsx',
    unit: '运城市市场监督管理局',
    preparedBy: '',
    rows,
    total,
    details,
  };
}

test('invalid UTF-8 in the cursor’s rows fails the workbook, from the bytes as decoded whole, and the cursor is closed', async () => {
  const good = (i: number) => Buffer.from(BSON.serialize({ r: rowArray({ no: i, state: '待检查', name: `企业${i}`, uscc: `U${i}`, licenceNo: `L${i}`, county: '夏县' }), k: 0, n: i }));
  const docs = Array.from({ length: 120 }, (_, i) => good(i + 1));
  const which = { campaignId: new Types.ObjectId(), drawId: new Types.ObjectId(), today: '2024-11-15', order: ['夏县'] };
  // the valid rows: a workbook, the same both ways
  const files: Buffer[] = [];
  for (const whole of [false, true]) {
    const { conn, closed } = fakeConn(docs);
    const rows = openDetailRows(conn, which);
    files.push(await buildSummaryXlsx(detailSummary(whole ? wholeOf(rows) : rows)));
    expect(rows.count).toBe(120);
    expect(closed()).toBe(true);
  }
  expect(files[1]!.equals(files[0]!)).toBe(true);
  // row 101 with an invalid name (a text that would go as bytes) or an invalid product (a text decoded)
  for (const [field, bad] of [['name', withBytes('name', [0xe4, 0xb8, 0x41])], ['product', withBytes('product', [0xff])]] as const) {
    for (const whole of [false, true]) {
      const { conn, closed } = fakeConn([...docs.slice(0, 100), bad, ...docs.slice(100)]);
      const rows = openDetailRows(conn, which);
      const s = detailSummary(whole ? wholeOf(rows) : rows);
      await expect(buildSummaryXlsx(s)).rejects.toThrow('Invalid UTF-8 string in BSON document');
      expect([field, whole, closed()]).toEqual([field, whole, true]);
    }
  }
});

test('plainInline sends a text with `_xHHHH_` in it the careful way (its underscore is escaped), as INLINE_CARE does', () => {
  const texts = ['_x0041_', '企业_x000D_名称', '_x00e9_', '_x00E9_', 'a_x0041_', '_x0041_b', '_x004_', '_x00G1_', '_x0041', 'x0041_', '_X0041_', '__x0041', '_x_0041_'];
  for (const text of texts) expect([text, plain(text)]).toEqual([text, needsNoCare(text)]);
  expect(texts.filter((t) => !plain(t))).toEqual(['_x0041_', '企业_x000D_名称', '_x00e9_', '_x00E9_', 'a_x0041_', '_x0041_b']);
});
