/**
 * `/抽取`: the preview. Checks everything that does not depend on chance (the population, the counts, whether the
 * staff can form the teams), draws the bot's secret random value and logs the commitment — the hashes of the
 * population, the staff, the exclusions, the parameters and of that value, and the public source if one is pinned —
 * in the campaign's hash chain (docs/draw-spec.md §3). Nothing of the outcome can be known before `确认`: it depends on
 * the secret value, revealed only then.
 */
import type { Connection } from 'mongoose';
import { catalogueIndex } from '../../domain/catalogue';
import { computeCounts, countNotes, strataSizes } from '../../domain/draw2/counts';
import { unknownValues } from '../../domain/draw2/compute';
import { DrawError, type Counts, type PublicSource } from '../../domain/draw2/model';
import { staffingSteps, summarizeSteps, type PopulationSummary } from '../../domain/draw2/preview';
import { announcedInstant, enteredEntropy, newBlind, newBotValue } from '../../domain/draw2/seed';
import { nextAttempt } from '../../domain/draw2/chain';
import { commitData, commitmentOf } from '../../domain/draw2/session';
import { announcedText, describeSource, parseSourceText } from '../../domain/draw2/sourceText';
import { shanghaiDate } from '../../domain/calendar';
import type { Actor } from '../../policies';
import { campaignModel, type CampaignDoc } from '../../store/campaign';
import { appendChain, drawModel, loadChain, type DrawDoc } from '../../store/draw';
import { taskModel } from '../../store/task';
import { findActiveCampaign } from '../campaigns';
import { campaignRef, drawRefusal, readRegistry, refuse, type Refusal } from './context';
import { runSliced } from './slices';

export interface PreviewInput {
  actor: Actor;
  actorName: string;
  /** 专项=<名称> */
  campaignName?: string;
  /** 种子=<公开随机数> (not with a pinned source: its value is entered after the draw of the source) */
  entropy?: string;
  /** 理由=<原因>, required for a redraw */
  reason?: string;
  /** 来源=<…> 开奖时间=<…>: a public source for this draw (else the campaign's, if any) */
  sourceText?: string;
  sourceTime?: string;
  /** the /抽取 message the preview card answers (kept on the draw: see Draw.previewMessageId) */
  messageId?: string;
}

export interface Preview {
  ok: true;
  draw: DrawDoc;
  campaign: CampaignDoc;
  summary: PopulationSummary;
  counts: Counts;
  notes: string[];
  excluded: number;
  unknown: ReturnType<typeof unknownValues>;
  /** the confirmed draw this one would replace */
  replaces?: DrawDoc;
  /** older previews this one replaced (their confirm buttons no longer work) */
  replacedPreviews: DrawDoc[];
}

/** The 种子 a liaison may type: 1–64 letters, digits or . _ : + - / (a lottery result, a date-stamped number …). */
export const ENTROPY = /^[\p{L}\p{N}._:+\-/]{1,64}$/u;

/** The latest confirmed draw of a campaign. */
export async function currentDraw(conn: Connection, campaignId: CampaignDoc['_id']): Promise<DrawDoc | null> {
  return drawModel(conn).findOne({ campaignId, status: 'confirmed' }).sort({ attempt: -1, confirmedAt: -1 }).lean<DrawDoc>();
}

export async function previewDraw(conn: Connection, now: Date, input: PreviewInput): Promise<Preview | Refusal> {
  const denied = drawRefusal(input.actor);
  if (denied) return denied;
  const entropy = input.entropy === undefined ? undefined : enteredEntropy(input.entropy);
  if (entropy !== undefined && !ENTROPY.test(entropy)) {
    return refuse('参数有误', '“种子”应为公开可查的随机数（1–64 个字母、数字或 .-_:+/），例如：/抽取 种子=2024031503');
  }
  const reason = input.reason?.trim();
  if (reason !== undefined && (reason.length < 2 || reason.length > 200)) {
    return refuse('参数有误', '“理由”应为 2–200 个字，写明为什么需要重新抽取。');
  }
  if ((input.sourceText === undefined) !== (input.sourceTime === undefined)) {
    return refuse('参数有误', '“来源”和“开奖时间”须同时给出，例如：/抽取 来源=中国福利彩票3D第2024065期开奖号码(3位数字) 开奖时间=2024-03-15T21:15');
  }

  const today = shanghaiDate(now);
  const campaigns = campaignModel(conn);
  const campaign = input.campaignName
    ? await campaigns.findOne({ name: input.campaignName, status: 'active' }).sort({ year: -1 }).lean<CampaignDoc>()
    : await findActiveCampaign(conn, today);
  if (!campaign) {
    return input.campaignName
      ? refuse('无法抽取', `没有名为“${input.campaignName}”的进行中专项。不带“专项=”时使用当前年度的专项。`)
      : refuse('无法抽取', '当前没有进行中的专项。请市局联络员先在聊天中发送 /专项 新建 名称=… 年度=… 开始=… 结束=… 比例=0.25 创建本年度专项（预览后点“确认创建”），再发送 /抽取。');
  }

  // The public source: given here, or pinned on the campaign; it must still be ahead of us.
  let source: PublicSource | null = null;
  if (input.sourceText !== undefined && input.sourceTime !== undefined) {
    const parsed = parseSourceText(input.sourceText, input.sourceTime);
    if (!parsed.ok) return refuse('参数有误', parsed.reason);
    source = parsed.source;
  } else if (campaign.drawSource) {
    source = campaign.drawSource;
  }
  if (source !== null) {
    const at = announcedInstant(source.announcedAt);
    if (at === null || at.getTime() <= now.getTime()) {
      return refuse(
        '公开来源已开奖',
        `${describeSource(source)}：开奖时间已过，不能再作为新的抽取的种子来源（预览必须在开奖之前）。` +
          '请指定一个尚未开奖的来源：/抽取 来源=<彩票及期号>(位数) 开奖时间=YYYY-MM-DDTHH:mm',
      );
    }
    if (entropy !== undefined) {
      return refuse(
        '参数有误',
        `本次抽取以${describeSource(source)}为种子，开奖号码须在${announcedText(source.announcedAt)}开奖之后填写在预览卡片上，不能随 /抽取 提供。`,
      );
    }
  }

  const draws = drawModel(conn);
  const current = await currentDraw(conn, campaign._id);
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
      return refuse('不能重新抽取', `第${current.attempt}次抽取的任务中已有${started}项开始检查，不能再重新抽取。如需调整个别任务的检查组，请用 /换人 任务=<许可证编号> 原=<姓名> 新=<姓名> 理由=<原因>。`);
    }
  }

  // The blind keys the registry hashes of the commitment (docs/draw-spec.md §3.1); secret like the bot value.
  const blind = newBlind();
  let registry;
  try {
    registry = await readRegistry(conn, campaign, blind);
  } catch (err) {
    if (err instanceof DrawError) return refuse('无法抽取', err.message);
    throw err;
  }
  if (registry.population.length === 0) {
    return refuse(
      '无法抽取',
      registry.exclusions.length > 0
        ? `名录库中的${registry.exclusions.length}家企业许可证均已在专项开始日（${campaign.from}）前到期或无效，没有可抽取的企业。`
        : '检查对象名录库是空的。请先导入：npm run cli -- import enterprises <文件>',
    );
  }
  const counts = computeCounts(strataSizes(registry.population), registry.parameters);
  const staffing = await runSliced(staffingSteps(registry.population, registry.staff, registry.parameters, counts));
  if (staffing.length > 0) {
    const lines = staffing.slice(0, 8).map((s) => `· ${s.message}`);
    const more = staffing.length > 8 ? `\n……共${staffing.length}处不足` : '';
    return refuse('检查人员不足，无法组成检查组', `${lines.join('\n')}${more}\n请补充人员名录（npm run cli -- import staff <文件>）后重新发送 /抽取。`);
  }
  const summary = await runSliced(summarizeSteps(registry.population, counts));

  // A newer preview replaces older ones: their confirm buttons stop working (and the log says so).
  const stale = await draws.find({ campaignId: campaign._id, status: 'previewed' }).sort({ createdAt: 1 }).lean<DrawDoc[]>();
  const replacedPreviews: DrawDoc[] = [];
  for (const d of stale) {
    const gone = await draws.updateOne({ _id: d._id, status: 'previewed' }, { $set: { status: 'abandoned' } });
    if (gone.modifiedCount > 0) replacedPreviews.push(d);
    if (gone.modifiedCount > 0 && d.commitSeq !== undefined) {
      await appendChain(conn, campaign._id, 'void', { drawId: String(d._id), attempt: d.attempt, reason: 'replaced', note: '被新的预览取代' }, now, `void:${String(d._id)}`);
    }
  }

  const chain = await loadChain(conn, campaign._id);
  const attempt = nextAttempt(chain);
  const botValue = newBotValue();
  const commitment = commitmentOf(registry, campaignRef(campaign), attempt, botValue, source);
  const created = await draws.create({
    campaignId: campaign._id,
    attempt,
    status: 'previewed',
    requestedBy: input.actor.openId,
    requestedByName: input.actorName,
    algorithm: commitment.algorithm,
    ...(reason ? { reason } : {}),
    ...(input.messageId ? { previewMessageId: input.messageId } : {}),
    populationHash: registry.populationHash,
    staffHash: registry.staffHash,
    exclusionsHash: registry.exclusionsHash,
    parametersHash: registry.parametersHash,
    commitment,
    parameters: registry.parameters,
    source,
    botValue,
    blind,
    ...(entropy !== undefined ? { proposedEntropy: entropy } : {}),
  });
  const data = commitData(String(created._id), commitment, registry.parameters, input.actor.openId, reason ?? null);
  const entry = await appendChain(conn, campaign._id, 'commit', { ...data }, now, `commit:${String(created._id)}`);
  const draw = (await draws
    .findOneAndUpdate({ _id: created._id }, { $set: { commitSeq: entry.seq, commitmentHash: data.commitmentHash } }, { returnDocument: 'after' })
    .lean<DrawDoc>()) as DrawDoc;
  return {
    ok: true,
    draw,
    campaign,
    summary,
    counts,
    notes: countNotes(counts, registry.parameters),
    excluded: registry.exclusions.length,
    unknown: unknownValues(registry.population, registry.staff, catalogueIndex()),
    ...(current ? { replaces: current } : {}),
    replacedPreviews,
  };
}
