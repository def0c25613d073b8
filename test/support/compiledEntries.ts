/**
 * The entry points the process tests spawn (the service, the CLI, the test service with its options, the fake
 * mongod), compiled ahead of time to plain JavaScript, as the production image runs the service (`node dist/…`),
 * instead of through tsx's loader hooks.
 *
 * Why: a process started with `node --import tsx` spends about two CPU-seconds before it runs a line of ours (tsx's
 * start-up, then every one of the app's ~230 modules resolved and transformed through the hooks); the same process
 * from one pre-compiled file starts in about a third of that. The suite spawns dozens of such processes. What the
 * tests are about — exit codes, stderr lines, signals, lock files, two processes on one database — is the same in
 * both; `npm start` through tsx itself stays covered by test/integration/startup.test.ts, which spawns exactly that.
 *
 * How: esbuild (tsx's own transformer, so the same TypeScript semantics) bundles our sources per entry into one CommonJS
 * file; packages stay external and load from node_modules as usual. The output lives in
 * `node_modules/.spotcheck-spawn-<hash>/`, two levels below the repository root like `dist/src/`, so the paths the
 * code finds relative to its own file (cards/, the database worker next to it) resolve as in the image. The hash is
 * of every source file, so an edit makes a new build and a stale one is never run; concurrent Jest workers build
 * into private directories and the first rename wins.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** name → source, relative to the repository root */
const ENTRIES = {
  main: 'src/main.ts',
  cli: 'scripts/cli.ts',
  serviceProcess: 'test/support/serviceProcess.ts',
  fakeMongod: 'test/support/fake-mongod/fakeMongod.ts',
  // for test/unit/calendar.test.ts's fresh processes under other time zones (required as a module)
  calendar: 'src/domain/calendar.ts',
  // The embedded database's worker thread: src/store/embedded/server.ts starts `worker.js` next to a compiled file.
  worker: 'src/store/embedded/worker.ts',
} as const;

export type CompiledEntry = keyof typeof ENTRIES;

/** Every file whose content goes into a build (all of src and test/support, the entries, the compiler settings). */
function inputs(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('src');
  // the test entries import test/support's other files (serviceProcess → its helpers)
  walk('test/support');
  files.push(...Object.values(ENTRIES).filter((f) => !f.startsWith('src/') && !f.startsWith('test/support/')), 'tsconfig.json', 'package.json');
  return files.sort();
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of inputs()) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(path.join(ROOT, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** Once per test file: the sources do not change while it runs. */
let built: string | undefined;

/** The directory holding every entry compiled from the current sources (built on first use). */
export function compiledDir(): string {
  if (built) return built;
  const hash = sourceHash();
  const dir = path.join(ROOT, 'node_modules', `.spotcheck-spawn-${hash}`);
  if (existsSync(path.join(dir, 'complete'))) return (built = dir);
  const tmp = mkdtempSync(path.join(ROOT, 'node_modules', '.spotcheck-spawn-tmp-'));
  // esbuild as tsx has it (tsx compiles with it; it is no dependency of ours of its own)
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)])),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    outdir: tmp,
    logLevel: 'error',
  });
  // a marker last: a directory without it is a build that did not finish
  writeFileSync(path.join(tmp, 'complete'), `${hash}\n`);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another worker finished first: use its build
  }
  pruneOld(dir);
  return (built = dir);
}

/** Removes builds of earlier sources (and abandoned temporary ones) older than an hour. */
function pruneOld(keep: string): void {
  const parent = path.dirname(keep);
  for (const name of readdirSync(parent)) {
    if (!name.startsWith('.spotcheck-spawn-')) continue;
    const p = path.join(parent, name);
    if (p === keep) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > 3600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      // removed by another worker meanwhile
    }
  }
}

/** The compiled file of one entry, e.g. compiledEntry('cli') for `scripts/cli.ts`. */
export function compiledEntry(name: CompiledEntry): string {
  return path.join(compiledDir(), `${name}.js`);
}

/** The compiled file for a source entry path (e.g. 'src/main.ts'), or undefined when it is not one of ENTRIES. */
export function compiledFor(source: string): string | undefined {
  const name = (Object.keys(ENTRIES) as CompiledEntry[]).find((n) => ENTRIES[n] === source);
  return name ? compiledEntry(name) : undefined;
}
