import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Connection } from 'mongoose';
import type { PlatformInternalBundle } from '../domain/draw2/platform';
import type { RegistrySpec } from '../domain/registryRows';
import type { CampaignInput } from '../operations/campaigns';
import type { RegistryFileContent } from '../operations/registryFile';

// Each command imports what it needs when it runs: `--help`, a usage error or `draw verify` does not load the
// database driver, the Feishu SDK or the spreadsheet libraries (seconds of CPU at every start of the CLI).

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
  summary: '计算某日之后第 N 个工作日（按国务院节假日与调休安排，含导入的年份；当日不计）',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { days: { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new CliError('用法：calendar due <YYYY-MM-DD> [--days 20]');
    const days = intOption(values.days, 'days', 20);
    const { addWorkingDays, CalendarDataMissingError, InvalidDateError, parseDate } = await import('../domain/calendar');
    const compute = () => {
      try {
        return addWorkingDays(parseDate(positionals[0]), days);
      } catch (err) {
        if (err instanceof CalendarDataMissingError || err instanceof InvalidDateError) throw new CliError(err.message);
        throw err;
      }
    };
    try {
      parseDate(positionals[0]); // a bad date fails before any database is opened
    } catch (err) {
      if (err instanceof InvalidDateError) throw new CliError(err.message);
      throw err;
    }
    // The years imported with `calendar import` (or in chat) are in the database. Reading needs no running
    // service: without any database the built-in years still answer, and the note says which data was used.
    try {
      const { reloadCalendars } = await import('../operations/setup/calendarSync');
      await withDatabase(io, (conn) => reloadCalendars(conn));
    } catch (err) {
      const { DatabaseUnavailableError } = await import('../store/database');
      if (!(err instanceof CliError && err.cause instanceof DatabaseUnavailableError)) throw err;
      io.err('提示：没有找到数据库（未启动服务、未设置 MONGODB_URI），只按内置的节假日数据计算，未包含用 calendar import 导入的年份。');
    }
    io.out(compute());
  },
};

const calendarImport: CliCommand = {
  path: ['calendar', 'import'],
  usage: 'calendar import <file.csv>',
  summary: '导入某一年的节假日安排（表头“日期,类型”；休=放假的工作日，班=调休上班的周末），存入数据库，“待定”的公示截止日期随即补算并通知',
  async run(args, io) {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length !== 1) throw new CliError(`用法：${this.usage}`);
    const file = positionals[0] as string;
    const { formatOf, readSheetData, RegistryFileError } = await import('../operations/registryFile');
    const { calendarDifferences, readCalendarRows } = await import('../domain/holidayCalendar');
    const { builtInYear } = await import('../domain/calendar');
    let data: Buffer;
    let rows;
    try {
      const format = formatOf(file);
      data = await readFile(file);
      rows = await readSheetData(data, format);
    } catch (err) {
      if (err instanceof RegistryFileError) throw new CliError(err.message);
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') throw new CliError(`找不到文件：${file}`);
      if (typeof code === 'string') throw new CliError(`无法读取文件 ${file}：${(err as Error).message}`);
      throw err;
    }
    const result = readCalendarRows(rows);
    if (!result.ok) {
      for (const p of result.problems) io.out(p.line !== undefined ? `  第${p.line}行：${p.reason}` : `  ${p.reason}`);
      throw new CliError(`节假日安排有${result.problems.length}处问题，没有导入（见上）`);
    }
    const calendar = result.calendar;
    const builtIn = builtInYear(calendar.year);
    const [{ createLogger }, { Outbox }, { outboxModel }, { importCalendarYear }, { sha256Hex }] = await Promise.all([
      import('../logger'),
      import('../platform/outbox'),
      import('../store/outbox'),
      import('../operations/setup/setupFiles'),
      import('../operations/setup/uploads'),
    ]);
    const imported = await withDatabase(io, (conn) => {
      const log = createLogger(io.env.LOG_LEVEL?.trim() || 'silent');
      // Notices are queued; the running service's outbox delivers them.
      const outbox = new Outbox(outboxModel(conn), undefined, undefined, log);
      return importCalendarYear(
        { conn, outbox, log, now: () => new Date() },
        { calendar, fileName: path.basename(file), size: data.length, sha256: sha256Hex(data), source: 'cli', by: 'cli', byName: '命令行' },
      );
    });
    io.out(`已导入${calendar.year}年节假日安排：休${calendar.rest.length}天、班${calendar.work.length}天（文件 SHA-256 ${imported.log.sha256}）`);
    if (builtIn) {
      const diffs = calendarDifferences(builtIn, calendar).length;
      io.out(`内置日历已有${calendar.year}年安排，今后以导入的文件为准${diffs > 0 ? `（不同的日期${diffs}天）` : '（两者一致）'}`);
    }
    const d = imported.dueDates;
    io.out(
      d.filled > 0
        ? `已重新计算${d.filled}项“待定”的公示截止日期，通知${d.notified}人（消息由运行中的服务发送）`
        : '没有需要重新计算的“待定”公示截止日期',
    );
    if (d.moved > 0) io.out(`按新安排调整了${d.moved}项已确定的公示截止日期，已通知相关联络员和组长（消息由运行中的服务发送）`);
  },
};

/**
 * Runs `fn` on the database the service uses (docs/interfaces.md: MONGODB_URI, else the running service's embedded
 * database, else a local mongod started for this command) and closes it. With none of these it refuses before
 * anything is written: it never writes into a database that ends with the command. Logs stay silent unless
 * LOG_LEVEL is set, so that stdout carries only the report.
 */
async function withDatabase<T>(io: CliIo, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const [{ ConfigError, loadConfig }, { createLogger }, { DatabaseUnavailableError, openDatabase }, { MongodError }, { ensureIndexes, IndexBuildError }] =
    await Promise.all([import('../config'), import('../logger'), import('../store/database'), import('../store/embedded/mongod'), import('../store/indexes')]);
  let config;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const log = createLogger(io.env.LOG_LEVEL?.trim() || 'silent');
  let db;
  try {
    db = await openDatabase({
      mongodbUri: config.mongodbUri,
      dataDir: config.dataDir,
      log,
      role: 'cli',
      searchPath: io.env.PATH ?? '',
      warn: (text) => io.err(text.trimEnd()),
    });
  } catch (err) {
    if (err instanceof DatabaseUnavailableError || err instanceof MongodError) throw new CliError(err.message, { cause: err });
    throw err;
  }
  try {
    await ensureIndexes(db.connection, log);
    return await fn(db.connection);
  } catch (err) {
    if (err instanceof IndexBuildError) throw new CliError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

async function readRegistry<H extends string>(file: string, spec: RegistrySpec<H>): Promise<RegistryFileContent<H>> {
  const { readRegistryFile, RegistryFileError } = await import('../operations/registryFile');
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
    const [{ ENTERPRISE_SPEC }, { formatEnterpriseReport, importEnterpriseRows }] = await Promise.all([
      import('../domain/registryRows'),
      import('../operations/importEnterprises'),
    ]);
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
    const [{ STAFF_SPEC }, { createLogger }, { Outbox }, { outboxModel }, { countyLiaisonKeys, handOverToNewLiaisons }, { formatStaffReport, importStaffRows }] =
      await Promise.all([
        import('../domain/registryRows'),
        import('../logger'),
        import('../platform/outbox'),
        import('../store/outbox'),
        import('../operations/followup/handOver'),
        import('../operations/importStaff'),
      ]);
    const content = await readRegistry(file, STAFF_SPEC);
    const { report, handedOver } = await withDatabase(io, async (conn) => {
      const log = createLogger(io.env.LOG_LEVEL?.trim() || 'silent');
      const deps = { conn, outbox: new Outbox(outboxModel(conn), undefined, undefined, log), log, now: () => new Date() };
      const before = dryRun ? undefined : await countyLiaisonKeys(deps);
      const imported = await importStaffRows(conn, content.rows, { dryRun });
      // Notices are queued; the running service's outbox delivers them.
      return { report: imported, handedOver: before ? await handOverToNewLiaisons(deps, before) : undefined };
    });
    for (const line of formatStaffReport({ ...report, file, format: content.format })) io.out(line);
    if (handedOver && handedOver.cards > 0) io.out(`新登记的县区联络员${handedOver.liaisons}人：已把本县区待确认整改（附件2）的任务卡片共${handedOver.cards}张排队发送（消息由运行中的服务发送）`);
  },
};

type Campaigns = typeof import('../operations/campaigns');

/** Runs `fn`, turning the campaign rules' refusals (CampaignError) into the CLI's one line. */
function campaignError<T>(campaigns: Campaigns, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof campaigns.CampaignError) throw new CliError(err.message);
    throw err;
  }
}

const campaignCreate: CliCommand = {
  path: ['campaign', 'create'],
  usage:
    'campaign create --name <名称> --year <YYYY> --from <YYYY-MM-DD> --to <YYYY-MM-DD> --ratio <0.25..1> [--risk-ratios A=0.2,B=0.25,C=0.5,D=1] [--allow-own-county]',
  summary: '创建年度专项（全市抽查比例不低于25%；同一年度只能有一个进行中的专项）',
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
    const campaigns = await import('../operations/campaigns');
    const { parseRatio, parseRiskRatios, validateCampaign, createCampaign, CampaignError } = campaigns;
    const required = (name: 'name' | 'year' | 'from' | 'to' | 'ratio'): string => {
      const v = values[name];
      if (v === undefined || v.trim() === '') throw new CliError(`缺少参数 --${name}；用法：${this.usage}`);
      return v;
    };
    const yearText = required('year').trim();
    if (!/^\d{4}$/.test(yearText)) throw new CliError(`参数 --year 应为四位年份，收到“${yearText}”`);
    const input: CampaignInput = campaignError(campaigns, () => ({
      name: required('name'),
      year: Number(yearText),
      from: required('from'),
      to: required('to'),
      ratio: parseRatio(required('ratio'), '全市抽查比例'),
      riskRatios: values['risk-ratios'] === undefined ? undefined : parseRiskRatios(values['risk-ratios']),
      excludeOwnCounty: values['allow-own-county'] !== true,
    }));
    campaignError(campaigns, () => validateCampaign(input));
    const { campaign } = await withDatabase(io, async (conn) => {
      try {
        return await createCampaign(conn, input);
      } catch (err) {
        if (err instanceof CampaignError) throw new CliError(err.message);
        throw err;
      }
    });
    io.out(`已创建专项：${describeCampaign(campaign, campaigns.percentText)}`);
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

function describeCampaign(c: CampaignView, percentText: Campaigns['percentText']): string {
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
    const { listCampaigns, percentText } = await import('../operations/campaigns');
    const campaigns = await withDatabase(io, (conn) => listCampaigns(conn));
    if (campaigns.length === 0) {
      io.out('尚未创建专项；使用 campaign create 创建。');
      return;
    }
    io.out(`共${campaigns.length}个专项：`);
    for (const c of campaigns) io.out(`  ${describeCampaign(c, percentText)}`);
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
    const [{ shanghaiDate }, { writeSampleData }] = await Promise.all([import('../domain/calendar'), import('../operations/writeSampleData')]);
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
  usage: 'draw verify <bundle.json|bundle.json.gz> [--file <监管平台导出的原文件>]',
  summary: '按抽取数据包重新计算抽取结果，核对是否一致（spotcheck-draw/1 与 /2；/2 的内部包与可公开包；监管平台抽取结果的导入只核对哈希和日志链）',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { file: { type: 'string' } }, allowPositionals: true });
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
    const { PLATFORM_ALGORITHM, PLATFORM_RANDOMNESS, platformVerifiedLines, verifyPlatform } = await import('../domain/draw2/platform');
    if (values.file !== undefined && algorithm !== PLATFORM_ALGORITHM) {
      throw new CliError('--file 只用于监管平台抽取结果的数据包（核对平台导出的原文件）');
    }
    if (algorithm === PLATFORM_ALGORITHM) {
      const fileSha = values.file === undefined ? undefined : createHash('sha256').update(readInput(values.file)).digest('hex');
      const result = verifyPlatform(bundle, fileSha);
      if (!result.ok) {
        for (const p of result.problems.slice(1)) io.out(`  · 规则 ${p.rule}：${p.message}`);
        const first = result.problems[0];
        io.out(`说明：${PLATFORM_RANDOMNESS}`);
        throw new CliError(`核验不通过：规则 ${first?.rule ?? 'bundle.format'}：${first?.message ?? '数据包与日志记录不一致'}`);
      }
      for (const line of platformVerifiedLines(result, bundle as PlatformInternalBundle)) io.out(line);
      if (fileSha !== undefined) io.out(`给出的原文件与数据包记录的导入文件一致（SHA-256 ${fileSha}）。`);
      return;
    }
    if (algorithm === 'spotcheck-draw/2') {
      const { verifyV2 } = await import('../domain/draw2/verify');
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
    const { verifyBundle } = await import('../domain/bundle');
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

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError((err as NodeJS.ErrnoException).code === 'ENOENT' ? `找不到文件：${file}` : `无法读取文件 ${file}：${(err as Error).message}`);
  }
}

const checklistImport: CliCommand = {
  path: ['checklist', 'import'],
  usage: 'checklist import <file.xlsx|file.csv> [--campaign <名称>] [--dry-run]',
  summary: '导入“进一次门，查多项事”的检查表（列：检查表名称、序号、检查内容；同名检查表整表替换）',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { campaign: { type: 'string' }, 'dry-run': { type: 'boolean' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new CliError(`用法：${this.usage}`);
    const file = positionals[0] as string;
    const data = readInput(file);
    const { formatChecklistReport, importChecklists } = await import('../operations/checklists/importChecklists');
    const report = await withDatabase(io, (conn) =>
      importChecklists(conn, { fileName: file, data, campaignName: values.campaign, dryRun: values['dry-run'] === true, now: new Date() }),
    );
    const lines = formatChecklistReport(report);
    if (!report.ok) {
      // the problems, one per line, on stdout (as the registry imports list rejected rows); the reason on stderr
      for (const l of lines.slice(1)) io.out(l);
      throw new CliError(lines[0]!);
    }
    for (const l of lines) io.out(l);
  },
};

const checklistList: CliCommand = {
  path: ['checklist', 'list'],
  usage: 'checklist list [--campaign <名称>]',
  summary: '列出专项的“进一次门，查多项事”检查表',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { campaign: { type: 'string' } }, allowPositionals: true });
    if (positionals.length > 0) throw new CliError(`用法：${this.usage}`);
    const { listChecklists } = await import('../operations/checklists/importChecklists');
    const found = await withDatabase(io, (conn) => listChecklists(conn, values.campaign, new Date()));
    if (!found) throw new CliError(values.campaign ? `没有名为“${values.campaign}”的专项` : '当前没有进行中的专项');
    if (found.lists.length === 0) {
      io.out(`专项“${found.campaign.name}”没有其他检查表；用 checklist import 导入。`);
      return;
    }
    io.out(`专项“${found.campaign.name}”的检查表（按检查顺序，排在附件3/附件4 的 9 项之后）：`);
    for (const l of found.lists) {
      io.out(`  ${l.name}（${l.items.length} 项）`);
      for (const i of l.items) io.out(`    ${i.no}. ${i.text}`);
    }
  },
};

const checklistRemove: CliCommand = {
  path: ['checklist', 'remove'],
  usage: 'checklist remove <检查表名称> [--campaign <名称>]',
  summary: '删除专项的一张检查表（已开始的检查不受影响）',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { campaign: { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new CliError(`用法：${this.usage}`);
    const name = positionals[0] as string;
    const { removeChecklist } = await import('../operations/checklists/importChecklists');
    const removed = await withDatabase(io, (conn) => removeChecklist(conn, values.campaign, name, new Date()));
    if (removed === undefined) throw new CliError(values.campaign ? `没有名为“${values.campaign}”的专项` : '当前没有进行中的专项');
    if (!removed) throw new CliError(`专项中没有名为“${name}”的检查表`);
    io.out(`已删除检查表“${name}”。`);
  },
};

const countyReportAdd: CliCommand = {
  path: ['county-report', 'add'],
  usage: 'county-report add <file> --county <县区> [--campaign <名称>] [--by <姓名>]',
  summary: '登记县区上报的监督检查情况汇报（通知要求11月15日前上报）',
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      options: { county: { type: 'string' }, campaign: { type: 'string' }, by: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1 || !values.county) throw new CliError(`用法：${this.usage}`);
    const file = positionals[0] as string;
    const data = readInput(file);
    const { recordCountyReport } = await import('../operations/countyReports');
    const result = await withDatabase(io, (conn) =>
      recordCountyReport(
        { conn, now: () => new Date() },
        { county: values.county, campaignName: values.campaign, fileName: path.basename(file), data, byName: values.by },
      ),
    );
    if (!result.ok) throw new CliError(result.reason);
    io.out(`已登记：${result.report.county}的情况汇报“${result.report.fileName}”（${result.report.on}，截止 ${result.due}${result.late ? '，已逾期' : ''}）`);
  },
};

const countyReportList: CliCommand = {
  path: ['county-report', 'list'],
  usage: 'county-report list [--campaign <名称>]',
  summary: '列出各县区情况汇报的上报情况',
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { campaign: { type: 'string' } }, allowPositionals: true });
    if (positionals.length > 0) throw new CliError(`用法：${this.usage}`);
    const [{ listChecklists }, { countyReportStatus }] = await Promise.all([
      import('../operations/checklists/importChecklists'),
      import('../operations/countyReports'),
    ]);
    const out = await withDatabase(io, async (conn) => {
      const found = await listChecklists(conn, values.campaign, new Date());
      return found ? { campaign: found.campaign, status: await countyReportStatus(conn, found.campaign) } : undefined;
    });
    if (!out) throw new CliError(values.campaign ? `没有名为“${values.campaign}”的专项` : '当前没有进行中的专项');
    const sent = out.status.counties.filter((c) => c.latest);
    io.out(`专项“${out.campaign.name}”情况汇报（截止 ${out.status.due}）：已报 ${sent.length}/${out.status.counties.length}`);
    for (const c of out.status.counties) {
      io.out(c.latest ? `  ${c.county}：${c.latest.on} ${c.latest.byName}“${c.latest.fileName}”${c.latest.late ? '（逾期）' : ''}` : `  ${c.county}：未报`);
    }
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
    const [{ describeSource, parseSourceText }, { campaignModel }] = await Promise.all([import('../domain/draw2/sourceText'), import('../store/campaign')]);
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
  calendarImport,
  sampleData,
  checklistImport,
  checklistList,
  checklistRemove,
  countyReportAdd,
  countyReportList,
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
