import { parseArgs } from 'node:util';
import { addWorkingDays, CalendarDataMissingError, InvalidDateError, parseDate } from '../domain/calendar';

/** Where the CLI writes; tests pass buffers. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

/** A failure the operator can act on: printed as one Chinese line on stderr, exit code 1. */
export class CliError extends Error {}

interface CliCommand {
  /** e.g. ['calendar', 'due'] */
  path: readonly string[];
  usage: string;
  summary: string;
  run(args: string[], io: CliIo): Promise<void>;
}

function intOption(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new CliError(`参数 --${name} 应为非负整数，收到“${raw}”`);
  return Number(raw);
}

const calendarDue: CliCommand = {
  path: ['calendar', 'due'],
  usage: 'calendar due <YYYY-MM-DD> [--days 20]',
  summary: '计算某日之后第 N 个工作日（按国务院节假日与调休安排，当日不计）',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { days: { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new CliError('用法：calendar due <YYYY-MM-DD> [--days 20]');
    const days = intOption(values.days, 'days', 20);
    try {
      io.out(addWorkingDays(parseDate(positionals[0]), days));
    } catch (err) {
      if (err instanceof CalendarDataMissingError || err instanceof InvalidDateError) throw new CliError(err.message);
      throw err;
    }
  },
};

export const COMMANDS: readonly CliCommand[] = [calendarDue];

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    '用法：npm run cli -- <命令> [参数]',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    '成功时退出码为 0；失败时退出码非 0，并在标准错误输出一行原因。',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText());
    return 0;
  }
  const command = COMMANDS.find((c) => c.path.every((p, i) => argv[i] === p));
  if (!command) {
    io.err(`未知命令“${argv.slice(0, 2).join(' ')}”；运行 npm run cli -- --help 查看全部命令`);
    return 2;
  }
  try {
    await command.run(argv.slice(command.path.length), io);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.err(err.message);
      return 1;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`参数错误：${err.message}；运行 npm run cli -- --help 查看用法`);
      return 2;
    }
    io.err(`执行失败：${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
