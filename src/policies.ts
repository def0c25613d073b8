/** Who may do what, in one place. */
export const ROLES = ['组长', '执法人员', '专家', '联络员', '领导'] as const;
export type Role = (typeof ROLES)[number];

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
