import type { Connection } from 'mongoose';
import { catalogueIndex } from '../../domain/catalogue';
import { buildParameters, type StaffInput } from '../../domain/draw2/inputs';
import type { CampaignRef, Parameters } from '../../domain/draw2/model';
import { prepareSteps, type Prepared } from '../../domain/draw2/session';
import type { Actor } from '../../policies';
import type { CampaignDoc } from '../../store/campaign';
import { LONG_OPERATION } from '../../store/timeouts';
import { enterpriseModel } from '../../store/enterprise';
import type { Enterprise } from '../../domain/types';
import { staffModel } from '../../store/staff';
import { runSliced, yieldTurn } from './slices';

/** A refusal the bot shows as it is: a short title and a reason that says what to do. */
export interface Refusal {
  ok: false;
  title: string;
  reason: string;
  /** set when the refusal voided a preview (its card should lose the confirm button) */
  voidedAttempt?: number;
}

export function refuse(title: string, reason: string, voidedAttempt?: number): Refusal {
  return { ok: false, title, reason, ...(voidedAttempt !== undefined ? { voidedAttempt } : {}) };
}

/** Only city-bureau liaisons start and confirm draws; county liaisons receive their county's tasks. */
export function drawRefusal(actor: Actor): Refusal | undefined {
  if (!actor.roles.includes('联络员')) return refuse('无法抽取', '只有联络员可以发起抽取。发送 /帮助 查看您可以使用的命令。');
  if (actor.county !== '市局') {
    return refuse('无法抽取', `抽取由市局联络员统一发起；县区联络员（您属于${actor.county ?? '未登记县区'}）负责接收本县区的检查任务。`);
  }
  return undefined;
}

export function campaignRef(c: CampaignDoc): CampaignRef {
  return { id: String(c._id), name: c.name, year: c.year };
}

/** The draw parameters of a campaign (docs/draw-spec.md §2.4). */
export function campaignParameters(c: CampaignDoc): Parameters {
  return buildParameters({ from: c.from, ratio: c.ratio, riskRatios: c.riskRatios, excludeOwnCounty: c.excludeOwnCounty }, {}, catalogueIndex());
}

export interface Registry extends Prepared {
  parameters: Parameters;
  /** the staff registry as read (for people outside the draw roles, e.g. liaisons) */
  people: StaffInput[];
}

/**
 * The enterprise registry in code order, read in batches of 2,000 with a turn of the event loop between them (a
 * single batch of 100,000 documents would hold the service while the driver decodes it).
 */
async function readEnterprises(conn: Connection): Promise<Enterprise[]> {
  const out: Enterprise[] = [];
  // No projection: the extra members are ignored (domain/draw2/inputs.ts reads only what it needs), and the embedded
  // database answers a projected, sorted cursor much more slowly.
  const cursor = enterpriseModel(conn)
    .find({})
    .sort({ uscc: 1 })
    .setOptions(LONG_OPERATION) // the whole registry: a long job's own limit (store/timeouts.ts)
    .batchSize(2000)
    .lean<Enterprise[]>()
    .cursor();
  for await (const d of cursor) {
    const e = d as unknown as Enterprise;
    out.push(e);
    if (out.length % 2000 === 0) await yieldTurn();
  }
  return out;
}

/**
 * The draw's inputs as the registries hold them now (docs/draw-spec.md §2), their hashes keyed with the draw's blind
 * (§3.1), computed in slices so that a registry of 100,000 enterprises does not hold the event loop.
 */
export async function readRegistry(conn: Connection, campaign: CampaignDoc, blind: string): Promise<Registry> {
  const parameters = campaignParameters(campaign);
  const enterprises = await readEnterprises(conn);
  const staffDocs = await staffModel(conn).find({}, { _id: 0, createdAt: 0, updatedAt: 0 }).lean();
  const people: StaffInput[] = staffDocs.map((s) => ({
    openId: s.openId,
    name: s.name,
    roles: s.roles,
    unit: s.unit,
    county: s.county,
    businessLine: s.businessLine ?? null,
    expertise: s.expertise ?? null,
    avoid: s.avoid ?? [],
  }));
  const prepared = await runSliced(prepareSteps(enterprises, people, parameters, blind));
  return { ...prepared, parameters, people };
}
