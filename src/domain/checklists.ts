/**
 * The two official inspection checklists of the 2024 campaign, as data.
 *
 * Source: 运市监质监〔2024〕2号 (运城市市场监督管理局, 2024-03-04), 附件3 《工业产品生产许可证获证企业监督检查记录》
 * and 附件4 《食品相关产品生产许可证获证企业监督检查记录》. A copy of the notice lives in
 * test/fixtures/notice-2024.txt and test/unit/checklists.test.ts checks every text below against it.
 *
 * The texts are word for word. Only the PDF line breaks, stray spaces inside Chinese text and the HTML
 * <p> tags of the source were removed. The government wording is kept on purpose, including its slips
 * (e.g. "质量安全管理制，" in 附件3 item 7, "食相关产品" and "有无新增生产工艺新增或减少" in 附件4, the
 * half-width commas used throughout 附件4, "台帐" in 附件3 vs "台账" in 附件4). Do not "fix" them: the
 * record printed for the inspected firm must match the official form.
 */

import type { ProductCategory } from './types';

/** 附件3 applies to 工业产品 licence holders, 附件4 to 食品相关产品 licence holders. */
export type ChecklistKind = 'industrial' | 'food';

export interface ChecklistItem {
  /** 序号, 1-based, as printed on the form. */
  readonly no: number;
  /** 督查内容, verbatim. */
  readonly content: string;
}

export interface Checklist {
  readonly form: '附件3' | '附件4';
  readonly title: string;
  readonly items: readonly ChecklistItem[];
}

function freezeChecklist(checklist: Checklist): Checklist {
  return Object.freeze({
    form: checklist.form,
    title: checklist.title,
    items: Object.freeze(checklist.items.map((item) => Object.freeze({ no: item.no, content: item.content }))),
  });
}

const INDUSTRIAL: Checklist = {
  form: '附件3',
  title: '工业产品生产许可证获证企业监督检查记录',
  items: [
    {
      no: 1,
      content:
        '核查营业执照、印章、银行账户、信笺等所使用的名称是否与生产许可证的名称相同，是否存在擅自变更名称的行为；现场查看房屋、土地、租赁合同等证明材料，核实企业住所、住所名称是否发生改变；生产地址、生产地址名称是否发生改变。',
    },
    {
      no: 2,
      content:
        '对照现场核查或后置现场审查时所保留的经审查组、企业签名及加盖公章确认的企业基础材料《企业核查时准备书面材料清单》，逐项核查企业生产工艺是否变化、有无新增或减少的关键生产设备。生产过程、工艺控制是否记录完善。',
    },
    {
      no: 3,
      content:
        '对照现场核查或后置现场审查时所保留的经审查组、企业签名及加盖公章确认的企业基础材料《企业核查时准备书面材料清单》，逐项核查企业检验设备是否发生变化，设备是否在检定周期内。对照企业台帐、出库单等内容，核查企业是否对原材料进行验证，是否对产品进行出厂检验。',
    },
    {
      no: 4,
      content: '综合看化验室出厂检验报告、出库单、销售合同等，核实企业是否存在生产非许可范围的许可证产品的情况。',
    },
    {
      no: 5,
      content: '查看企业成品库成品、合格证、外包装等，查看企业是否按规定使用许可证标志和编号。',
    },
    {
      no: 6,
      content:
        '查管理及技术人员，是否熟悉自己的岗位职责，是否掌握相关的专业知识，是否有一定的质量管理知识。查检验人员是否持证上岗，是否熟悉自己的岗位职责，是否能熟练准确地按规定进行检验。',
    },
    {
      no: 7,
      content:
        '查看企业建立安全管理情况，是否建立产品质量安全管理制，是否配备质量安全总监和质量安全员，是否制定《质量安全总监职责》《质量安全守则》，是否制定《工业产品质量安全风险管控清单》，是否建立日管控、周排查、月调度工作制度。',
    },
    {
      no: 8,
      content:
        '查阅《每日工业产品质量安全检查记录》、《每周工业产品质量安全排查治理报告》、《每月工业产品质量安全调度会议纪要》，查看企业是否抓好常态化质量安全管理工作的。',
    },
    {
      no: 9,
      content: '核实监督抽查情况，是否存在监督抽查不合格。核实质量违法情况，是否存在因产品质量违法受到行政处罚。',
    },
  ],
};

const FOOD: Checklist = {
  form: '附件4',
  title: '食品相关产品生产许可证获证企业监督检查记录',
  items: [
    {
      no: 1,
      content:
        '核查企业的营业执照、印章、银行账户、信笺等所使用的名称是否与生产许可证的名称相同，是否存在擅自变更名称的行为；现场查看房屋、土地、租赁合同等证明材料，查实企业住所、住所名称是否发生变更；生产地址、生产地址名称是否发生变更，是否与生产许可证证书一致。',
    },
    {
      no: 2,
      content:
        '对照全覆盖现场监督检查时所保留的《食相关产品获证企业全覆盖现场监督检查时企业准备书面材料清单》，逐项核查企业生产工艺是否变化、有无新增生产工艺新增或减少关键生产设备的情况。生产过程、工艺控制是否记录完善。',
    },
    {
      no: 3,
      content:
        '对照全覆盖现场监督检查时所保留的《食相关产品获证企业全覆盖现场监督检查时企业准备书面材料清单》，逐项核查企业检验设备是否发生变化，检验设备的精度是否能满足出厂检验要求，是否在检定周期内使用。',
    },
    {
      no: 4,
      content:
        '查看企业产品入库、原材料进厂检验、成品出厂检验、成品出厂销售等各类台账,核查企业是否对原辅材料进行入库检验或验证、对成品出厂检验及对成品销售进行登记并保持记录。',
    },
    {
      no: 5,
      content:
        '现场查看企业检验部门出具的出厂检验报告、检验原始记录、产品销售合同及销售台账等,查实企业是否存在超范围生产获证产品外的单元及产品,是否存在不同卫生要求的产品在同一生产区域进行混合生产,并存在可能对获证产品造成污染的隐患。',
    },
    {
      no: 6,
      content:
        '查看企业生产包装线、成品库房、合格证及产品说明书等,查看是否按规定使用许可证标志和编号。标识信息是否依据标明材质和类别、注意事项或者警示信息等,是否按照有关标准要求显著位置标注“食品接触用”“食品包装用”等用语或者标志。',
    },
    {
      no: 7,
      content:
        '查看企业建立安全管理情况,是否建立产品质量安全管理制度,是否配备质量安全安全员,是否制定《质量安全总监职责》《质量安全守则》,是否制定《工业产品质量安全风险管控清单》,是否建立日管控、周排查、月调度工作制度。',
    },
    {
      no: 8,
      content:
        '查阅《每日工业产品质量安全检查记录》、《每周工业产品质量安全排查治理报告》、《每月工业产品质量安全调度会议纪要》,查看企业是否抓好常态化质量安全工作。',
    },
    {
      no: 9,
      content: '核实监督抽查情况,是否存在监督抽查不合格。核实质量违法情况,是否存在因产品质量违法受到行政处罚。',
    },
  ],
};

export const CHECKLISTS: Readonly<Record<ChecklistKind, Checklist>> = Object.freeze({
  industrial: freezeChecklist(INDUSTRIAL),
  food: freezeChecklist(FOOD),
});

/** Which form an enterprise is inspected with, from its registry 产品类别. */
export function checklistKindFor(category: ProductCategory): ChecklistKind {
  switch (category) {
    case '工业产品':
      return 'industrial';
    case '食品相关产品':
      return 'food';
    default: {
      // Reachable only through untyped input (e.g. a registry row); the type system rules it out otherwise.
      const unexpected: never = category;
      throw new Error(`未知的产品类别：“${String(unexpected)}”，应为“工业产品”或“食品相关产品”`);
    }
  }
}
