import type { BotHandlers } from '../platform/events';
import { drawCancelAction, drawCommand, drawConfirmAction, drawReceiveAction } from './draw';
import { helpCommand, helpDetailAction } from './help';
import { createRouter, type ActionSpec, type BotDeps, type CommandSpec } from './router';

/** The bot's chat surface: every command and card action, declared once. */
export function createBot(deps: BotDeps): BotHandlers {
  const commands: CommandSpec[] = [];
  const all = () => commands;
  commands.push(helpCommand(all), drawCommand);
  const actions: ActionSpec[] = [helpDetailAction(all), drawConfirmAction, drawCancelAction, drawReceiveAction];
  return createRouter(deps, commands, actions);
}
