import { z } from 'zod';
import { mayUse, type Actor } from '../policies';
import type { StaffMember } from '../store/staff';
import { md, renderCard, type CardJson } from './cards';
import { MSG } from './messages';
import { defineAction, type CommandSpec } from './router';

/** Whether /帮助 lists `c` to `actor`: in its audience, and served by its handler (CommandSpec.offeredTo). */
function offered(actor: Actor, c: CommandSpec): boolean {
  return mayUse(actor, c.audience) && (c.offeredTo?.(actor) ?? true);
}

/** The help card, by role: only the commands the caller may use, each with a button that shows its usage. */
export function helpCard(actor: Actor, staff: StaffMember | null, commands: readonly CommandSpec[], expanded?: string): CardJson {
  const visible = commands.filter((c) => offered(actor, c));
  return renderCard('help', {
    title: MSG.helpTitle,
    intro: staff
      ? MSG.helpIntroRegistered(md(staff.name), staff.roles.join('、'))
      : actor.admin
        ? MSG.helpIntroAdmin
        : MSG.helpIntroUnknown(actor.openId),
    commands: visible.map((c) => ({
      usage: c.usage,
      summary: c.summary,
      detail: c.id === expanded ? c.detail : undefined,
      button: c.id === expanded ? undefined : { text: MSG.helpDetailButton, type: 'default', value: { a: 'help.detail', cmd: c.id } },
    })),
    footer: MSG.helpFooter,
  });
}

export function helpCommand(all: () => readonly CommandSpec[]): CommandSpec {
  return {
    id: 'help',
    names: ['帮助', 'help'],
    audience: 'all',
    usage: '/帮助',
    summary: '查看您可以使用的命令',
    detail: '发送 /帮助（或 /help）随时查看本说明。列出的命令按您的角色（联络员、组长、执法人员、专家、领导）而定。',
    async handle(ctx) {
      await ctx.reply(helpCard(ctx.actor, ctx.staff, all()));
    },
  };
}

export function helpDetailAction(all: () => readonly CommandSpec[]) {
  return defineAction({
    name: 'help.detail',
    schema: z.object({ a: z.literal('help.detail'), cmd: z.string().max(40) }),
    async handle(ctx, value) {
      const spec = all().find((c) => c.id === value.cmd);
      if (!spec || !offered(ctx.actor, spec)) return { toast: { type: 'error', content: MSG.staleButton } };
      return { card: { type: 'raw', data: helpCard(ctx.actor, ctx.staff, all(), spec.id) } };
    },
  });
}
