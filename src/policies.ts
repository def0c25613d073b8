/** Who may do what, in one place. */
import { CITY_BUREAU, STAFF_ROLES, type StaffRole } from './domain/types';

export const ROLES = STAFF_ROLES;
export type Role = StaffRole;

export interface Actor {
  openId: string;
  /** empty when the person is not in the staff registry */
  roles: readonly Role[];
  county?: string;
}

/** Chat commands and the roles that may use them ('all' = anyone, registered or not). */
export type CommandAudience = readonly Role[] | 'all';

export function mayUse(actor: Actor, audience: CommandAudience): boolean {
  return audience === 'all' || actor.roles.some((r) => audience.includes(r));
}

/**
 * City-bureau staff who see and export everything: 领导, or anyone of 市局 holding a role other than 专家
 * (experts from the 专家库 see only their own teams' tasks).
 */
export function isCityWide(actor: Actor): boolean {
  return actor.roles.includes('领导') || (actor.county === CITY_BUREAU && actor.roles.some((r) => r !== '专家'));
}
