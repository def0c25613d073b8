/**
 * Which set-up file a header row belongs to (docs/interfaces.md "Set-up in chat": the kind is recognised by the
 * header row). Pure.
 * - 检查对象名录库 / 执法检查人员名录库: every required header of the registry is present (domain/registryRows.ts).
 * - 节假日安排: 日期 and 类型 (domain/holidayCalendar.ts).
 * - 附加检查表 (进一次门，查多项事): 检查表名称, 序号 and 检查内容 (domain/extraChecklists.ts).
 * - 监管平台抽取结果: 统一社会信用代码, 企业名称 and 检查人员 (domain/platformDraw.ts). 检查人员 is in no registry, so
 *   a platform export that also carries every column of the enterprise registry is still the platform's draw.
 * - A header that has a registry's own columns (e.g. 许可证编号, 飞书OpenID) but not all it needs is that registry
 *   with columns missing: the answer names them (likewise a header with 检查表名称 but not the other checklist
 *   columns). Anything else is not recognised, and the answer lists the kinds.
 */
import { CHECKLIST_HEADERS, mapChecklistHeaders } from './extraChecklists';
import { isCalendarHeader, CALENDAR_HEADERS } from './holidayCalendar';
import { hasPlatformColumn, mapPlatformHeaders, PLATFORM_DRAW_TITLE } from './platformDraw';
import { ENTERPRISE_SPEC, mapHeaders, STAFF_SPEC, type RegistrySpec } from './registryRows';

export const SETUP_FILE_KINDS = ['enterprises', 'staff', 'calendar', 'checklists', 'platformDraw'] as const;
export type SetupFileKind = (typeof SETUP_FILE_KINDS)[number];

export const SETUP_KIND_TITLES: Readonly<Record<SetupFileKind, string>> = {
  enterprises: ENTERPRISE_SPEC.title,
  staff: STAFF_SPEC.title,
  calendar: '节假日安排',
  checklists: '附加检查表',
  platformDraw: PLATFORM_DRAW_TITLE,
};

/** The columns that make a header look like one registry and not another. */
const DISTINCTIVE: readonly { spec: RegistrySpec<string>; headers: readonly string[] }[] = [
  { spec: ENTERPRISE_SPEC, headers: ['许可证编号', '获证产品', '有效期止', '信用风险等级'] },
  { spec: STAFF_SPEC, headers: ['飞书OpenID', '角色', '回避企业'] },
];

export type Recognition =
  | { kind: SetupFileKind }
  | { kind: 'incomplete'; title: string; error: string }
  | { kind: 'unknown' };

function key(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/[\s\uFEFF]+/g, '').toLowerCase();
}

export function recogniseHeader(cells: readonly string[]): Recognition {
  const enterprises = mapHeaders(cells, ENTERPRISE_SPEC);
  const staff = mapHeaders(cells, STAFF_SPEC);
  const calendar = isCalendarHeader(cells);
  const checklists = mapChecklistHeaders(cells);
  const matches: SetupFileKind[] = [];
  if ('ok' in enterprises) matches.push('enterprises');
  if ('ok' in staff) matches.push('staff');
  if (calendar) matches.push('calendar');
  if ('ok' in checklists) matches.push('checklists');
  const platform = mapPlatformHeaders(cells);
  if ('ok' in platform) {
    const registry = matches.indexOf('enterprises');
    if (registry >= 0) matches.splice(registry, 1);
    matches.push('platformDraw');
  } else if (matches.length === 0 && hasPlatformColumn(cells)) {
    return { kind: 'incomplete', title: PLATFORM_DRAW_TITLE, error: platform.error };
  }
  if (matches.length === 1) return { kind: matches[0]! };
  if (matches.length > 1) return { kind: 'unknown' };
  const present = new Set(cells.map(key));
  for (const d of DISTINCTIVE) {
    if (!d.headers.some((h) => present.has(key(h)))) continue;
    const mapped = mapHeaders(cells, d.spec);
    if ('error' in mapped) return { kind: 'incomplete', title: d.spec.title, error: mapped.error };
  }
  if (present.has(key(CHECKLIST_HEADERS[0])) && 'error' in checklists) {
    return { kind: 'incomplete', title: SETUP_KIND_TITLES.checklists, error: checklists.error };
  }
  return { kind: 'unknown' };
}

/** The kinds and their header rows, for the answer to a file that is not recognised. */
export function acceptedKinds(): string[] {
  return [
    `${ENTERPRISE_SPEC.title}：${ENTERPRISE_SPEC.headers.join('、')}`,
    `${STAFF_SPEC.title}：${STAFF_SPEC.headers.join('、')}`,
    `节假日安排：${CALENDAR_HEADERS.join(',')}`,
    `附加检查表（进一次门，查多项事）：${CHECKLIST_HEADERS.join('、')}`,
    `${PLATFORM_DRAW_TITLE}（国家“双随机、一公开”监管平台导出）：统一社会信用代码、企业名称、检查人员（姓名用“、”分隔），可另有 任务编号、组长`,
  ];
}
