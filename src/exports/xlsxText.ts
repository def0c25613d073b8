/**
 * A cell's text in SpreadsheetML may carry `_xHHHH_` (four hex digits): a reader takes it as the character U+HHHH
 * (ECMA-376 Part 1, ST_Xstring; Excel, LibreOffice and exceljs's reader decode it, each to its own extent: see
 * docs/architecture.md, "Text in the workbooks"). A text that merely contains such a sequence (a 检查记录 quoting
 * `_x000D_`, a pasted code) would be shown changed, so it is written with each underscore that starts one escaped as
 * `_x005F_` (the underscore itself): `_x0041_` is written `_x005F_x0041_` and read back as `_x0041_`.
 */

/** `_xHHHH_` (hex digits of either case: a reader may accept both); summaryXlsx.ts INLINE_CARE includes it. */
export const XLSX_ESCAPE_LIKE = /_x[0-9A-Fa-f]{4}_/;
/** An underscore that starts one (XLSX_ESCAPE_LIKE with the rest as a lookahead: overlapping ones all match). */
const STARTS_ESCAPE = /_(?=x[0-9A-Fa-f]{4}_)/g;

/** `text` as a cell's text is written: every underscore that starts `_xHHHH_` escaped (the text otherwise as it is). */
export function escapeXlsxText(text: string): string {
  return text.includes('_x') ? text.replace(STARTS_ESCAPE, '_x005F_') : text;
}
