/**
 * What 开始检查 last read of each campaign (its inspection window and its extra checklists, with the lists' revision),
 * so that a start from a card that names the campaign can write at once, without reading the task first
 * (startInspection.ts): one database command instead of two.
 *
 * A copy only ever proposes a write. The window is written once, when the campaign is created (store/campaign.ts),
 * so a copy of it cannot go stale. The lists can change at any time from another process (the CLI, a liaison's file
 * in chat); a copy of them carries the revision it was read with, and the start's compare-and-set requires the task
 * to be at that revision (operations/checklists/extrasRevision.ts). After a change, no task matches the old copy:
 * the start reads afresh, as without the copy, and that read replaces the copy. Bounded (least recently used), per
 * connection.
 */
import type { Connection } from 'mongoose';
import type { ExtraChecklistSnapshot } from '../../domain/inspection';
import { ConnectionLru } from './connectionLru';
import type { CampaignWindow } from './startContext';

export interface CampaignStartCopy {
  window: CampaignWindow;
  /** the revision of the lists, as read from the campaign before them */
  extrasRev: number;
  extras: ExtraChecklistSnapshot[];
}

const MAX_CAMPAIGNS = 20;
const campaigns = new ConnectionLru<CampaignStartCopy>(MAX_CAMPAIGNS);

/** Keeps what a start read of campaign `id`, unless a copy of a later revision is kept already. */
export function rememberCampaign(conn: Connection, id: string, copy: CampaignStartCopy): void {
  // a read that began before a change and ended after a later one's read: keep the later
  const kept = campaigns.get(conn, id);
  if (kept && kept.extrasRev > copy.extrasRev) return;
  campaigns.set(conn, id, copy);
}

export function recallCampaign(conn: Connection, id: string): CampaignStartCopy | undefined {
  return campaigns.get(conn, id);
}
