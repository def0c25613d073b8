/**
 * What a reader that decodes every `_xHHHH_` (hex digits of either case) shows for a cell's text as written: each one
 * as its character, left to right (src/exports/xlsxText.ts writes texts so that this gives them back as typed).
 */
export function decodeXlsxText(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}
