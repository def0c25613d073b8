import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Connection } from 'mongoose';
import { ConfigError, loadConfig } from '../config';
import { addWorkingDays, CalendarDataMissingError, InvalidDateError, parseDate, shanghaiDate } from '../domain/calendar';
import { verifyBundle } from '../domain/bundle';
import { describeSource, parseSourceText } from '../domain/draw2/sourceText';
import { verifyV2 } from '../domain/draw2/verify';
import { campaignModel } from '../store/campaign';
import { ENTERPRISE_SPEC, STAFF_SPEC, type RegistrySpec } from '../domain/registryRows';
import { createLogger } from '../logger';
import {
  CampaignError,
  createCampaign,
  listCampaigns,
  parseRatio,
  parseRiskRatios,
  percentText,
  validateCampaign,
  type CampaignInput,
} from '../operations/campaigns';
import { formatEnterpriseReport, importEnterpriseRows } from '../operations/importEnterprises';
import { formatStaffReport, importStaffRows } from '../operations/importStaff';
import { readRegistryFile, RegistryFileError, type RegistryFileContent } from '../operations/registryFile';
import { writeSampleData } from '../operations/writeSampleData';
import { openDatabase } from '../store/database';

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

/**
 * Runs `fn` on the database the service uses (docs/interfaces.md: MONGODB_URI, else the running service's embedded
 * database, else one started for this command) and closes it. Logs stay silent unless LOG_LEVEL is set, so that
 * stdout carries only the report.
 */
async function withDatabase<T>(io: CliIo, fn: (conn: Connection) => Promise<T>): Promise<T> {
  let config;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const log = createLogger(io.env.LOG_LEVEL?.trim() || 'silent');
  const db = await openDatabase({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, log, publish: false });
  if (db.kind === 'wire-server') {
    io.err('警告：未找到正在运行的服务，也没有 MONGODB_URI 和 mongod：本命令使用临时内存数据库，结束后数据即丢失。请先 npm start 或设置 MONGODB_URI。');
  }
  try {
    return await fn(db.connection);
  } finally {
    await db.close();
  }
}

async function readRegistry<H extends string>(file: string, spec: RegistrySpec<H>): Promise<RegistryFileContent<H>> {
  try {
    return await readRegistryFile(file, spec);
  } catch (err) {
    if (err instanceof RegistryFileError) throw new CliError(err.message);
    throw err;
  }
}

function oneFile(args: string[], usage: string): { file: string; dryRun: boolean } {
  const { positionals, values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new CliError(`用法：${usage}`);
  return { file: positionals[0] as string, dryRun: values['dry-run'] === true };
}

const importEnterprisesCommand: CliCommand = {
  path: ['import', 'enterprises'],
  usage: 'import enterprises <file.xlsx|file.csv> [--dry-run]',
  summary: '导入检查对象名录库（按统一社会信用代码新增或更新；--dry-run 只检查不写入）',
  async run(args, io) {
    const { file, dryRun } = oneFile(args, this.usage);
    const content = await readRegistry(file, ENTERPRISE_SPEC);
    const report = await withDatabase(io, (conn) => importEnterpriseRows(conn, content.rows, { dryRun }));
    for (const line of formatEnterpriseReport({ ...report, file, format: content.format })) io.out(line);
  },
};

const importStaffCommand: CliCommand = {
  path: ['import', 'staff'],
  usage: 'import staff <file.xlsx|file.csv> [--dry-run]',
  summary: '导入执法检查人员名录库和专家库（按飞书OpenID新增或更新；--dry-run 只检查不写入）',
  async run(args, io) {
    const { file, dryRun } = oneFile(args, this.usage);
    const content = await readRegistry(file, STAFF_SPEC);
    const report = await withDatabase(io, (conn) => importStaffRows(conn, content.rows, { dryRun }));
    for (const line of formatStaffReport({ ...report, file, format: content.format })) io.out(line);
  },
};

function campaignError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CampaignError) throw new CliError(err.message);
    throw err;
  }
}

const campaignCreate: CliCommand = {
  path: ['campaign', 'create'],
  usage:
    'campaign create --name <名称> --year <YYYY> --from <YYYY-MM-DD> --to <YYYY-MM-DD> --ratio <0..1> [--risk-ratios A=0.2,B=0.25,C=0.5,D=1] [--allow-own-county]',
  summary: '创建年度专项（同一年度只能有一个进行中的专项）',
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        year: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        ratio: { type: 'string' },
        'risk-ratios': { type: 'string' },
        'allow-own-county': { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new CliError(`多余的参数“${positionals.join(' ')}”；用法：${this.usage}`);
    const required = (name: 'name' | 'year' | 'from' | 'to' | 'ratio'): string => {
      const v = values[name];
      if (v === undefined || v.trim() === '') throw new CliError(`缺少参数 --${name}；用法：${this.usage}`);
      return v;
    };
    const yearText = required('year').trim();
    if (!/^\d{4}$/.test(yearText)) throw new CliError(`参数 --year 应为四位年份，收到“${yearText}”`);
    const input: CampaignInput = campaignError(() => ({
      name: required('name'),
      year: Number(yearText),
      from: required('from'),
      to: required('to'),
      ratio: parseRatio(required('ratio'), '全市抽查比例'),
      riskRatios: values['risk-ratios'] === undefined ? undefined : parseRiskRatios(values['risk-ratios']),
      excludeOwnCounty: values['allow-own-county'] !== true,
    }));
    campaignError(() => validateCampaign(input));
    const { campaign, warnings } = await withDatabase(io, async (conn) => {
      try {
        return await createCampaign(conn, input);
      } catch (err) {
        if (err instanceof CampaignError) throw new CliError(err.message);
        throw err;
      }
    });
    io.out(`已创建专项：${describeCampaign(campaign)}`);
    for (const w of warnings) io.err(`警告：${w}`);
  },
};

interface CampaignView {
  name: string;
  year: number;
  from: string;
  to: string;
  ratio: number;
  riskRatios: Record<'A' | 'B' | 'C' | 'D', number>;
  excludeOwnCounty: boolean;
  status: string;
}

function describeCampaign(c: CampaignView): string {
  const classes = (['A', 'B', 'C', 'D'] as const).map((rc) => `${rc}类${percentText(c.riskRatios[rc])}`).join('、');
  return [
    `${c.year}年“${c.name}”（${c.status === 'active' ? '进行中' : '已结束'}）`,
    `${c.from} 至 ${c.to}`,
    `全市抽查比例不低于${percentText(c.ratio)}`,
    `分类比例 ${classes}`,
    c.excludeOwnCounty ? '县区人员不检查本县区企业' : '县区人员可检查本县区企业',
  ].join('，');
}

const campaignList: CliCommand = {
  path: ['campaign', 'list'],
  usage: 'campaign list',
  summary: '列出全部专项',
  async run(args, io) {
    if (args.length > 0) throw new CliError(`用法：${this.usage}`);
    const campaigns = await withDatabase(io, (conn) => listCampaigns(conn));
    if (campaigns.length === 0) {
      io.out('尚未创建专项；使用 campaign create 创建。');
      return;
    }
    io.out(`共${campaigns.length}个专项：`);
    for (const c of campaigns) io.out(`  ${describeCampaign(c)}`);
  },
};

const sampleData: CliCommand = {
  path: ['sample-data'],
  usage: 'sample-data <dir> [--year YYYY] [--seed N]',
  summary: '在目录中生成运城市示例企业名录和人员名录（.xlsx 和 .csv 各一份）',
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      options: { year: { type: 'string' }, seed: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new CliError(`用法：${this.usage}`);
    const yearText = values.year ?? shanghaiDate(new Date()).slice(0, 4);
    if (!/^\d{4}$/.test(yearText)) throw new CliError(`参数 --year 应为四位年份，收到“${yearText}”`);
    const seed = intOption(values.seed, 'seed', 2024);
    const dir = positionals[0] as string;
    let result;
    try {
      result = await writeSampleData(dir, { year: Number(yearText), seed });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (typeof code === 'string') throw new CliError(`无法写入目录 ${dir}：${(err as Error).message}`);
      throw err;
    }
    io.out(`已生成示例数据（${yearText}年，种子${seed}）：企业${result.data.enterprises.length}家，人员${result.data.staff.length}人`);
    for (const f of result.files) io.out(`  ${f}`);
    io.out(`导入：npm run cli -- import enterprises ${result.files[0]} ；npm run cli -- import staff ${result.files[2]}`);
  },
};

const drawVerify: CliCommand = {
  path: ['draw', 'verify'],
  usage: 'draw verify <bundle.json|bundle.json.gz>',
  summary: '按抽取数据包重新计算抽取结果，核对是否一致（spotcheck-draw/1 与 /2；/2 的内部包与可公开包）',
  async run(args, io) {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length !== 1) throw new CliError(`用法：${this.usage}`);
    const file = positionals[0] as string;
    let bundle: unknown;
    try {
      const raw = readFileSync(file);
      // Large bundles are published gzip-compressed (.json.gz).
      const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      bundle = JSON.parse(text);
    } catch (err) {
      throw new CliError(`无法读取抽取数据包“${file}”：${(err as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : '不是有效的 JSON'}`);
    }
    const algorithm = (bundle as { algorithm?: unknown } | null)?.algorithm;
    if (algorithm === 'spotcheck-draw/2') {
      const result = verifyV2(bundle);
      if (!result.ok) {
        for (const p of result.problems.slice(1)) io.out(`  · 规则 ${p.rule}：${p.message}`);
        const first = result.problems[0];
        throw new CliError(`核验不通过：规则 ${first?.rule ?? 'bundle.format'}：${first?.message ?? '数据包与重新计算的结果不一致'}`);
      }
      const b = bundle as { attempt: number; hashes: { result: string; commitment: string }; kind: string };
      if (result.kind === 'public') {
        io.out(`核验通过（可公开数据包）：第${b.attempt}次抽取，抽中${result.summary.selected}家企业；日志链、承诺、种子、结果哈希、各层抽取数和检查组构成均一致。`);
        io.out('可公开数据包无法核对的内容（需用内部数据包）：');
        for (const n of result.notChecked) io.out(`  · ${n}`);
      } else {
        io.out(`核验通过（内部数据包）：第${b.attempt}次抽取，抽中${result.summary.selected}家企业，企业、检查组与重新计算的结果完全一致，日志链完整。`);
      }
      io.out(`承诺哈希 ${b.hashes.commitment}`);
      io.out(`结果哈希 ${b.hashes.result}`);
      return;
    }
    const result = verifyBundle(bundle);
    if (!result.ok) {
      for (const p of result.problems.slice(1)) io.out(`  · ${p}`);
      throw new CliError(`核验不通过：${result.problems[0] ?? '数据包与重新计算的结果不一致'}`);
    }
    const b = bundle as { attempt?: number; selection?: unknown[]; resultHash?: string; populationHash?: string };
    io.out(`核验通过（spotcheck-draw/1）：第${b.attempt}次抽取，抽中${b.selection?.length ?? 0}家企业，与重新计算的结果完全一致。`);
    io.out(`总体名单哈希 ${b.populationHash}`);
    io.out(`结果哈希     ${b.resultHash}`);
  },
};

const drawSettings: CliCommand = {
  path: ['draw', 'settings'],
  usage:
    'draw settings --campaign <专项名称> [--source <彩票及期号(位数)>[+<…>] --time <YYYY-MM-DDTHH:mm>] [--clear-source] [--public-names 姓名|化名]',
  summary: '为专项锁定抽取的公开随机来源（开奖前预览、开奖后确认），或设定可公开数据包中检查人员显示姓名还是化名',
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        campaign: { type: 'string' },
        source: { type: 'string' },
        time: { type: 'string' },
        'clear-source': { type: 'boolean' },
        'public-names': { type: 'string' },
      },
      allowPositionals: true,
    });
    if (positionals.length > 0 || !values.campaign) throw new CliError(`用法：${this.usage}`);
    const update: Record<string, unknown> = {};
    if (values['clear-source']) update.drawSource = null;
    if (values.source !== undefined || values.time !== undefined) {
      if (values.source === undefined || values.time === undefined) throw new CliError('--source 与 --time 须同时给出');
      const parsed = parseSourceText(values.source, values.time);
      if (!parsed.ok) throw new CliError(parsed.reason);
      update.drawSource = parsed.source;
    }
    if (values['public-names'] !== undefined) {
      const v = values['public-names'].trim();
      if (v !== '姓名' && v !== '化名') throw new CliError('--public-names 应为“姓名”或“化名”');
      update.publicNames = v === '姓名' ? 'names' : 'pseudonyms';
    }
    if (Object.keys(update).length === 0) throw new CliError(`没有要修改的设置；用法：${this.usage}`);
    const name = values.campaign;
    const changed = await withDatabase(io, async (conn) =>
      campaignModel(conn).findOneAndUpdate({ name, status: 'active' }, { $set: update }, { returnDocument: 'after' }).lean(),
    );
    if (!changed) throw new CliError(`没有名为“${name}”的进行中专项`);
    const src = changed.drawSource;
    io.out(`已更新专项“${changed.name}”：公开来源 ${src ? describeSource(src) : '未锁定'}；可公开数据包中检查人员显示${changed.publicNames === 'names' ? '姓名' : '化名'}。`);
  },
};

export const COMMANDS: readonly CliCommand[] = [
  importEnterprisesCommand,
  importStaffCommand,
  campaignCreate,
  campaignList,
  drawVerify,
  drawSettings,
  calendarDue,
  sampleData,
];

function helpText(): string {
  return [
    '用法：npm run cli -- <命令> [参数]',
    '',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
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
