import type { Connection } from 'mongoose';
import { eligiblePopulation, type ExcludedEnterprise } from '../../domain/population';
import { canonicalPopulation, populationHash } from '../../domain/draw';
import { canonicalStaffList, staffHash, type StaffLike } from '../../domain/teams';
import type { Enterprise } from '../../domain/types';
import type { Actor } from '../../policies';
import type { CampaignDoc } from '../../store/campaign';
import { loadEnterprises } from '../../store/enterprise';
import { staffModel } from '../../store/staff';

/** A refusal the bot shows as it is: a short title and a reason that says what to do. */
export interface Refusal {
  ok: false;
  title: string;
  reason: string;
}

export function refuse(title: string, reason: string): Refusal {
  return { ok: false, title, reason };
}

/** Only city-bureau liaisons start and confirm draws; county liaisons receive their county's tasks. */
export function drawRefusal(actor: Actor): Refusal | undefined {
  if (!actor.roles.includes('联络员')) return refuse('无法抽取', '只有联络员可以发起抽取。发送 /帮助 查看您可以使用的命令。');
  if (actor.county !== '市局') {
    return refuse('无法抽取', `抽取由市局联络员统一发起；县区联络员（您属于${actor.county ?? '未登记县区'}）负责接收本县区的检查任务。`);
  }
  return undefined;
}

export interface Registry {
  eligible: Enterprise[];
  excluded: ExcludedEnterprise[];
  staff: StaffLike[];
  populationHash: string;
  staffHash: string;
}

/** The draw's inputs as the registries hold them now: the eligible population and the staff. */
export async function readRegistry(conn: Connection, campaign: CampaignDoc): Promise<Registry> {
  const enterprises = await loadEnterprises(conn);
  const { eligible, excluded } = eligiblePopulation(enterprises, campaign.from);
  const staffDocs = await staffModel(conn).find({}, { _id: 0, createdAt: 0, updatedAt: 0 }).lean();
  const staff: StaffLike[] = staffDocs.map((s) => ({
    openId: s.openId,
    name: s.name,
    roles: s.roles,
    unit: s.unit,
    county: s.county,
    businessLine: s.businessLine ?? null,
    expertise: s.expertise ?? null,
    avoid: s.avoid ?? [],
  }));
  return {
    eligible,
    excluded,
    staff,
    populationHash: populationHash(canonicalPopulation(eligible)),
    staffHash: staffHash(canonicalStaffList(staff)),
  };
}
