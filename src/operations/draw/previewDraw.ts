import { createHash, randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { buildBundle, type DrawBundle } from '../../domain/bundle';
import { shanghaiDate } from '../../domain/calendar';
import { DrawInputError, summarizePopulation, type PopulationSummary } from '../../domain/draw';
import type { ExcludedEnterprise } from '../../domain/population';
import type { Actor } from '../../policies';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import { appendDrawLog, drawModel, lastLogHash, packBundle, type DrawDoc } from '../../store/draw';
import { taskModel } from '../../store/task';
import { findActiveCampaign } from '../campaigns';
import { drawRefusal, readRegistry, refuse, type Refusal } from './context';

export interface PreviewInput {
  actor: Actor;
  actorName: string;
  /** 专项=<名称> */
  campaignName?: string;
  /** 种子=<公开随机数> */
  entropy?: string;
  /** 理由=<原因>, required for a redraw */
  reason?: string;
}

export interface Preview {
  ok: true;
  draw: DrawDoc;
  campaign: CampaignDoc;
  summary: PopulationSummary;
  bundle: DrawBundle;
  excluded: ExcludedEnterprise[];
  /** the confirmed draw this one would replace */
  replaces?: DrawDoc;
}

const ENTROPY = /^[\p{L}\p{N}._:+\-\/]{1,64}$/u;

/** Hides a generated seed until confirmation, while committing to it in the log. */
export function entropyCommitment(entropy: string): string {
  return createHash('sha256').update(entropy).digest('hex');
}

/**
 * `/抽取`: checks everything, computes the whole draw from the registries, stores it as a preview and logs it
 * (hash chain). Nothing is dispatched and nothing of the result is shown before confirmation; with a generated
 * seed only its hash is logged, so previewing again and again cannot be used to pick a result unseen.
 */
export async function previewDraw(conn: Connection, now: Date, input: PreviewInput): Promise<Preview | Refusal> {
  const denied = drawRefusal(input.actor);
  if (denied) return denied;
  if (input.entropy !== undefined && !ENTROPY.test(input.entropy)) {
    return refuse('参数有误', '“种子”应为公开可查的随机数（1–64 个字母、数字或 .-_:+/），例如当日福利彩票开奖号码：/抽取 种子=2024031503');
  }
  const reason = input.reason?.trim();
  if (reason !== undefined && (reason.length < 2 || reason.length > 200)) {
    return refuse('参数有误', '“理由”应为 2–200 个字，写明为什么需要重新抽取。');
  }

  const today = shanghaiDate(now);
  const campaigns = campaignModel(conn);
  const campaign = input.campaignName
    ? await campaigns.findOne({ name: input.campaignName, status: 'active' }).lean<CampaignDoc>()
    : await findActiveCampaign(conn, today);
  if (!campaign) {
    return input.campaignName
      ? refuse('无法抽取', `没有名为“${input.campaignName}”的进行中专项。不带“专项=”时使用当前年度的专项。`)
      : refuse('无法抽取', '当前没有进行中的专项。请管理员先创建：npm run cli -- campaign create --name … --year … --from … --to … --ratio 0.25');
  }

  const draws = drawModel(conn);
  const current = await draws.findOne({ campaignId: campaign._id, status: 'confirmed' }).lean<DrawDoc>();
  if (current && !reason) {
    return refuse(
      '已完成抽取',
      `“${campaign.name}”已完成第${current.attempt}次抽取，结果已派发。` +
        '如确需重新抽取（例如人员变动），请写明理由：/抽取 理由=<原因>。重新抽取会作废尚未开始的检查任务，并记入抽取日志。',
    );
  }
  if (!current && reason) {
    return refuse('参数有误', '本专项还没有确认过的抽取，不需要“理由”。直接发送 /抽取 即可。');
  }
  if (current) {
    const started = await taskModel(conn).countDocuments({ drawId: current._id, state: { $nin: ['待接收', '待检查', '已作废'] } });
    if (started > 0) {
      return refuse('不能重新抽取', `第${current.attempt}次抽取的任务中已有${started}项开始检查，不能再重新抽取。如需调整个别任务，请联系市局处理。`);
    }
  }

  const registry = await readRegistry(conn, campaign);
  if (registry.eligible.length === 0) {
    return refuse(
      '无法抽取',
      registry.excluded.length > 0
        ? `名录库中的${registry.excluded.length}家企业许可证均已在专项开始日（${campaign.from}）前到期，没有可抽取的企业。`
        : '检查对象名录库是空的。请先导入：npm run cli -- import enterprises <文件>',
    );
  }

  const entropy = input.entropy ?? randomBytes(16).toString('hex');
  const attempt = (current?.attempt ?? 0) + 1;
  let bundle: DrawBundle;
  try {
    bundle = buildBundle({
      enterprises: registry.eligible,
      staff: registry.staff,
      parameters: {
        riskRatios: campaign.riskRatios,
        campaignRatio: campaign.ratio,
        teamRules: { excludeOwnCounty: campaign.excludeOwnCounty },
      },
      entropy,
      attempt,
      prevLogHash: await lastLogHash(conn),
    });
  } catch (err) {
    if (err instanceof DrawInputError) return refuse('无法抽取', err.message);
    throw err;
  }
  if (!bundle.complete) {
    const lines = bundle.shortages.slice(0, 8).map((s) => `· 第${s.no}号 ${s.name}（${s.county}）：${s.reason}`);
    const more = bundle.shortages.length > 8 ? `\n……共${bundle.shortages.length}处不足` : '';
    return refuse('检查人员不足，无法组成检查组', `${lines.join('\n')}${more}\n请补充人员名录（npm run cli -- import staff <文件>）后重新发送 /抽取。`);
  }

  // A newer preview replaces older ones: their confirm buttons stop working.
  const stale = await draws.find({ campaignId: campaign._id, status: 'previewed' }, { _id: 1 }).lean();
  if (stale.length > 0) {
    await draws.updateMany({ _id: { $in: stale.map((d) => d._id) } }, { $set: { status: 'abandoned' } });
    for (const d of stale) {
      await appendDrawLog(conn, { kind: 'abandon', drawId: String(d._id), why: '被新的预览取代', by: input.actor.openId }, now);
    }
  }

  const created = await draws.create({
    campaignId: campaign._id,
    attempt,
    status: 'previewed',
    requestedBy: input.actor.openId,
    requestedByName: input.actorName,
    entropy,
    entropySource: input.entropy ? 'liaison' : 'generated',
    ...(reason ? { reason } : {}),
    populationHash: bundle.populationHash,
    staffHash: bundle.staffHash,
    seed: bundle.seed,
    resultHash: bundle.resultHash,
    prevLogHash: bundle.prevLogHash ?? '',
    bundleGz: packBundle(bundle),
  });
  await appendDrawLog(
    conn,
    {
      kind: 'preview',
      drawId: String(created._id),
      campaign: campaign.name,
      attempt,
      by: input.actor.openId,
      populationHash: bundle.populationHash,
      staffHash: bundle.staffHash,
      entropySource: input.entropy ? 'liaison' : 'generated',
      // A liaison's public number is public; a generated one stays hidden until confirmation.
      ...(input.entropy ? { entropy } : { entropyCommitment: entropyCommitment(entropy) }),
      resultHash: bundle.resultHash,
      ...(reason ? { reason } : {}),
    },
    now,
  );
  const draw = (await draws.findById(created._id).lean<DrawDoc>()) as DrawDoc;
  return {
    ok: true,
    draw,
    campaign,
    summary: summarizePopulation(registry.eligible, bundle.counts),
    bundle,
    excluded: registry.excluded,
    ...(current ? { replaces: current } : {}),
  };
}
