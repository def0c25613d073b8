/**
 * Plain data types shared by the domain, the store, the importers and the bot.
 * Keep them free of behaviour: other modules import these.
 */

/** 产品类别 as written in the enterprise registry. */
export type ProductCategory = '工业产品' | '食品相关产品';

/** 信用风险等级 (SAMR classification): A low … D high. */
export type RiskClass = 'A' | 'B' | 'C' | 'D';

/** Roles a person may hold in the staff registry (执法检查人员名录库 and 专家库). */
export type StaffRole = '组长' | '执法人员' | '专家' | '联络员' | '领导';

/** Fixed orders, used wherever a deterministic order is needed. */
export const PRODUCT_CATEGORIES: readonly ProductCategory[] = ['工业产品', '食品相关产品'];
export const RISK_CLASSES: readonly RiskClass[] = ['A', 'B', 'C', 'D'];
export const STAFF_ROLES: readonly StaffRole[] = ['组长', '执法人员', '专家', '联络员', '领导'];

/** The value of 所属县区 for city-bureau staff. */
export const CITY_BUREAU = '市局';

/** One row of 检查对象名录库 (an industrial-product production-licence holder). */
export interface Enterprise {
  /** 统一社会信用代码 (GB 32100-2015, 18 characters). */
  uscc: string;
  /** 企业名称 */
  name: string;
  /** 许可证编号 */
  licenceNo: string;
  /** 获证产品 */
  product: string;
  /** 产品类别 */
  category: ProductCategory;
  /** 有效期起, YYYY-MM-DD */
  validFrom: string;
  /** 有效期止, YYYY-MM-DD */
  validTo: string;
  /** 所属县区 */
  county: string;
  /** 生产地址 */
  address: string;
  /** 信用风险等级 */
  riskClass: RiskClass;
  /** 联系人 */
  contact?: string;
  /** 联系电话 */
  phone?: string;
}

/** One row of the staff registry. */
export interface Staff {
  /** 飞书 OpenID */
  openId: string;
  /** 姓名 */
  name: string;
  /** 角色 (one or more) */
  roles: StaffRole[];
  /** 单位 */
  unit: string;
  /** 所属县区: '市局' for city-bureau staff, else the county name. */
  county: string;
  /** 业务口, e.g. '产品质量安全' */
  businessLine?: string;
  /** 专业领域 (free text; several entries separated by 、 or ,) */
  expertise?: string;
  /** 回避企业: 统一社会信用代码 list */
  avoid: string[];
}
