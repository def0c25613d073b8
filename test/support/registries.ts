/**
 * Synthetic registries and a campaign in a test database: into a fresh database the rows are inserted (the documents
 * the import operations' upserts would create: the same fields, defaults and timestamps, at about half the cost);
 * into one that holds some already, through the upserts themselves.
 */
import type { Connection } from 'mongoose';
import { generateSampleData, type SampleData } from '../../src/domain/sampleData';
import type { Staff } from '../../src/domain/types';
import { createCampaign } from '../../src/operations/campaigns';
import { enterpriseUpsert } from '../../src/operations/importEnterprises';
import { staffUpsert } from '../../src/operations/importStaff';
import type { CampaignDoc } from '../../src/store/campaign';
import { enterpriseModel } from '../../src/store/enterprise';
import { staffModel } from '../../src/store/staff';

export interface SeededRegistries {
  data: SampleData;
  campaign: CampaignDoc;
  cityLiaison: Staff;
  countyLiaison(county: string): Staff | undefined;
  /** someone who is not a liaison */
  officer: Staff;
}

export async function seedRegistries(
  conn: Connection,
  opts: { year?: number; enterprises?: number; seed?: number; campaign?: Partial<{ from: string; to: string; ratio: number }> } = {},
): Promise<SeededRegistries> {
  const year = opts.year ?? 2024;
  const data = generateSampleData({ year, enterprises: opts.enterprises ?? 120, seed: opts.seed ?? 2024 });
  const enterprises = enterpriseModel(conn);
  if ((await enterprises.countDocuments({})) === 0) await enterprises.insertMany(data.enterprises);
  else await enterprises.bulkWrite(data.enterprises.map(enterpriseUpsert));
  const staff = staffModel(conn);
  if ((await staff.countDocuments({})) === 0) await staff.insertMany(data.staff);
  else await staff.bulkWrite(data.staff.map(staffUpsert));
  const { campaign } = await createCampaign(conn, {
    name: `${year}年工业产品生产许可证获证企业“双随机、一公开”监督检查`,
    year,
    from: opts.campaign?.from ?? `${year}-03-15`,
    to: opts.campaign?.to ?? `${year}-10-31`,
    ratio: opts.campaign?.ratio ?? 0.25,
  });
  const cityLiaison = data.staff.find((s) => s.roles.includes('联络员') && s.county === '市局');
  const officer = data.staff.find((s) => s.roles.includes('执法人员') && !s.roles.includes('联络员'));
  if (!cityLiaison || !officer) throw new Error('sample data lacks a city liaison or an officer');
  return {
    data,
    campaign,
    cityLiaison,
    officer,
    countyLiaison: (county) => data.staff.find((s) => s.roles.includes('联络员') && s.county === county),
  };
}
