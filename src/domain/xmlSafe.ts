/**
 * Characters Word (XML 1.0) cannot hold: C0 controls other than tab and newline, lone surrogates, U+FFFE and
 * U+FFFF. The outcome inputs (情况说明, 案件编号, reasons) drop them before they are stored, so the exported forms
 * stay valid whatever was typed or pasted.
 */
export const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function withoutXmlInvalid(text: string): string {
  return text.replace(XML_INVALID, '');
}
