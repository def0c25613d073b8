/**
 * What the four Word forms (附件1–4 of 运市监质监〔2024〕2号) share: A4 page, fonts by name (宋体 titles, 仿宋 body,
 * 黑体 for the “附件N” label, Times New Roman for Latin and digits), sizes in the Chinese 字号 scale, bordered tables,
 * the ☑/☐ checkbox, dates as 2024年5月6日, and packing.
 *
 * Everything here is pure (builds docx objects) except `packDocument`, which zips.
 */
import { chineseDateText } from '../../domain/calendar';
import {
  AlignmentType,
  BorderStyle,
  Document,
  Header,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
  type IParagraphOptions,
  type ParagraphChild,
} from 'docx';
import { stripRefused } from '../../domain/textPolicy';

// ---- page ------------------------------------------------------------------------------------------------------

/** A4 portrait, in twips (1/20 pt). */
export const A4 = { width: 11906, height: 16838 } as const;
/** 2.54 cm top/bottom, 2.6 cm left/right: the usual margins of a printed government form. */
export const MARGIN = { top: 1440, bottom: 1440, left: 1474, right: 1474, header: 851, footer: 851 } as const;
/** The width a table may take. */
export const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;

// ---- fonts and sizes ---------------------------------------------------------------------------------------------

export const FONTS = {
  title: '宋体',
  body: '仿宋',
  label: '黑体',
  table: '宋体',
  latin: 'Times New Roman',
  /** ☑ and ☐ (U+2611, U+2610): present in Segoe UI Symbol; Word substitutes where it is missing */
  symbol: 'Segoe UI Symbol',
} as const;

/** Sizes in half-points, by 字号. */
export const SIZES = {
  /** 小二 18 pt: form titles */
  title: 36,
  /** 三号 16 pt: the “附件N” label */
  label: 32,
  /** 四号 14 pt: lines outside tables */
  body: 28,
  /** 小四 12 pt: the cells of 附件1 and 附件2 */
  cell: 24,
  /** 五号 10.5 pt: the checklist table of 附件3/附件4 */
  small: 21,
} as const;

export type TextStyle = 'title' | 'label' | 'body' | 'cell' | 'small';

function fontFor(style: TextStyle): { ascii: string; hAnsi: string; eastAsia: string; cs: string } {
  const eastAsia = style === 'title' ? FONTS.title : style === 'label' ? FONTS.label : style === 'body' ? FONTS.body : FONTS.table;
  return { ascii: FONTS.latin, hAnsi: FONTS.latin, eastAsia, cs: FONTS.latin };
}

export interface RunOptions {
  bold?: boolean;
  underline?: boolean;
}

/** One run of text; line breaks in `text` become Word line breaks. The docx library escapes & < > itself. */
export function runs(text: string, style: TextStyle, opts: RunOptions = {}): TextRun[] {
  // Characters XML cannot hold would make the file unreadable (data stored before domain/textPolicy.ts existed).
  const lines = stripRefused(text).replace(/\r\n?/g, '\n').split('\n');
  return lines.map(
    (line, i) =>
      new TextRun({
        text: line,
        break: i > 0 ? 1 : undefined,
        font: fontFor(style),
        size: SIZES[style],
        bold: opts.bold ?? style === 'title',
        underline: opts.underline ? {} : undefined,
      }),
  );
}

/** ☑ / ☐ in a symbol font, at the size of the surrounding text. */
export function checkbox(checked: boolean, style: TextStyle): TextRun {
  return new TextRun({
    text: checked ? '☑' : '☐',
    font: { ascii: FONTS.symbol, hAnsi: FONTS.symbol, eastAsia: FONTS.symbol, cs: FONTS.symbol },
    size: SIZES[style],
  });
}

export type Align = 'left' | 'center' | 'right' | 'both';

const ALIGN = {
  left: AlignmentType.LEFT,
  center: AlignmentType.CENTER,
  right: AlignmentType.RIGHT,
  both: AlignmentType.JUSTIFIED,
} as const;

export interface ParaOptions {
  align?: Align;
  /** first-line indent in characters of the paragraph's size (中文段落首行缩进两字) */
  indentChars?: number;
  /** space before / after, in points */
  before?: number;
  after?: number;
  /** line spacing as a multiple (1 = single) */
  line?: number;
  keepNext?: boolean;
}

export function para(children: ParagraphChild[] | string, style: TextStyle, opts: ParaOptions = {}): Paragraph {
  const kids = typeof children === 'string' ? runs(children, style) : children;
  const options: IParagraphOptions = {
    children: kids,
    alignment: ALIGN[opts.align ?? 'left'],
    spacing: {
      before: Math.round((opts.before ?? 0) * 20),
      after: Math.round((opts.after ?? 0) * 20),
      line: Math.round((opts.line ?? 1) * 240),
    },
    indent: opts.indentChars ? { firstLine: Math.round(opts.indentChars * SIZES[style] * 10) } : undefined,
    keepNext: opts.keepNext,
  };
  return new Paragraph(options);
}

/** “附件N”, top left, 黑体 三号, as in the notice. */
export function attachmentLabel(form: string): Paragraph {
  return para([...runs(form.replace(/^附件\s*/, '附件'), 'label')], 'label', { after: 6 });
}

/** The form title: centred, bold, 宋体 小二. */
export function formTitle(title: string): Paragraph {
  return para(runs(title, 'title', { bold: true }), 'title', { align: 'center', before: 6, after: 12 });
}

// ---- tables ------------------------------------------------------------------------------------------------------

const LINE = { style: BorderStyle.SINGLE, size: 4, color: '000000' } as const;
export const TABLE_BORDERS = {
  top: LINE,
  bottom: LINE,
  left: LINE,
  right: LINE,
  insideHorizontal: LINE,
  insideVertical: LINE,
} as const;

export interface CellOptions {
  width: number;
  span?: number;
  vAlign?: 'top' | 'center' | 'bottom';
}

const V_ALIGN = { top: VerticalAlignTable.TOP, center: VerticalAlignTable.CENTER, bottom: VerticalAlignTable.BOTTOM } as const;

export function cell(children: Paragraph[], opts: CellOptions): TableCell {
  return new TableCell({
    children: children.length > 0 ? children : [new Paragraph({})],
    width: { size: opts.width, type: WidthType.DXA },
    columnSpan: opts.span,
    verticalAlign: V_ALIGN[opts.vAlign ?? 'center'],
    margins: { top: 60, bottom: 60, left: 100, right: 100 },
  });
}

export interface RowOptions {
  /** repeat the row at the top of every page (table header) */
  header?: boolean;
  /** keep the row on one page */
  cantSplit?: boolean;
  /** minimum height, twips */
  minHeight?: number;
}

export function row(cells: TableCell[], opts: RowOptions = {}): TableRow {
  return new TableRow({
    children: cells,
    tableHeader: opts.header,
    cantSplit: opts.cantSplit,
    height: opts.minHeight ? { value: opts.minHeight, rule: 'atLeast' } : undefined,
  });
}

/** A bordered table of fixed column widths (twips) across the text width. */
export function borderedTable(columnWidths: readonly number[], rows: TableRow[]): Table {
  return new Table({
    rows,
    columnWidths: [...columnWidths],
    width: { size: columnWidths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    layout: TableLayoutType.FIXED,
    borders: TABLE_BORDERS,
  });
}

// ---- values -------------------------------------------------------------------------------------------------------

/** 2024-05-06 → 2024年5月6日; nothing → the blank of the printed form. */
export function chineseDate(date: string | undefined | null): string {
  return chineseDateText(date) ?? '　　　　年　　月　　日';
}

/** The seal line of the county bureau that supervises the enterprise (运城开发区 has a 分局 of the city bureau). */
export function countyBureau(county: string | undefined): string {
  const c = (county ?? '').trim();
  if (c === '') return '　　　　市场监督管理局';
  if (c === '市局' || c === '运城市') return '运城市市场监督管理局';
  if (c.includes('开发区')) return '运城市市场监督管理局运城开发区分局';
  return `${c}市场监督管理局`;
}

/** A fill-in value, or the blank of the printed form. */
export function orBlank(value: string | undefined | null, blank = '　　　　　　'): string {
  const v = (value ?? '').trim();
  return v === '' ? blank : v;
}

// ---- document --------------------------------------------------------------------------------------------------------

export interface FormDocumentOptions {
  /** document title (File → Properties) */
  title: string;
  children: (Paragraph | Table)[];
  /** paragraphs repeated at the top of every page */
  header?: Paragraph[];
  /**
   * paragraphs at the top of every page but the first: the first page stays the printed form, and a page that
   * long records push over (a signature box alone, a checklist's last items) still names its form and firm
   */
  continuationHeader?: Paragraph[];
}

/** “第 N 页 共 M 页” (Word fields: right on every page, however the text flows). */
export function pageOfPages(): TextRun {
  const font = { ascii: FONTS.latin, hAnsi: FONTS.latin, eastAsia: FONTS.body, cs: FONTS.latin };
  return new TextRun({ children: ['第 ', PageNumber.CURRENT, ' 页 共 ', PageNumber.TOTAL_PAGES, ' 页'], font, size: SIZES.cell });
}

/** The header of the pages after the first: “附件1 · 企业名称 · 第 N 页 共 M 页”, right-aligned. */
export function continuationHeader(form: string, enterpriseName: string): Paragraph[] {
  const name = enterpriseName.trim();
  return [para([...runs(`${form}${name ? ` · ${name}` : ''} · `, 'cell'), pageOfPages()], 'cell', { align: 'right' })];
}

export function formDocument(opts: FormDocumentOptions): Document {
  return new Document({
    creator: '运城市市场监督管理局',
    lastModifiedBy: '“双随机、一公开”检查助手',
    title: opts.title,
    description: '由“双随机、一公开”检查助手根据系统记录生成',
    styles: {
      default: {
        document: {
          run: { font: fontFor('body'), size: SIZES.body, language: { value: 'en-US', eastAsia: 'zh-CN' } },
        },
      },
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: A4.width, height: A4.height },
            margin: { ...MARGIN },
          },
          // a first page of its own (Word's “different first page”) when later pages carry another header
          ...(opts.continuationHeader ? { titlePage: true } : {}),
        },
        headers: opts.continuationHeader
          ? { first: new Header({ children: opts.header ?? [] }), default: new Header({ children: opts.continuationHeader }) }
          : opts.header
            ? { default: new Header({ children: opts.header }) }
            : undefined,
        children: opts.children,
      },
    ],
  });
}

export async function packDocument(doc: Document): Promise<Buffer> {
  return Packer.toBuffer(doc);
}
