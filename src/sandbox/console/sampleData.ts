/**
 * The sandbox's “载入示例数据” button: the synthetic registries of domain/sampleData.ts written as files and imported
 * exactly as `npm run cli -- sample-data <dir>` followed by `import enterprises` / `import staff` does, then a
 * campaign for the current year (from today to the year's end) unless the year has one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { shanghaiDate } from '../../domain/calendar';
import { CampaignError, createCampaign, findActiveCampaign } from '../../operations/campaigns';
import { importEnterprises } from '../../operations/importEnterprises';
import { importStaff } from '../../operations/importStaff';
import { writeSampleData } from '../../operations/writeSampleData';
import { campaignModel } from '../../store/campaign';

export class SampleDataError extends Error {}

export interface SampleDataResult {
  enterprises: { total: number; inserted: number; updated: number; rejected: number };
  staff: { total: number; inserted: number; updated: number; rejected: number };
  campaign: { name: string; from: string; to: string; created: boolean };
}

/** Smaller than the CLI's default (600): the dispatch of a draw reaches everyone within seconds, as on a phone. */
export const SANDBOX_ENTERPRISES = 200;

export async function loadSampleData(conn: Connection, now: Date, opts: { enterprises?: number } = {}): Promise<SampleDataResult> {
  const today = shanghaiDate(now);
  const year = Number(today.slice(0, 4));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'spotcheck-sample-'));
  try {
    const written = await writeSampleData(dir, { year, enterprises: opts.enterprises ?? SANDBOX_ENTERPRISES });
    const file = (name: string): string => written.files.find((f) => path.basename(f) === name)!;
    const e = await importEnterprises(conn, file('enterprises.xlsx'), { now });
    const s = await importStaff(conn, file('staff.xlsx'), { now });

    const counts = (r: { total: number; imported: { inserted: number; updated: number }; rejected: unknown[] }) => ({
      total: r.total,
      inserted: r.imported.inserted,
      updated: r.imported.updated,
      rejected: r.rejected.length,
    });
    const existing = await campaignModel(conn).findOne({ status: 'active', year }).lean();
    if (existing) {
      return { enterprises: counts(e), staff: counts(s), campaign: { name: existing.name, from: existing.from, to: existing.to, created: false } };
    }
    try {
      const { campaign } = await createCampaign(conn, {
        name: `${year}年工业产品生产许可证获证企业“双随机、一公开”监督检查（示例）`,
        year,
        from: today,
        to: `${year}-12-31`,
        ratio: 0.25,
      });
      return { enterprises: counts(e), staff: counts(s), campaign: { name: campaign.name, from: campaign.from, to: campaign.to, created: true } };
    } catch (err) {
      if (err instanceof CampaignError) {
        const active = await findActiveCampaign(conn, today);
        if (active) return { enterprises: counts(e), staff: counts(s), campaign: { name: active.name, from: active.from, to: active.to, created: false } };
        throw new SampleDataError(err.message);
      }
      throw err;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
