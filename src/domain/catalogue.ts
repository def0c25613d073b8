/**
 * 工业产品生产许可证 产品目录 as data: the classes (产品类别) and units (产品品种) experts and enterprises are matched on
 * (docs/draw-spec.md §5). Matching is by exact name or alias, never by substring.
 *
 * Source (the catalogue as in force for the 2024 campaigns):
 * - 《国务院关于调整完善工业产品生产许可证管理目录的决定》（国发〔2024〕11号）: six products added (冷轧带肋钢筋,
 *   瓶装液化石油气调压器, 钢丝绳, 胶合板, 细木工板, 安全帽), the catalogue going from 10 classes / 21 products to
 *   14 classes / 27 products; in force for the new products from 2024-09-25 (市场监管总局 announcement on the decision;
 *   reprinted at crb600h.cn/tag/56 and, for the draft's figures, sdchem.com.cn/html/huafei/zcfg/2024/0329/33233.html).
 * - 《国务院关于调整工业产品生产许可证管理目录加强事中事后监管的决定》（国发〔2019〕19号）: the 10 classes kept
 *   (reprint: dzj771.com/xhdt/show-9982.aspx).
 * - The class / product table as reprinted at gb9000.com/serviceDetail.asp?id=27 (“共14类”), and the 实施细则 titles
 *   for the product units of 化肥 (复肥、磷肥) and of 直接接触食品的材料等相关产品 (食品相关产品).
 * Not captured from a source: five of the seven products of 危险化学品 (only 危险化学品无机产品 and 危险化学品有机产品
 * are listed) and the official name of the class holding 胶合板 and 细木工板 (written 人造板 here). A registry value
 * naming the class itself (e.g. “危险化学品”) resolves to the class; see `resolveProducts`.
 *
 * Codes are ours (ASCII, stable): classes C01…C14, units Cnn-mm. Changing the data changes CATALOGUE_VERSION and the
 * catalogue hash every draw commits to.
 */
import { jcsHash } from './draw2/jcs';
import type { ProductCategory } from './types';

export const CATALOGUE_VERSION = '国发〔2024〕11号/2024-09-25';

export interface CatalogueClass {
  code: string;
  name: string;
  /** the registry's 产品类别 of the class */
  category: ProductCategory;
  aliases: string[];
}

export interface CatalogueUnit {
  code: string;
  /** the class code */
  class: string;
  name: string;
  aliases: string[];
}

export interface Catalogue {
  version: string;
  source: string;
  classes: CatalogueClass[];
  units: CatalogueUnit[];
}

const SOURCE =
  '国发〔2024〕11号《国务院关于调整完善工业产品生产许可证管理目录的决定》（14类27种）；国发〔2019〕19号（保留10类）；各产品实施细则的产品单元名称';

export const CATALOGUE: Readonly<Catalogue> = Object.freeze({
  version: CATALOGUE_VERSION,
  source: SOURCE,
  classes: [
    { code: 'C01', name: '建筑用钢筋', category: '工业产品', aliases: [] },
    { code: 'C02', name: '水泥', category: '工业产品', aliases: [] },
    { code: 'C03', name: '广播电视传输设备', category: '工业产品', aliases: [] },
    { code: 'C04', name: '人民币鉴别仪', category: '工业产品', aliases: [] },
    { code: 'C05', name: '预应力混凝土铁路桥简支梁', category: '工业产品', aliases: [] },
    { code: 'C06', name: '电线电缆', category: '工业产品', aliases: [] },
    { code: 'C07', name: '危险化学品', category: '工业产品', aliases: [] },
    { code: 'C08', name: '危险化学品包装物及容器', category: '工业产品', aliases: ['危险化学品包装物、容器'] },
    { code: 'C09', name: '化肥', category: '工业产品', aliases: [] },
    { code: 'C10', name: '直接接触食品的材料等相关产品', category: '食品相关产品', aliases: ['食品相关产品'] },
    { code: 'C11', name: '瓶装液化石油气调压器', category: '工业产品', aliases: [] },
    { code: 'C12', name: '钢丝绳', category: '工业产品', aliases: [] },
    { code: 'C13', name: '人造板', category: '工业产品', aliases: [] },
    { code: 'C14', name: '安全帽', category: '工业产品', aliases: [] },
  ],
  units: [
    { code: 'C01-01', class: 'C01', name: '钢筋混凝土用热轧钢筋', aliases: ['热轧带肋钢筋', '热轧光圆钢筋'] },
    { code: 'C01-02', class: 'C01', name: '冷轧带肋钢筋', aliases: [] },
    { code: 'C02-01', class: 'C02', name: '水泥', aliases: [] },
    { code: 'C03-01', class: 'C03', name: '广播电视传输设备', aliases: [] },
    { code: 'C04-01', class: 'C04', name: '人民币鉴别仪', aliases: [] },
    { code: 'C05-01', class: 'C05', name: '预应力混凝土铁路桥简支梁', aliases: [] },
    { code: 'C06-01', class: 'C06', name: '电线电缆', aliases: [] },
    { code: 'C07-01', class: 'C07', name: '危险化学品无机产品', aliases: [] },
    { code: 'C07-02', class: 'C07', name: '危险化学品有机产品', aliases: [] },
    { code: 'C08-01', class: 'C08', name: '危险化学品包装物及容器', aliases: ['危险化学品包装物、容器'] },
    { code: 'C09-01', class: 'C09', name: '复肥', aliases: ['复混肥料', '复合肥料'] },
    { code: 'C09-02', class: 'C09', name: '磷肥', aliases: [] },
    {
      code: 'C10-01',
      class: 'C10',
      name: '食品用塑料包装容器工具等制品',
      aliases: ['食品用塑料包装、容器、工具等制品', '食品用塑料包装容器工具'],
    },
    { code: 'C10-02', class: 'C10', name: '食品用纸包装容器等制品', aliases: ['食品用纸包装、容器等制品', '食品用纸包装容器'] },
    { code: 'C10-03', class: 'C10', name: '餐具洗涤剂', aliases: [] },
    { code: 'C10-04', class: 'C10', name: '压力锅', aliases: [] },
    { code: 'C10-05', class: 'C10', name: '工业和商用电热食品加工设备', aliases: [] },
    { code: 'C11-01', class: 'C11', name: '瓶装液化石油气调压器', aliases: [] },
    { code: 'C12-01', class: 'C12', name: '钢丝绳', aliases: [] },
    { code: 'C13-01', class: 'C13', name: '胶合板', aliases: [] },
    { code: 'C13-02', class: 'C13', name: '细木工板', aliases: [] },
    { code: 'C14-01', class: 'C14', name: '安全帽', aliases: [] },
  ],
} satisfies Catalogue);

/**
 * The separators of a list of products or fields (docs/draw-spec.md §5.1): 、 , ， ; ； / ／ and white space
 * (space, tab, line feed, carriage return, ideographic space).
 */
export const LIST_SEPARATORS = /[\u3001,\uff0c;\uff1b/\uff0f \t\n\r\u3000]+/;

/** The non-empty entries of a list text, in order (duplicates kept). */
export function listEntries(text: string | null | undefined): string[] {
  if (typeof text !== 'string') return [];
  return text.split(LIST_SEPARATORS).filter((x) => x !== '');
}

/** A name in the catalogue: the class or unit it names. */
export type CatalogueToken = { kind: 'class'; code: string } | { kind: 'unit'; code: string; class: string };

export interface CatalogueIndex {
  catalogue: Catalogue;
  /** names and aliases that hold a separator, longest first, with the name they stand for */
  compound: [string, string][];
  /** name or alias → token; a unit's name wins over a class of the same name (水泥, 电线电缆 …) */
  byName: Map<string, CatalogueToken>;
  classOf: Map<string, string>;
  className: Map<string, string>;
  unitName: Map<string, string>;
  hash: string;
}

/** The catalogue object a draw commits to (and its hash): exactly `{version, source, classes, units}`. */
export function catalogueHash(c: Catalogue): string {
  return jcsHash({ version: c.version, source: c.source, classes: c.classes, units: c.units });
}

/**
 * Name lookup. Units first, then classes: where a unit and its class share a name (水泥, 电线电缆 …) the name means the
 * unit. Refuses a catalogue where one name means two different things of the same kind.
 */
export function indexCatalogue(c: Catalogue): CatalogueIndex {
  const byName = new Map<string, CatalogueToken>();
  const classOf = new Map<string, string>();
  const className = new Map<string, string>();
  const unitName = new Map<string, string>();
  for (const k of c.classes) className.set(k.code, k.name);
  for (const u of c.units) {
    if (!className.has(u.class)) throw new Error(`catalogue: unit ${u.code} names unknown class ${u.class}`);
    classOf.set(u.code, u.class);
    unitName.set(u.code, u.name);
    for (const name of [u.name, ...u.aliases]) {
      const seen = byName.get(name);
      if (seen !== undefined && seen.code !== u.code) throw new Error(`catalogue: “${name}” names two units`);
      byName.set(name, { kind: 'unit', code: u.code, class: u.class });
    }
  }
  for (const k of c.classes) {
    for (const name of [k.name, ...k.aliases]) {
      const seen = byName.get(name);
      if (seen === undefined) byName.set(name, { kind: 'class', code: k.code });
      else if (seen.kind === 'class' && seen.code !== k.code) throw new Error(`catalogue: “${name}” names two classes`);
    }
  }
  const compound: [string, string][] = [];
  for (const x of [...c.units, ...c.classes]) {
    if (LIST_SEPARATORS.test(x.name)) throw new Error(`catalogue: the name “${x.name}” holds a list separator`);
    for (const a of x.aliases) if (LIST_SEPARATORS.test(a)) compound.push([a, x.name]);
  }
  compound.sort((a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { catalogue: c, compound, byName, classOf, className, unitName, hash: catalogueHash(c) };
}

let defaultIndex: CatalogueIndex | undefined;

export function catalogueIndex(): CatalogueIndex {
  defaultIndex ??= indexCatalogue(CATALOGUE);
  return defaultIndex;
}

/** What a registry text (获证产品 or 专业领域) names in the catalogue. */
export interface Resolution {
  /** catalogue codes named (unit codes and class codes), de-duplicated, sorted */
  tokens: string[];
  /** the classes: those named, and those of the units named; sorted */
  classes: string[];
  /** entries that name nothing in the catalogue, in order of appearance, de-duplicated */
  unknown: string[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Looks the entries of a text up by exact name or alias (docs/draw-spec.md §5.1). Aliases that hold a separator (the
 * official “食品用塑料包装、容器、工具等制品”) are first replaced, wherever they occur, by the name they stand for,
 * longest first; then the text is split into entries.
 */
export function resolveProducts(text: string | null | undefined, index: CatalogueIndex = catalogueIndex()): Resolution {
  const tokens = new Set<string>();
  const classes = new Set<string>();
  const unknown: string[] = [];
  let t = text;
  if (typeof t === 'string') for (const [alias, name] of index.compound) if (t.includes(alias)) t = t.split(alias).join(name);
  for (const entry of listEntries(t)) {
    const t = index.byName.get(entry);
    if (t === undefined) {
      if (!unknown.includes(entry)) unknown.push(entry);
      continue;
    }
    tokens.add(t.code);
    classes.add(t.kind === 'unit' ? t.class : t.code);
  }
  return { tokens: [...tokens].sort(cmp), classes: [...classes].sort(cmp), unknown };
}

/** Display name of a unit or class code. */
export function catalogueName(code: string, index: CatalogueIndex = catalogueIndex()): string {
  return index.unitName.get(code) ?? index.className.get(code) ?? code;
}
