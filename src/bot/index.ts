import type { BotHandlers } from '../platform/events';
import { helpCommand, helpDetailAction } from './help';
import { createRouter, type ActionSpec, type BotDeps, type CommandSpec } from './router';

/** The bot's chat surface: every command and card action, declared once. */
export function createBot(deps: BotDeps): BotHandlers {
  const commands: CommandSpec[] = [];
  const all = () => commands;
  commands.push(helpCommand(all));
  const actions: ActionSpec[] = [helpDetailAction(all)];
  return createRouter(deps, commands, actions);
}
