import type { BotHandlers } from '../platform/events';
import { closureActions } from './closure';
import { drawCancelAction, drawCommand, drawConfirmAction, drawPageAction, drawReceiveAction } from './draw';
import { exportCommand } from './export';
import { teamChangeCommand } from './teamChange';
import { followUpActions } from './followup';
import { helpCommand, helpDetailAction } from './help';
import { inspectionActions, inspectionCommands, inspectionHooks } from './inspection';
import { progressActions, progressCommands } from './progress';
import { createRouter, type ActionSpec, type BotDeps, type CommandSpec } from './router';
import { setupActions, setupCommands } from './setup';
import { fileIntakeActions, fileIntakeHooks } from './fileIntake';
import { platformDrawActions } from './platformDraw';

/** The bot's chat surface: every command and card action, declared once. */
export function createBot(deps: BotDeps): BotHandlers {
  const commands: CommandSpec[] = [];
  const all = () => commands;
  commands.push(helpCommand(all), drawCommand);
  commands.push(...inspectionCommands());
  commands.push(exportCommand, teamChangeCommand);
  commands.push(...progressCommands());
  commands.push(...setupCommands);
  const actions: ActionSpec[] = [helpDetailAction(all), drawConfirmAction, drawCancelAction, drawReceiveAction, drawPageAction];
  actions.push(...inspectionActions());
  actions.push(...progressActions());
  actions.push(...followUpActions());
  actions.push(...setupActions);
  actions.push(...platformDrawActions);
  actions.push(...closureActions());
  actions.push(...fileIntakeActions);
  return createRouter(deps, commands, actions, { ...inspectionHooks, ...fileIntakeHooks });
}
