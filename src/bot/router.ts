import type { Connection, Model } from 'mongoose';
import { z } from 'zod';
import { checkText, formInputField } from '../domain/textPolicy';
import type { Logger } from '../logger';
import type { BotHandlers, CallbackResponse, CardAction, InboundMessage } from '../platform/events';
import type { MessageFileSource } from '../platform/messageFiles';
import type { Outbox, Recipient } from '../platform/outbox';
import { mayUse, type Actor, type CommandAudience } from '../policies';
import type { StaffMember } from '../store/staff';
import { md, renderCard, type CardJson } from './cards';
import { MSG } from './messages';
import { messageText, parseCommand, type ParsedCommand } from './parse';

export interface BotDeps {
  conn: Connection;
  outbox: Outbox;
  staff: Model<StaffMember>;
  log: Logger;
  /** the clock; operations take `now` from here so tests can move time */
  now: () => Date;
  /** ADMIN_OPEN_IDS: may do the yearly set-up in chat (policies.ts maySetUp) */
  adminOpenIds?: ReadonlySet<string>;
  /** downloads the file of a `file` message (absent in the sandbox, where no Feishu app is configured) */
  files?: MessageFileSource;
}

/** A picture sent to the bot (e.g. evidence for the checklist item being answered). */
export interface ImageContext {
  actor: Actor;
  staff: StaffMember | null;
  message: InboundMessage;
  imageKey: string;
  reply(card: CardJson, part?: string): Promise<void>;
  deps: BotDeps;
}

/** A file sent to the bot (e.g. a registry for the yearly set-up). */
export interface FileContext {
  actor: Actor;
  staff: StaffMember | null;
  message: InboundMessage;
  fileKey: string;
  fileName: string;
  reply(card: CardJson, part?: string): Promise<void>;
  deps: BotDeps;
}

export interface RouterHooks {
  /** returns true when it handled the image; otherwise the sender is pointed to /帮助 */
  onImage?(ctx: ImageContext): Promise<boolean>;
  /** returns true when it handled the file; otherwise the sender is pointed to /帮助 */
  onFile?(ctx: FileContext): Promise<boolean>;
}

/** What a command handler gets: who asked, where, and how to answer. */
export interface CommandContext {
  actor: Actor;
  staff: StaffMember | null;
  command: ParsedCommand;
  message: InboundMessage;
  /** answers in the conversation the command came from (idempotent per message) */
  reply(card: CardJson, part?: string): Promise<void>;
  deps: BotDeps;
}

export interface CommandSpec {
  id: string;
  /** Chinese name first, then aliases, without the slash */
  names: readonly string[];
  audience: CommandAudience;
  /**
   * Narrower than `audience`, for /帮助 only: whether the handler will serve this caller. A command whose audience is
   * wide so that its handler can explain a refusal itself (/进度 to an inspector, /抽取 to a county liaison) is then
   * not offered to those it refuses. Default: everyone in the audience.
   */
  offeredTo?(actor: Actor): boolean;
  /** 'none': the command takes no arguments, and the router answers any it is sent with its usage */
  args?: 'none';
  /**
   * The answer names firms before their inspection or findings not yet published (policies.ts: the drawn list is not
   * disclosed before the inspections): asked in a group, it goes to the requester's own chat, and the group is told
   * where it went.
   */
  confidential?: true;
  usage: string;
  summary: string;
  detail: string;
  handle(ctx: CommandContext): Promise<void>;
}

/** The outbox key of the bot's answer (part `part`, the first by default) to chat message `messageId`. */
function replyKey(messageId: string, part = '0'): string {
  return `reply:${messageId}:${part}`;
}

/**
 * Shows `card` in place of the card the bot answered chat message `messageId` with, if that answer was delivered
 * (e.g. a preview a newer one replaced: no dead button stays). `patchKey` keeps the patch once-only.
 */
export async function patchReply(deps: BotDeps, messageId: string, patchKey: string, card: CardJson): Promise<void> {
  await deps.outbox.patchDelivered(replyKey(messageId), patchKey, card);
}

export interface ActionContext {
  actor: Actor;
  staff: StaffMember | null;
  action: CardAction;
  deps: BotDeps;
}

/** A card button's handler: its value is validated with `schema` before `handle` sees it. */
export interface ActionSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
  /**
   * 'team': the handler decides by the task's team alone (who is on it, as the task stores it), never by the staff
   * directory, so the router does not read the directory for it (see defineTeamAction).
   */
  decidesBy?: 'team';
  /**
   * The handler applies a click at most once by itself and recognises a redelivery of the callback (its event id),
   * doing nothing again (and answering with the stored state's card, or with nothing): the dispatcher then claims no de-duplication mark for it, one database command fewer
   * per click (platform/events.ts BotHandlers.dedupesItself). Only for a handler whose every effect is such a write,
   * or is preceded by the claim the handler takes itself (CardAction.claim, e.g. 开始检查's other outcomes).
   */
  dedupesItself?: boolean;
  handle(ctx: ActionContext, value: z.infer<S>): Promise<CallbackResponse>;
}

export function defineAction<S extends z.ZodType>(spec: ActionSpec<S>): ActionSpec<S> {
  return spec;
}

/** What a team action's handler gets: who clicked (the open id only), the click, the dependencies. */
export interface TeamActionContext {
  actor: Pick<Actor, 'openId'>;
  action: CardAction;
  deps: BotDeps;
}

/**
 * A card action whose handler needs nothing of the staff directory (roles, county, name): the checklist's clicks
 * are decided by the task's own team. The click is answered without reading the directory, one database command
 * fewer per click; the handler's context has no roles to misread.
 */
export function defineTeamAction<S extends z.ZodType>(spec: {
  name: string;
  schema: S;
  dedupesItself?: boolean;
  handle(ctx: TeamActionContext, value: z.infer<S>): Promise<CallbackResponse>;
}): ActionSpec<S> {
  return { ...spec, decidesBy: 'team' };
}

function imageKeyOf(content: string): string | undefined {
  try {
    const key = (JSON.parse(content) as { image_key?: unknown }).image_key;
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    return undefined;
  }
}

function fileOf(content: string): { fileKey: string; fileName: string } | undefined {
  try {
    const c = JSON.parse(content) as { file_key?: unknown; file_name?: unknown };
    if (typeof c.file_key !== 'string' || c.file_key === '') return undefined;
    return { fileKey: c.file_key, fileName: typeof c.file_name === 'string' ? c.file_name : '' };
  } catch {
    return undefined;
  }
}

const actionEnvelope = z.object({ a: z.string().min(1) }).passthrough();

/** The first form input whose text breaks the policy (domain/textPolicy.ts), as the sentence to show; else undefined. */
export function formValueProblem(formValue: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(formValue ?? {})) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      const check = checkText(formInputField(name), text);
      if (!check.ok) return check.message;
    }
  }
  return undefined;
}

async function loadActor(deps: BotDeps, openId: string): Promise<{ actor: Actor; staff: StaffMember | null }> {
  const staff = await deps.staff.findOne({ openId }).lean<StaffMember>();
  const admin = deps.adminOpenIds?.has(openId) === true;
  return { actor: { openId, roles: staff?.roles ?? [], county: staff?.county, ...(admin ? { admin } : {}) }, staff };
}

export function roleList(audience: CommandAudience): string {
  if (audience === 'setup') return '市局联络员（及系统管理员）';
  return audience === 'all' ? '所有人' : audience.join('、');
}

/** Routes chat commands and card actions; both lists are declared once, in bot/index.ts. */
export function createRouter(
  deps: BotDeps,
  commands: readonly CommandSpec[],
  actions: readonly ActionSpec[],
  hooks: RouterHooks = {},
): BotHandlers {
  const byName = new Map<string, CommandSpec>();
  for (const c of commands) for (const n of c.names) byName.set(n.toLowerCase(), c);
  const actionByName = new Map(actions.map((a) => [a.name, a]));

  return {
    async onMessage(message) {
      const { actor, staff } = await loadActor(deps, message.senderOpenId);
      const to: Recipient = message.chatType === 'group' ? { chatId: message.chatId } : { openId: message.senderOpenId };
      const reply = (card: CardJson, part = '0') => deps.outbox.replyCard(replyKey(message.messageId, part), message.messageId, to, card);
      if (message.messageType === 'image' && hooks.onImage) {
        const imageKey = imageKeyOf(message.content);
        if (imageKey && (await hooks.onImage({ actor, staff, message, imageKey, reply, deps }))) return;
      }
      if (message.messageType === 'file' && hooks.onFile) {
        const file = fileOf(message.content);
        if (file && (await hooks.onFile({ actor, staff, message, ...file, reply, deps }))) return;
      }
      const text = message.messageType === 'text' ? messageText(message.content, message.mentionKeys) : undefined;
      if (text === undefined) {
        return reply(renderCard('message', { title: MSG.unknownCommandTitle, color: 'grey', paragraphs: [MSG.unknownNonText] }));
      }
      const command = parseCommand(text);
      // In a group the bot answers only what is addressed to it: a command, or a message that @-mentions someone
      // (with the default scopes Feishu delivers group messages only when the bot is @-mentioned).
      if (message.chatType === 'group' && !command && message.mentionKeys.length === 0) return;
      // What is typed is checked before anything uses it (domain/textPolicy.ts): length and characters.
      const typed = checkText('command', text, '发送');
      if (!typed.ok) {
        return reply(renderCard('message', { title: MSG.badTextTitle, color: 'orange', paragraphs: [md(typed.message)] }));
      }
      const spec = command ? byName.get(command.name) : undefined;
      if (!command || !spec) {
        const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
        return reply(renderCard('message', { title: MSG.unknownCommandTitle, color: 'grey', paragraphs: [MSG.unknownCommand(md(shown))] }));
      }
      if (!mayUse(actor, spec.audience)) {
        return reply(
          renderCard('message', {
            title: MSG.notAllowedTitle,
            color: 'orange',
            paragraphs: [MSG.notAllowed(`/${spec.names[0]}`, roleList(spec.audience))],
          }),
        );
      }
      if (spec.args === 'none' && (command.positional.length > 0 || Object.keys(command.args).length > 0)) {
        const extra = [...Object.entries(command.args).map(([k, v]) => `${k}=${v}`), ...command.positional].join(' ');
        const shown = extra.length > 40 ? `${extra.slice(0, 40)}…` : extra;
        return reply(renderCard('message', { title: MSG.badArgsTitle, color: 'orange', paragraphs: [MSG.noArgs(`/${spec.names[0]}`, md(shown))] }));
      }
      deps.log.info({ command: spec.id, openId: actor.openId, messageId: message.messageId }, 'command');
      if (spec.confidential && message.chatType === 'group') {
        // the answer keeps its reply key (patchReply finds it), but is a message of the requester's own chat
        const own: Recipient = { openId: message.senderOpenId };
        const privately = (card: CardJson, part = '0') => deps.outbox.sendCard(replyKey(message.messageId, part), own, card);
        await reply(renderCard('message', { title: MSG.privatelyTitle, color: 'grey', paragraphs: [MSG.privately(`/${spec.names[0]}`)] }), 'group');
        return spec.handle({ actor, staff, command, message, reply: privately, deps });
      }
      await spec.handle({ actor, staff, command, message, reply, deps });
    },

    dedupesItself(action) {
      const a = (action.value as { a?: unknown } | null | undefined)?.a;
      return typeof a === 'string' && actionByName.get(a)?.dedupesItself === true;
    },

    async onCardAction(action) {
      const envelope = actionEnvelope.safeParse(action.value);
      const spec = envelope.success ? actionByName.get(envelope.data.a) : undefined;
      if (!spec) return { toast: { type: 'error', content: MSG.staleButton } };
      const value = spec.schema.safeParse(action.value);
      if (!value.success) return { toast: { type: 'error', content: MSG.staleButton } };
      // Form inputs are checked before any handler sees them; the card stays as it is, with what was typed.
      const badInput = formValueProblem(action.formValue);
      if (badInput) return { toast: { type: 'error', content: badInput } };
      // A team action's handler sees only the open id (TeamActionContext): the roles here are never read.
      const { actor, staff } =
        spec.decidesBy === 'team' ? { actor: { openId: action.operatorOpenId, roles: [] }, staff: null } : await loadActor(deps, action.operatorOpenId);
      const res = await spec.handle({ actor, staff, action, deps }, value.data);
      // One line per click, once handled: the validated value (our own button's: ids, item, version, verdict; no
      // form text) and how it was answered (the toast's type: success, or why not). A handler that throws is
      // logged by the dispatcher (platform/events.ts).
      deps.log.info({ action: spec.name, openId: actor.openId, value: value.data as unknown, toast: res.toast?.type }, 'card action');
      return res;
    },
  };
}
