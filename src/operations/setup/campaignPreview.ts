/**
 * What a campaign would draw from, for the preview of `/专项 新建`: the licences in 检查对象名录库 valid on the
 * campaign's first day (domain/population.ts, the same rule as the draw), counted by 产品类别 × 信用风险等级 and by
 * county; and the active campaign of that year, if any (one active campaign per year).
 */
import type { Connection } from 'mongoose';
import { eligiblePopulation } from '../../domain/population';
import { PRODUCT_CATEGORIES, RISK_CLASSES, type ProductCategory, type RiskClass } from '../../domain/types';
import { activeSlot, campaignModel, type CampaignDoc } from '../../store/campaign';
import { loadEnterprises } from '../../store/enterprise';

export interface CampaignPopulation {
  /** rows in the registry */
  registry: number;
  eligible: number;
  excluded: number;
  strata: { category: ProductCategory; riskClass: RiskClass; count: number }[];
  counties: { county: string; total: number; byClass: Record<RiskClass, number> }[];
}

export async function campaignPopulation(conn: Connection, from: string): Promise<CampaignPopulation> {
  const enterprises = await loadEnterprises(conn);
  const { eligible, excluded } = eligiblePopulation(enterprises, from);
  const strata = PRODUCT_CATEGORIES.flatMap((category) =>
    RISK_CLASSES.map((riskClass) => ({
      category,
      riskClass,
      count: eligible.filter((e) => e.category === category && e.riskClass === riskClass).length,
    })),
  ).filter((s) => s.count > 0);
  const byCounty = new Map<string, Record<RiskClass, number>>();
  for (const e of eligible) {
    const row = byCounty.get(e.county) ?? { A: 0, B: 0, C: 0, D: 0 };
    row[e.riskClass] += 1;
    byCounty.set(e.county, row);
  }
  const counties = [...byCounty]
    .map(([county, byClass]) => ({ county, byClass, total: RISK_CLASSES.reduce((n, rc) => n + byClass[rc], 0) }))
    .sort((a, b) => b.total - a.total || a.county.localeCompare(b.county, 'zh-CN'));
  return { registry: enterprises.length, eligible: eligible.length, excluded: excluded.length, strata, counties };
}

export function activeCampaignOfYear(conn: Connection, year: number): Promise<CampaignDoc | null> {
  return campaignModel(conn).findOne({ slot: activeSlot(year) }).lean<CampaignDoc>();
}
