/**
 * Campaign-level reminders (job `campaign-reminders`, 09:00 Asia/Shanghai, working days only):
 * 1. The inspection window closes (domain/window.ts): at 30 and at 10 working days before its last day, every task
 *    of the confirmed draw not started yet (待接收, 待检查) is listed to its team's 组长, to the liaison(s) of its county
 *    and to the 市局联络员 (all of them); key window:<campaign>:<threshold>:<recipient> (each threshold once, made up the
 *    next working day when a run is missed).
 * 2. The county's 情况汇报 and 附件5 (domain/countyReport.ts, due 11-15): each county liaison whose county has not sent
 *    its report, on D−5, D−1, D (when D is a rest day: the last working day before it, and D−5, D−1 count back from
 *    that day) and every working day after; the 市局联络员 get the list of counties still missing on overdue working
 *    day 1 and every 5th after. Keys report:<campaign>:<kind>:<open id> for D−5 and D−1 (thresholds),
 *    report:<campaign>:<kind>:<day>:<open id> otherwise; report:esc:<campaign>:<day>:<open id>.
 * Only campaigns with a confirmed draw. A rerun the same day sends nothing new.
 */
import type { Connection, Types } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import { countyReportDue, countyReportReminder } from '../domain/countyReport';
import { isWorkingDayLenient } from '../domain/followup';
import { windowWarning } from '../domain/window';
import { CITY_BUREAU } from '../domain/types';
import type { Logger } from '../logger';
import type { Outbox } from '../platform/outbox';
import { campaignModel, type CampaignDoc } from '../store/campaign';
import { drawModel } from '../store/draw';
import { staffModel } from '../store/staff';
import { taskModel, type TaskDoc } from '../store/task';
import { countyReportEscalationCard, countyReportReminderCard, windowReminderCard } from '../bot/campaignReminderCards';
import { countyReportStatus } from './countyReports';
import { cityLiaisons, countyLiaisons } from './followup/common';

export interface CampaignReminderDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
}

export interface CampaignReminderRun {
  today: string;
  working: boolean;
  /** cards enqueued: window warnings, report reminders, report escalations */
  window: number;
  reports: number;
  escalations: number;
}

export async function sendCampaignReminders(deps: CampaignReminderDeps, now: Date): Promise<CampaignReminderRun> {
  const today = shanghaiDate(now);
  const run: CampaignReminderRun = { today, working: isWorkingDayLenient(today), window: 0, reports: 0, escalations: 0 };
  if (!run.working) return run;
  const campaigns = await campaignModel(deps.conn).find({ status: 'active' }).sort({ year: -1 }).lean<CampaignDoc[]>();
  for (const campaign of campaigns) {
    try {
      // The latest confirmed attempt: for a moment after a crash mid-redraw two attempts may both be 'confirmed'.
      const draw = await drawModel(deps.conn).findOne({ campaignId: campaign._id, status: 'confirmed' }, { _id: 1 }).sort({ attempt: -1 }).lean();
      if (!draw) continue;
      run.window += await windowReminders(deps, campaign, draw._id, today);
      const sent = await reportReminders(deps, campaign, today);
      run.reports += sent.reports;
      run.escalations += sent.escalations;
    } catch (err) {
      deps.log.error({ err, campaign: String(campaign._id) }, 'campaign reminders failed for a campaign');
    }
  }
  deps.log.info({ ...run }, 'campaign reminders done');
  return run;
}

async function windowReminders(deps: CampaignReminderDeps, campaign: CampaignDoc, drawId: Types.ObjectId, today: string): Promise<number> {
  const warning = windowWarning(today, campaign.to);
  if (!warning) return 0;
  const unstarted = await taskModel(deps.conn)
    .find({ drawId, state: { $in: ['待接收', '待检查'] } }, { enterprise: 1, team: 1, state: 1, no: 1 })
    .sort({ no: 1 })
    .lean<TaskDoc[]>();
  if (unstarted.length === 0) return 0;
  const byPerson = new Map<string, TaskDoc[]>();
  const add = (openId: string, t: TaskDoc) => {
    const list = byPerson.get(openId) ?? [];
    if (!list.includes(t)) list.push(t);
    byPerson.set(openId, list);
  };
  const liaisons = new Map<string, string[]>();
  for (const t of unstarted) {
    for (const m of t.team) if (m.role === '组长') add(m.openId, t);
    const county = t.enterprise.county;
    if (!liaisons.has(county)) liaisons.set(county, await countyLiaisons(deps, county));
    for (const o of liaisons.get(county)!) add(o, t);
  }
  for (const o of await cityLiaisons(deps)) for (const t of unstarted) add(o, t);
  let sent = 0;
  for (const [openId, tasks] of byPerson) {
    await deps.outbox.sendCard(`window:${String(campaign._id)}:${warning.threshold}:${openId}`, { openId }, windowReminderCard(tasks, campaign.to, warning.left));
    sent += 1;
  }
  return sent;
}

async function reportReminders(deps: CampaignReminderDeps, campaign: CampaignDoc, today: string): Promise<{ reports: number; escalations: number }> {
  const due = countyReportDue(campaign);
  const r = countyReportReminder(today, due);
  if (!r) return { reports: 0, escalations: 0 };
  const status = await countyReportStatus(deps.conn, campaign);
  const missing = status.counties.filter((c) => !c.latest).map((c) => c.county);
  let reports = 0;
  for (const county of missing) {
    const own = await staffModel(deps.conn).find({ roles: '联络员', county }, { openId: 1 }).sort({ openId: 1 }).lean();
    for (const { openId } of own) {
      const key = r.kind === 'rep-d5' || r.kind === 'rep-d1' ? `report:${String(campaign._id)}:${r.kind}:${openId}` : `report:${String(campaign._id)}:${r.kind}:${today}:${openId}`;
      await deps.outbox.sendCard(key, { openId }, countyReportReminderCard(county, due, r));
      reports += 1;
    }
  }
  let escalations = 0;
  if (r.escalate && missing.length > 0) {
    const city = await staffModel(deps.conn).find({ roles: '联络员', county: CITY_BUREAU }, { openId: 1 }).sort({ openId: 1 }).lean();
    for (const { openId } of city) {
      await deps.outbox.sendCard(`report:esc:${String(campaign._id)}:${today}:${openId}`, { openId }, countyReportEscalationCard(due, missing));
      escalations += 1;
    }
  }
  return { reports, escalations };
}
