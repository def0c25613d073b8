/** Who may do what, in one place. */
import { CITY_BUREAU, STAFF_ROLES, type StaffRole } from './domain/types';

export const ROLES = STAFF_ROLES;
export type Role = StaffRole;

export interface Actor {
  openId: string;
  /** empty when the person is not in the staff registry */
  roles: readonly Role[];
  county?: string;
  /** listed in ADMIN_OPEN_IDS: may do the yearly set-up in chat, whatever the staff registry says */
  admin?: boolean;
}

/**
 * Chat commands and the roles that may use them ('all' = anyone, registered or not; 'setup' = whoever may do the
 * yearly set-up in chat, see maySetUp).
 */
export type CommandAudience = readonly Role[] | 'all' | 'setup';

export function mayUse(actor: Actor, audience: CommandAudience): boolean {
  if (audience === 'setup') return maySetUp(actor);
  return audience === 'all' || actor.roles.some((r) => audience.includes(r));
}

/**
 * The yearly set-up in chat (registry files, the holiday calendar, /专项): a 市局联络员 (role 联络员, 所属县区 市局),
 * or anyone listed in ADMIN_OPEN_IDS (so that the first staff file can be sent before the registry names anyone).
 */
export function maySetUp(actor: Actor): boolean {
  return actor.admin === true || (actor.roles.includes('联络员') && actor.county === CITY_BUREAU);
}

/**
 * City-bureau staff who see and export everything: 领导, or anyone of 市局 holding a role other than 专家
 * (experts from the 专家库 see only their own teams' tasks).
 */
export function isCityWide(actor: Actor): boolean {
  return actor.roles.includes('领导') || (actor.county === CITY_BUREAU && actor.roles.some((r) => r !== '专家'));
}
