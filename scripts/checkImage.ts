/**
 * `npm run check:image`: replays the Dockerfile without Docker, so a change that breaks the image fails the tests.
 *
 * Each stage gets its own directory standing for its WORKDIR. `COPY` copies exactly what it names (from the
 * build context, minus .dockerignore, or `--from` an earlier stage); `RUN` runs its commands there; `ENV` is kept
 * for later commands and for the container. Then the container's `CMD` is started with the image's environment
 * (NODE_ENV=production …) against a test database (MONGODB_URI when set, else the project's wire server) and a
 * Feishu emulator, until `/healthz` answers 200; the image's HEALTHCHECK command is run; Feishu's URL check is
 * answered; and the admin CLI (`node dist/scripts/cli.js --help`) runs.
 *
 * What cannot be replayed without Docker is named, never silently skipped: the base image (the local Node stands
 * in for it), `chown` and `USER` (ownership; the replay runs as the current user), and `npm cache clean` (it would
 * empty this machine's npm cache, which the replay's own `npm ci` uses to stay offline and fast). Any other
 * command the replay does not know fails it, so the replay is updated together with the Dockerfile.
 *
 * Two steps are done by a shortcut that gives the same result, and say so in the report, when the project's
 * node_modules was installed from the same package.json and package-lock.json (reusableNodeModules checks npm's
 * record of it package by package); otherwise npm installs. A full `npm ci` (the build stage's) links that tree.
 * The runtime stage's `npm ci --omit=dev` gets, in its own directory, exactly the packages of the lockfile that are
 * not marked dev, linked from that tree file by file (productionTree): the image starts with the production
 * dependencies alone, as with npm (same files, `.bin` links and npm's record of the tree), without installing
 * 300 packages again (about fourteen CPU-seconds).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/processes';

const ROOT = path.resolve(__dirname, '..');

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (comments and line continuations handled; parser directives ignored). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\s*\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i])) line += lines[i].trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse “${line}”`);
    const op = m[1].toUpperCase();
    const args = m[2].trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile line ${start}: cannot parse FROM “${args}”`);
      stages.push({ name: f[2] ?? String(stages.length), base: f[1], instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`Dockerfile line ${start}: ${op} before FROM`);
    stage.instructions.push({ op, args, line: start });
  }
  return stages;
}

/** `ENV A=1 B="x y"` (or the legacy `ENV A 1`) → pairs. */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!args.includes('=')) {
    const [k, ...v] = args.split(/\s+/);
    out[k] = v.join(' ');
    return out;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/g)) out[m[1]] = m[3] ?? m[4] ?? m[5] ?? '';
  return out;
}

function jsonOrShell(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['/bin/sh', '-c', args];
}

/** .dockerignore patterns → a test on context-relative paths (a pattern also excludes everything under a match). */
function dockerignore(context: string): (rel: string) => boolean {
  const file = path.join(context, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const rules = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ''));
      const source = pattern
        .split('/')
        .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/');
      return { negate, re: new RegExp(`^${source}(/.*)?$`) };
    });
  return (rel) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(rel)) ignored = !r.negate;
    return ignored;
  };
}

export interface ReplayReport {
  /** what the replay could not do as Docker would, with the reason */
  notReplayed: string[];
  steps: { stage: string; what: string; ms: number }[];
  runtimeDir: string;
  env: Record<string, string>;
  cmd: string[];
  healthcheck?: string[];
  user?: string;
  exposed: string[];
  /** every file of the last stage (relative), listed once it is built */
  shipped: string[];
  /** the packages npm's record of the last stage's node_modules names (node_modules/.package-lock.json) */
  installedPackages: string[];
  /** every `require("…")` of the image's dist/ that does not resolve inside the image (unresolvedRequires) */
  unresolved: string[];
}

async function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (s: string) => void): Promise<void> {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = await runAsync(cmd, args, cwd, env, 20 * 60_000);
  if (r.code !== 0) {
    throw new Error(`“${[cmd, ...args].join(' ')}” failed (exit ${r.code}) in ${cwd}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  }
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  optional?: boolean;
  dev?: boolean;
}

/**
 * Whether `<context>/node_modules` is what a full `npm ci` of the stage's package.json and package-lock.json would
 * install: the stage's two files are the project's, byte for byte, and npm's record of the installed tree
 * (node_modules/.package-lock.json, written by the install) holds every package of the lockfile at its version,
 * source and integrity, and nothing else. Optional packages may be missing: npm leaves out those for other
 * platforms (esbuild's, musl builds), in a fresh directory as in the project.
 */
export function reusableNodeModules(context: string, stageDir: string): { ok: true; path: string; packages: number } | { ok: false; why: string } {
  for (const f of ['package.json', 'package-lock.json']) {
    const stage = path.join(stageDir, f);
    if (!existsSync(stage) || !readFileSync(stage).equals(readFileSync(path.join(context, f)))) return { ok: false, why: `${f} differs from the project's` };
  }
  const modules = path.join(context, 'node_modules');
  const hidden = path.join(modules, '.package-lock.json');
  if (!existsSync(hidden)) return { ok: false, why: 'the project has no installed node_modules' };
  const lock = (JSON.parse(readFileSync(path.join(context, 'package-lock.json'), 'utf8')) as { packages?: Record<string, LockEntry> }).packages ?? {};
  const installed = (JSON.parse(readFileSync(hidden, 'utf8')) as { packages?: Record<string, LockEntry> }).packages ?? {};
  for (const [name, want] of Object.entries(lock)) {
    if (name === '') continue;
    const got = installed[name];
    if (!got) {
      if (want.optional) continue;
      return { ok: false, why: `${name} is not installed` };
    }
    if (got.version !== want.version || got.resolved !== want.resolved || got.integrity !== want.integrity) return { ok: false, why: `${name} is installed at another version` };
  }
  for (const name of Object.keys(installed)) if (!lock[name]) return { ok: false, why: `${name} is installed but not in package-lock.json` };
  return { ok: true, path: modules, packages: Object.keys(installed).length };
}

/**
 * What `npm ci --omit=dev` installs, built from the project's node_modules when that tree is what a full `npm ci`
 * of the same lockfile installs (reusableNodeModules): npm reifies the lockfile's tree and leaves out every package
 * it marks `dev` (reachable only through devDependencies; `devOptional` ones stay unless optional packages are
 * omitted too), so the production tree is exactly the lockfile's other packages, each at its path. Each package's
 * files are hard-linked (or copied where links fail) without its nested node_modules, which are packages of their
 * own; the `.bin` links npm makes for them and npm's record of the tree (node_modules/.package-lock.json) are
 * written as npm writes them. No dev package can reach the directory: only the lockfile's non-dev paths are taken.
 */
export function productionTree(context: string, stageDir: string): { ok: true; packages: number } | { ok: false; why: string } {
  const reused = reusableNodeModules(context, stageDir);
  if (!reused.ok) return reused;
  const lock = JSON.parse(readFileSync(path.join(stageDir, 'package-lock.json'), 'utf8')) as { name?: string; version?: string; lockfileVersion?: number; packages: Record<string, LockEntry & { bin?: Record<string, string> }> };
  const installed = (JSON.parse(readFileSync(path.join(reused.path, '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }).packages;
  const kept: Record<string, unknown> = {};
  let count = 0;
  for (const [rel, entry] of Object.entries(lock.packages)) {
    if (rel === '' || entry.dev || !installed[rel]) continue; // not installed: an optional package of another platform, as npm skips it
    linkTree(path.join(context, rel), path.join(stageDir, rel));
    kept[rel] = installed[rel];
    count += 1;
    for (const [name, target] of Object.entries(entry.bin ?? {})) {
      const binDir = path.join(stageDir, path.dirname(rel), '.bin');
      mkdirSync(binDir, { recursive: true });
      symlinkSync(path.relative(binDir, path.join(stageDir, rel, target)), path.join(binDir, name));
    }
  }
  mkdirSync(path.join(stageDir, 'node_modules'), { recursive: true });
  writeFileSync(path.join(stageDir, 'node_modules/.package-lock.json'), `${JSON.stringify({ name: lock.name, version: lock.version, lockfileVersion: lock.lockfileVersion, requires: true, packages: kept }, null, 2)}\n`);
  return { ok: true, packages: count };
}

/** A package's directory `from` → `to`: files hard-linked (copied across devices), symlinks kept, its own nested node_modules left out. */
function linkTree(from: string, to: string, packageRoot = true): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (packageRoot && name === 'node_modules') continue;
    const src = path.join(from, name);
    const dst = path.join(to, name);
    const st = lstatSync(src);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isDirectory()) linkTree(src, dst, false);
    else {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}

/** One `RUN` line, command by command (`a && b`), mapped onto the stage directory. */
async function runShell(
  shell: string,
  dir: string,
  workdir: string,
  env: Record<string, string>,
  report: ReplayReport,
  log: (s: string) => void,
  context: string,
): Promise<void> {
  const mapPath = (p: string) => (p.startsWith(`${workdir}/`) || p === workdir ? path.join(dir, path.relative(workdir, p)) : p);
  // npm keeps to this machine's cache: nothing is fetched that the lockfile's packages in the cache can provide.
  const npmEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  for (const part of shell.split('&&').map((s) => s.trim())) {
    const words = part.split(/\s+/);
    if (words[0] === 'npm' && words[1] === 'cache' && words[2] === 'clean') {
      report.notReplayed.push(`RUN ${part}: would empty this machine's npm cache (only makes the image smaller)`);
      continue;
    }
    if (words[0] === 'chown') {
      report.notReplayed.push(`RUN ${part}: ownership (the replay runs as the current user)`);
      continue;
    }
    if (words[0] === 'npm' && words[1] === 'ci' && words.length === 2) {
      // A full `npm ci` installs exactly what the lockfile names. When the project's own node_modules was installed
      // from this very lockfile (CI ran `npm ci` in this clone just before), that tree IS the result: it is linked
      // instead of being installed a second time (half a minute of two busy cores). Otherwise npm installs it.
      const reused = reusableNodeModules(context, dir);
      if (reused.ok) {
        symlinkSync(reused.path, path.join(dir, 'node_modules'), 'dir');
        report.notReplayed.push(`RUN ${part}: the project's node_modules, installed from the same package-lock.json, is linked instead of installed again`);
        log(`$ ${part}  (the project's node_modules: ${reused.packages} packages, as package-lock.json names them)`);
        continue;
      }
      log(`(${reused.why}: installing)`);
    }
    if (words[0] === 'npm' && words[1] === 'ci' && words.length === 3 && words[2] === '--omit=dev') {
      // The production tree: the lockfile's non-dev packages, from the project's tree when that was installed from
      // the same lockfile (productionTree); otherwise npm installs it (ten CPU-seconds, and the disk).
      const tree = productionTree(context, dir);
      if (tree.ok) {
        report.notReplayed.push(`RUN ${part}: the lockfile's ${tree.packages} production packages are linked from the project's node_modules, installed from the same package-lock.json, instead of installed again`);
        log(`$ ${part}  (the project's node_modules: the ${tree.packages} packages package-lock.json does not mark dev)`);
        continue;
      }
      log(`(${tree.why}: installing)`);
    }
    if (words[0] === 'npm' && (words[1] === 'ci' || words[1] === 'run')) {
      await run('npm', words.slice(1), dir, npmEnv, log);
      continue;
    }
    if (words[0] === 'mkdir') {
      await run('mkdir', words.slice(1).map(mapPath), dir, npmEnv, log);
      continue;
    }
    throw new Error(`the image replay does not know how to run “${part}”: teach scripts/checkImage.ts`);
  }
}

/**
 * Replays every stage; returns what the last stage (the image) holds and how to start it. Stages run side by side
 * and `COPY --from` waits for the stage it names, as BuildKit does.
 */
export async function buildImage(
  opts: { dockerfile?: string; context?: string; workRoot?: string; log?: (s: string) => void } = {},
): Promise<ReplayReport> {
  const context = opts.context ?? ROOT;
  const log = opts.log ?? (() => undefined);
  const stages = parseDockerfile(readFileSync(opts.dockerfile ?? path.join(context, 'Dockerfile'), 'utf8'));
  const ignored = dockerignore(context);
  const workRoot = opts.workRoot ?? mkdtempSync(path.join(os.tmpdir(), 'spotcheck-image-'));
  const report: ReplayReport = { notReplayed: [], steps: [], runtimeDir: '', env: {}, cmd: [], exposed: [], shipped: [], installedPackages: [], unresolved: [] };
  const built = new Map<string, Promise<{ dir: string; workdir: string }>>();
  const last = stages[stages.length - 1];

  const replay = async (stage: Stage, earlier: ReadonlyMap<string, Promise<{ dir: string; workdir: string }>>) => {
    const dir = path.join(workRoot, stage.name);
    mkdirSync(dir, { recursive: true });
    let workdir = '/';
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    let healthcheck: string[] | undefined;
    let user: string | undefined;
    const exposed: string[] = [];
    report.notReplayed.push(`FROM ${stage.base}: this machine's Node ${process.version} stands in for the base image`);
    for (const ins of stage.instructions) {
      let started = Date.now();
      switch (ins.op) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, ins.args);
          break;
        case 'ENV':
          Object.assign(env, parseEnv(ins.args));
          break;
        case 'ARG':
        case 'LABEL':
          break;
        case 'EXPOSE':
          exposed.push(...ins.args.split(/\s+/));
          break;
        case 'USER':
          user = ins.args;
          report.notReplayed.push(`USER ${ins.args}: the replay runs as the current user`);
          break;
        case 'CMD':
          cmd = jsonOrShell(ins.args);
          break;
        case 'HEALTHCHECK': {
          const m = /\bCMD\s+(.*)$/s.exec(ins.args);
          if (!m) throw new Error(`Dockerfile line ${ins.line}: HEALTHCHECK without CMD`);
          healthcheck = jsonOrShell(m[1].trim());
          break;
        }
        case 'COPY': {
          const words = ins.args.split(/\s+/);
          const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
          const rest = words.filter((w) => !w.startsWith('--'));
          const dest = rest.pop()!;
          const destAbs = path.posix.resolve(workdir, dest);
          const destDir = path.join(dir, path.relative(workdir, destAbs));
          for (const src of rest) {
            let srcPath: string;
            if (from) {
              const pending = earlier.get(from);
              if (!pending) throw new Error(`Dockerfile line ${ins.line}: COPY --from=${from}: no such stage before it`);
              const other = await pending;
              started = Date.now(); // the step's own time, not the wait for the other stage
              srcPath = path.join(other.dir, path.relative(other.workdir, path.posix.resolve(other.workdir, src)));
            } else {
              srcPath = path.join(context, src);
              if (ignored(path.posix.normalize(src))) throw new Error(`Dockerfile line ${ins.line}: COPY ${src} is excluded by .dockerignore`);
            }
            if (!existsSync(srcPath)) throw new Error(`Dockerfile line ${ins.line}: COPY ${src}: not found (${srcPath})`);
            // `COPY a b ./` puts files into the directory; `COPY dir ./dir` copies the directory's contents.
            const target = dest.endsWith('/') || rest.length > 1 ? path.join(destDir, path.basename(src)) : destDir;
            mkdirSync(path.dirname(target), { recursive: true });
            cpSync(srcPath, target, {
              recursive: true,
              filter: (p) => from !== undefined || !ignored(path.relative(context, p).split(path.sep).join('/')),
            });
            log(`COPY ${from ? `--from=${from} ` : ''}${src} → ${destAbs}`);
          }
          break;
        }
        case 'RUN':
          await runShell(ins.args, dir, workdir, env, report, log, context);
          break;
        default:
          throw new Error(`Dockerfile line ${ins.line}: the image replay does not know ${ins.op}: teach scripts/checkImage.ts`);
      }
      if (ins.op === 'RUN' || ins.op === 'COPY') report.steps.push({ stage: stage.name, what: `${ins.op} ${ins.args}`.slice(0, 80), ms: Date.now() - started });
    }
    if (stage === last) Object.assign(report, { runtimeDir: dir, env, cmd, healthcheck, user, exposed });
    return { dir, workdir };
  };
  for (const stage of stages) {
    const promise = replay(stage, new Map(built));
    promise.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    built.set(stage.name, promise);
  }
  await Promise.all(built.values());
  report.shipped = listFiles(report.runtimeDir);
  const record = path.join(report.runtimeDir, 'node_modules/.package-lock.json');
  if (existsSync(record)) report.installedPackages = Object.keys((JSON.parse(readFileSync(record, 'utf8')) as { packages?: Record<string, unknown> }).packages ?? {});
  if (existsSync(path.join(report.runtimeDir, 'dist'))) report.unresolved = unresolvedRequires(report.runtimeDir);
  return report;
}

/**
 * Every `require("…")` with a literal name in the JavaScript under `<imageDir>/dist` (tsc writes each import,
 * `export … from` and `import()` as one) that Node could not resolve from that file inside the image: a relative
 * path to a file the build did not emit (a source outside the build's `include`, e.g. test/ or a dev script), or
 * a package the image's node_modules lacks (a devDependency, which the build stage had). Built-in modules are
 * fine. As `file: name` pairs; empty when the image holds everything its code names. Whether a require runs at
 * start-up or only for one command does not matter: each is checked.
 */
export function unresolvedRequires(imageDir: string): string[] {
  const missing: string[] = [];
  for (const rel of listFiles(path.join(imageDir, 'dist'))) {
    if (!rel.endsWith('.js')) continue;
    const file = path.join(imageDir, 'dist', rel);
    const resolve = createRequire(file).resolve; // Node's own resolution from that file (also under jest)
    for (const m of readFileSync(file, 'utf8').matchAll(/\brequire\((["'])([^"'\n]+)\1\)/g)) {
      const name = m[2];
      if (isBuiltin(name)) continue;
      try {
        resolve(name);
      } catch {
        missing.push(`dist/${rel}: ${name}`);
      }
    }
  }
  return missing;
}

/** Every file under `dir`, relative, for checks on what the image ships. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, rel) : [rel];
  });
}

function runAsync(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ContainerRun {
  port: number;
  health: { status: number; body: string };
  healthcheckExit: number | null;
  urlVerification: boolean;
  cliHelp: { code: number | null; stdout: string; stderr: string };
  startMs: number;
  stderr: string;
}

/**
 * Starts the image's CMD in its directory with the image's environment plus `env` (the database and Feishu
 * settings an operator passes to the container), waits for /healthz, runs the HEALTHCHECK and the CLI, stops it.
 */
export async function runContainer(report: ReplayReport, env: Record<string, string>, timeoutMs = 90_000): Promise<ContainerRun> {
  const port = await freePort(); // the container's PORT, mapped to a free one on this machine
  const containerEnv = { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...report.env, ...env, PORT: String(port) };
  const [bin, ...args] = report.cmd;
  const started = Date.now();
  const child = spawn(bin === 'node' ? process.execPath : bin, args, { cwd: report.runtimeDir, env: containerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  try {
    let health = { status: 0, body: '' };
    for (const deadline = Date.now() + timeoutMs; ; ) {
      if (exited) throw new Error(`the container's CMD exited before /healthz answered:\n${stderr}\n${stdout.slice(-3000)}`);
      health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        () => ({ status: 0, body: '' }),
      );
      if (health.status === 200) break;
      if (Date.now() > deadline) throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms:\n${stderr}\n${stdout.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const startMs = Date.now() - started;

    // Asynchronously: the test database may live in this very process and must keep answering meanwhile.
    let healthcheckExit: number | null = null;
    if (report.healthcheck) {
      const [hbin, ...hargs] = report.healthcheck;
      healthcheckExit = (await runAsync(hbin === 'node' ? process.execPath : hbin, hargs, report.runtimeDir, containerEnv)).code;
    }

    // Feishu's request-URL check (plain url_verification), answered by the built service.
    const challenge = `replay-${Date.now()}`;
    const verify = await fetch(`http://127.0.0.1:${port}/lark/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ challenge, token: env.LARK_VERIFICATION_TOKEN ?? '', type: 'url_verification' }),
    }).then(
      async (r) => (r.status === 200 ? ((await r.json()) as { challenge?: string }).challenge === challenge : false),
      () => false,
    );

    const cli = await runAsync(process.execPath, ['dist/scripts/cli.js', '--help'], report.runtimeDir, containerEnv);
    return {
      port,
      health,
      healthcheckExit,
      urlVerification: verify,
      cliHelp: cli,
      startMs,
      stderr,
    };
  } finally {
    if (!exited) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
    clearTimeout(timer);
    if (!exited) child.kill('SIGKILL');
  }
}

/** The whole check, with the database and the Feishu emulator it needs; used by `npm run check:image` and the test. */
export async function checkImage(log: (s: string) => void = () => undefined): Promise<{ report: ReplayReport; container: ContainerRun; buildMs: number }> {
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-image-'));
  try {
    const t0 = Date.now();
    const report = await buildImage({ workRoot, log });
    const buildMs = Date.now() - t0;
    const { startWireServer } = await import('../src/store/embedded');
    const { startLarkEmulator } = await import('../src/sandbox/emulator');
    const wire = process.env.MONGODB_URI ? undefined : await startWireServer();
    const base = process.env.MONGODB_URI ?? wire!.uri;
    const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/.exec(base);
    const uri = `${m![1]}/spotcheck_image_${Date.now().toString(36)}${m![3] ?? ''}`;
    const app = { appId: 'cli_a1b2c3d4e5f6a7b8', appSecret: 'image-replay-secret', encryptKey: 'image-replay-encrypt-key', verificationToken: 'image-replay-token' };
    const emulator = await startLarkEmulator({ appId: app.appId, appSecret: app.appSecret });
    try {
      const container = await runContainer(report, {
        MONGODB_URI: uri,
        LARK_APP_ID: app.appId,
        LARK_APP_SECRET: app.appSecret,
        LARK_ENCRYPT_KEY: app.encryptKey,
        LARK_VERIFICATION_TOKEN: app.verificationToken,
        LARK_DOMAIN: emulator.url,
        LARK_MODE: 'webhook',
      });
      return { report, container, buildMs };
    } finally {
      await emulator.close();
      if (wire) await wire.close();
      else {
        const mongoose = (await import('mongoose')).default;
        const c = await mongoose.createConnection(uri).asPromise();
        await c.dropDatabase().catch(() => undefined);
        await c.close();
      }
    }
  } finally {
    removeInBackground(workRoot);
  }
}

/**
 * Two node_modules trees take minutes to delete on a slow disk: a detached `rm -rf` does it after we are gone
 * (the directory is under the system's temporary directory either way). The test waits for it
 * (backgroundRemovals), so that it leaves nothing behind; `npm run check:image` does not.
 */
const removals: Promise<void>[] = [];
function removeInBackground(dir: string): void {
  const inForeground = () => rmSync(dir, { recursive: true, force: true });
  try {
    const child = spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' });
    child.unref();
    removals.push(
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        // e.g. no rm on PATH
        child.once('error', () => {
          inForeground();
          resolve();
        });
      }),
    );
  } catch {
    inForeground();
  }
}

/** Resolves once every work directory checkImage has given to a background removal is gone. */
export async function backgroundRemovals(): Promise<void> {
  await Promise.all(removals.splice(0));
}

if (require.main === module) {
  const t0 = Date.now();
  checkImage((s) => process.stdout.write(`${s}\n`)).then(
    ({ report, container, buildMs }) => {
      const ok =
        container.health.status === 200 &&
        (container.healthcheckExit === null || container.healthcheckExit === 0) &&
        container.urlVerification &&
        container.cliHelp.code === 0;
      process.stdout.write(
        [
          '',
          `镜像复现${ok ? '通过' : '失败'}：构建 ${(buildMs / 1000).toFixed(1)} 秒，启动到 /healthz 200 用时 ${(container.startMs / 1000).toFixed(1)} 秒，共 ${((Date.now() - t0) / 1000).toFixed(1)} 秒`,
          `  /healthz ${container.health.status} ${container.health.body}；HEALTHCHECK 退出码 ${container.healthcheckExit}；url_verification ${container.urlVerification ? '通过' : '失败'}；cli --help 退出码 ${container.cliHelp.code}`,
          ...report.steps.filter((st) => st.ms >= 1000).map((st) => `  ${st.stage}: ${st.what} — ${(st.ms / 1000).toFixed(1)} 秒`),
          '  未能复现（需要 Docker）：',
          ...[...new Set(report.notReplayed)].map((n) => `    - ${n}`),
          '',
        ].join('\n'),
      );
      process.exit(ok ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`镜像复现失败：${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
