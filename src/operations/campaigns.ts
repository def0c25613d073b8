/**
 * Campaigns (专项): create, list, find the active one.
 *
 * Decisions:
 * - ratio: 0.25 ≤ ratio ≤ 1 (at most 6 decimals, "0.25" or "25%"): 运市监质监〔2024〕2号 draws “按不低于25%的比例”,
 *   so a lower campaign ratio is refused (in chat and in the CLI alike).
 * - riskRatios: defaults A=0.2, B=0.25, C=0.5, D=1; the text form may override only some classes. A class ratio of 0
 *   is refused: low-risk enterprises are not exempt (不搞免抽).
 * - one active campaign per year, enforced by the unique `slot` index (store/campaign.ts), not by a check-then-insert.
 */
import type { Connection } from 'mongoose';
import { parseDate } from '../domain/calendar';
import { isIsoDate } from '../domain/population';
import { RISK_CLASSES, type RiskClass } from '../domain/types';
import { checkText } from '../domain/textPolicy';
import { activeSlot, campaignModel, type CampaignDoc } from '../store/campaign';

export class CampaignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CampaignError';
  }
}

export type RiskRatios = Record<RiskClass, number>;

export const DEFAULT_RISK_RATIOS: Readonly<RiskRatios> = Object.freeze({ A: 0.2, B: 0.25, C: 0.5, D: 1 });
/** 运市监质监〔2024〕2号: 按不低于25%的比例随机抽取. */
export const NOTICE_MIN_RATIO = 0.25;
export const NOTICE_REF = '运市监质监〔2024〕2号';

export interface CampaignInput {
  name: string;
  year: number;
  from: string;
  to: string;
  ratio: number;
  riskRatios?: Partial<RiskRatios>;
  excludeOwnCounty?: boolean;
}

export interface CampaignSettings {
  name: string;
  year: number;
  from: string;
  to: string;
  ratio: number;
  riskRatios: RiskRatios;
  excludeOwnCounty: boolean;
}

export function percentText(ratio: number): string {
  return `${Number((ratio * 100).toFixed(4))}%`;
}

function checkRatio(value: number, what: string, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value > 1 || value < 0 || (!allowZero && value === 0)) {
    throw new CampaignError(`${what}应为大于0且不超过1的数（如 0.25 或 25%），收到“${String(value)}”`);
  }
  if (Math.abs(Math.round(value * 1e6) - value * 1e6) > 1e-6) throw new CampaignError(`${what}最多保留6位小数，收到“${value}”`);
  return value;
}

/** "0.25" or "25%" → 0.25; throws CampaignError. */
export function parseRatio(text: string, what: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(t);
  if (m === null) throw new CampaignError(`${what}应为0到1之间的小数或百分数（如 0.25 或 25%），收到“${text}”`);
  const value = m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
  return checkRatio(Number(value.toFixed(10)), what, false);
}

/**
 * "A=0.2,B=0.25,C=0.5,D=1" (some classes may be left out: they keep the default); throws CampaignError naming the
 * argument as `label` (the CLI's --risk-ratios, the chat's 分类比例).
 */
export function parseRiskRatios(text: string, label = '--risk-ratios'): Partial<RiskRatios> {
  const out: Partial<RiskRatios> = {};
  const parts = text.split(/[,，、;；\s]+/).filter((p) => p !== '');
  if (parts.length === 0) throw new CampaignError(`${label} 为空，应为 A=0.2,B=0.25,C=0.5,D=1 的形式`);
  for (const part of parts) {
    const m = /^([A-Da-d])[=:：](.+)$/.exec(part);
    if (m === null) throw new CampaignError(`${label} 中的“${part}”无法识别，应为 A=0.2,B=0.25,C=0.5,D=1 的形式`);
    const rc = m[1]!.toUpperCase() as RiskClass;
    if (out[rc] !== undefined) throw new CampaignError(`${label} 中${rc}类出现了两次`);
    out[rc] = parseRatio(m[2]!, `${rc}类抽查比例`);
  }
  return out;
}

/** The refusal of a campaign ratio below the notice's minimum. */
export function ratioBelowMinimum(ratio: number): string {
  return `全市抽查比例不得低于${percentText(NOTICE_MIN_RATIO)}（${NOTICE_REF}：按不低于${percentText(NOTICE_MIN_RATIO)}的比例随机抽取），收到${percentText(ratio)}`;
}

/** Validates and completes a campaign; throws CampaignError (Chinese). */
export function validateCampaign(input: CampaignInput): { settings: CampaignSettings } {
  // The text policy of every field from outside (domain/textPolicy.ts): length in characters, no character a card,
  // a Word form or the public page cannot hold. Here, so the CLI, the chat command and its confirm button all hold it.
  const checked = checkText('campaignName', input.name ?? '');
  if (!checked.ok) throw new CampaignError(checked.message);
  const name = checked.text;
  if (name === '') throw new CampaignError('专项名称不能为空');
  const year = input.year;
  if (!Number.isSafeInteger(year) || year < 2000 || year > 2100) throw new CampaignError(`年度应为四位年份，收到“${String(year)}”`);
  const date = (value: string, what: string): string => {
    const v = (value ?? '').trim();
    if (!isIsoDate(v)) throw new CampaignError(`${what}“${value}”不是有效日期（应为YYYY-MM-DD）`);
    return parseDate(v);
  };
  const from = date(input.from, '开始日期');
  const to = date(input.to, '结束日期');
  if (from > to) throw new CampaignError(`开始日期${from}晚于结束日期${to}`);
  if (Number(from.slice(0, 4)) !== year || Number(to.slice(0, 4)) !== year) {
    throw new CampaignError(`专项起止日期应在${year}年内（收到${from}至${to}）`);
  }
  const ratio = checkRatio(input.ratio, '全市抽查比例', false);
  if (ratio < NOTICE_MIN_RATIO) throw new CampaignError(ratioBelowMinimum(ratio));
  const riskRatios = { ...DEFAULT_RISK_RATIOS };
  for (const rc of RISK_CLASSES) {
    const r = input.riskRatios?.[rc];
    if (r !== undefined) riskRatios[rc] = checkRatio(r, `${rc}类抽查比例`, false);
  }
  return { settings: { name, year, from, to, ratio, riskRatios, excludeOwnCounty: input.excludeOwnCounty ?? true } };
}

function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; writeErrors?: { code?: unknown }[] };
  return e.code === 11000 || (Array.isArray(e.writeErrors) && e.writeErrors.some((w) => w.code === 11000));
}

export async function createCampaign(
  conn: Connection,
  input: CampaignInput,
): Promise<{ campaign: CampaignDoc }> {
  const { settings } = validateCampaign(input);
  const model = campaignModel(conn);
  await model.init();
  try {
    const doc = await model.create({ ...settings, status: 'active', slot: activeSlot(settings.year) });
    return { campaign: doc.toObject() };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await model.findOne({ slot: activeSlot(settings.year) }).lean();
    const what = existing ? `“${existing.name}”（${existing.from}至${existing.to}）` : '';
    throw new CampaignError(`${settings.year}年已有进行中的专项${what}，同一年度只能有一个进行中的专项`);
  }
}

/** All campaigns, newest year first. */
export async function listCampaigns(conn: Connection): Promise<CampaignDoc[]> {
  return campaignModel(conn).find().sort({ year: -1, createdAt: -1 }).lean<CampaignDoc[]>();
}

/**
 * The campaign imports and draws refer to: among active campaigns, the one whose period contains `today`, else the
 * next one to start, else the one of the latest year. Without `today`, the one of the latest year.
 */
export async function findActiveCampaign(conn: Connection, today?: string): Promise<CampaignDoc | null> {
  const active = await campaignModel(conn).find({ status: 'active' }).sort({ year: -1 }).lean<CampaignDoc[]>();
  if (today === undefined) return active[0] ?? null;
  const upcoming = active.filter((c) => c.from > today).sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  return active.find((c) => c.from <= today && today <= c.to) ?? upcoming[0] ?? active[0] ?? null;
}
