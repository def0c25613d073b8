/**
 * The result dictionary of the national “双随机、一公开” platform: every task ends in exactly one of these published
 * results (检查结果). The labels and codes are those the platform's deployed dictionaries use (code 1 … 12 and the
 * letter codes); the notice does not print them, so they are kept here, as data, in one place: the public page,
 * 附件5, /进度, the digest, the closure form and the publication all read this list.
 *
 * - `closure`: a result the team records when the firm could not be inspected normally (无法正常检查): chosen from
 *   the task card with a 情况说明 and evidence, confirmed by the 组长.
 * - `credit`: the firm is flagged for the follow-up the result calls for (经营异常名录 for a firm that cannot be reached
 *   at its registered address; 信用监管 for a firm that refused the inspection), shown in 附件5 and /导出.
 * - The three inspection results follow from the record: no 不符合 → 未发现问题; 不符合 → 发现问题经责令已改正 once the
 *   county confirmed the rectification (附件2), else 发现问题待后续处理 (also for a case opened (立案) or a transfer (移交)).
 */

export interface ResultEntry {
  /** the platform's code */
  readonly code: string;
  /** the published wording */
  readonly label: string;
  /** a short form for narrow columns and chat lines */
  readonly short: string;
  /** recorded for a firm that could not be inspected (无法正常检查) */
  readonly closure: boolean;
  /** the follow-up the result calls for, when it does */
  readonly credit?: string;
  /** what the closure means, shown on the closure form */
  readonly hint?: string;
}

export const RESULT_DICTIONARY: readonly ResultEntry[] = Object.freeze([
  { code: '1', label: '未发现问题', short: '未发现问题', closure: false },
  { code: 'E', label: '发现问题经责令已改正', short: '经责令已改正', closure: false },
  { code: 'A', label: '发现问题待后续处理', short: '待后续处理', closure: false },
  {
    code: '6',
    label: '通过登记的住所（经营场所）无法联系',
    short: '无法联系',
    closure: true,
    credit: '列入经营异常名录',
    hint: '到登记的生产地址、住所找不到企业，电话也联系不上',
  },
  { code: '7', label: '已关闭停业或正在组织清算', short: '关闭停业或清算', closure: true, hint: '企业已关闭、停业，或正在清算' },
  {
    code: '8',
    label: '不配合检查情节严重',
    short: '不配合检查',
    closure: true,
    credit: '信用监管跟进（依法处理）',
    hint: '企业拒绝、阻碍检查，情节严重',
  },
  { code: 'F', label: '未发现开展本次抽查涉及的经营活动', short: '未发现涉及的经营活动', closure: true, hint: '企业在，但已不生产获证产品' },
  { code: '9', label: '注销', short: '注销', closure: true, hint: '企业已办理注销登记' },
  { code: '10', label: '被吊销', short: '被吊销', closure: true, hint: '营业执照或生产许可证被吊销' },
  { code: '11', label: '被撤销', short: '被撤销', closure: true, hint: '登记或许可被撤销' },
  { code: '12', label: '迁出', short: '迁出', closure: true, hint: '企业已迁出本辖区' },
] satisfies ResultEntry[]);

export type ResultCode = string;

export const RESULT_CODES = {
  noProblem: '1',
  rectified: 'E',
  pending: 'A',
  unreachable: '6',
  uncooperative: '8',
} as const;

const BY_CODE = new Map(RESULT_DICTIONARY.map((e) => [e.code, e]));
const BY_LABEL = new Map(RESULT_DICTIONARY.map((e) => [e.label, e]));

/** The entries a team may choose when the firm could not be inspected. */
export const CLOSURE_RESULTS: readonly ResultEntry[] = RESULT_DICTIONARY.filter((e) => e.closure);

export function resultByCode(code: string | undefined | null): ResultEntry | undefined {
  return code == null ? undefined : BY_CODE.get(code);
}

/**
 * The entry of a published label. Older records may carry the half-width form of 通过登记的住所(经营场所)无法联系; both
 * are accepted.
 */
export function resultByLabel(label: string | undefined | null): ResultEntry | undefined {
  if (label == null) return undefined;
  return BY_LABEL.get(label) ?? BY_LABEL.get(label.replace(/\(/g, '（').replace(/\)/g, '）'));
}

export function isClosureCode(code: string): boolean {
  return resultByCode(code)?.closure === true;
}

/** An ASCII key for a code, usable as a field name in an aggregation ($group keys must not start with a digit). */
export function resultKey(code: string): string {
  return `r_${code}`;
}
