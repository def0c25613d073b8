/**
 * The suite leaves nothing in the OS temp dir. Every test file runs with TMPDIR (what os.tmpdir() and child
 * processes read) set to a directory of its own; when the file is done, whatever is still in it fails that file,
 * named, and is removed. Child processes that inherit the environment land there too.
 *
 * - globalSetup (runs in Jest's parent process before any worker is forked, so the workers inherit it) makes
 *   `<os temp dir>/spotcheck-jest-XXXXXX` for the run and sets TMPDIR to it;
 * - the test environment (test/support/tmpEnvironment.js) makes `<run dir>/<file>-XXXXXX` for each test file and
 *   sets TMPDIR to it for that file; at the file's end it lists, removes and reports what is left;
 * - globalTeardown removes the run directory and fails the run if anything was still in it (a per-file directory
 *   whose environment never tore down, or something a process wrote there after its file had ended).
 *
 * Some entries are the guard's own: the caches of the tools tests start as child processes, which keep them in
 * the temp dir by default (tsx: `tsx-<uid>`; a child jest: `jest_<uid in base 36>`). Each file's directory holds
 * links to the shared ones, so that those children keep their caches across files and runs.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const os = require('node:os');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const path = require('node:path');

/** the run's directory (set by globalSetup) */
const RUN_DIR = 'SPOTCHECK_JEST_TMP';
/** the OS temp dir the run started with */
const OUTER_DIR = 'SPOTCHECK_JEST_OUTER_TMP';

/**
 * The names of the tools' caches in the temp dir: tsx's (node_modules/tsx: `tsx-${process.geteuid()}`), Jest's
 * default cacheDirectory (jest-config's getCacheDirectory).
 */
function sharedCacheNames() {
  return [
    `tsx-${process.geteuid ? process.geteuid() : os.userInfo().username}`,
    process.getuid ? `jest_${process.getuid().toString(36)}` : 'jest',
  ];
}

/** The names in `dir` other than `expected`, sorted, each a directory's with a trailing slash. */
function leftovers(dir, expected = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err && err.code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => !expected.includes(e.name))
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort();
}

function setTmp(env, value) {
  if (value === undefined) delete env.TMPDIR;
  else env.TMPDIR = value;
}

/** globalSetup: the run's directory under `outer`, set as TMPDIR and RUN_DIR of `env`; returns it. */
function openRun(env = process.env, outer = os.tmpdir()) {
  const dir = fs.mkdtempSync(path.join(outer, 'spotcheck-jest-'));
  env[OUTER_DIR] = outer;
  env[RUN_DIR] = dir;
  setTmp(env, dir);
  return dir;
}

/** globalTeardown: removes the run's directory; returns what was left in it. */
function closeRun(dir, env = process.env) {
  const left = leftovers(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  if (env[RUN_DIR] === dir) {
    setTmp(env, env[OUTER_DIR]);
    delete env[RUN_DIR];
    delete env[OUTER_DIR];
  }
  return left;
}

/**
 * A test file's directory under `parent` (the run's, else the OS temp dir), set as TMPDIR in `env` until
 * closeFile. The name starts with the file's (shortened: paths of sockets below it must stay short).
 */
function openFile(testPath, env = process.env, parent = env[RUN_DIR] || os.tmpdir()) {
  const base = path.basename(testPath).replace(/\.test\.[cm]?[jt]s$/, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24);
  const dir = fs.mkdtempSync(path.join(parent, `${base}-`));
  const expected = [];
  const outer = env[OUTER_DIR];
  if (outer) {
    for (const name of sharedCacheNames()) {
      const cache = path.join(outer, name);
      fs.mkdirSync(cache, { recursive: true });
      fs.symlinkSync(cache, path.join(dir, name));
      expected.push(name);
    }
  }
  const previous = env.TMPDIR;
  setTmp(env, dir);
  return { testPath, dir, expected, previous, env };
}

/** Restores TMPDIR, removes the file's directory and returns what the file left in it (empty: nothing). */
function closeFile(file) {
  if (file.env.TMPDIR === file.dir) setTmp(file.env, file.previous);
  const left = leftovers(file.dir, file.expected);
  // a link is removed, not followed: the shared caches stay
  fs.rmSync(file.dir, { recursive: true, force: true });
  return left;
}

function fileMessage(testPath, left) {
  return (
    `${path.relative(process.cwd(), testPath)} left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp dir ` +
    `(removed now): ${left.join(', ')}. Remove what a test makes under os.tmpdir() in afterAll or finally, after ` +
    'the processes and servers that use it have stopped.'
  );
}

function runMessage(dir, left) {
  return (
    `the test run left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temp dir ${dir} (removed now): ` +
    `${left.join(', ')}. A per-file directory here means a test environment did not tear down, or a process wrote ` +
    'into its directory after its test file had ended.'
  );
}

async function globalSetup() {
  openRun();
}

async function globalTeardown() {
  const dir = process.env[RUN_DIR];
  if (!dir) return;
  const left = closeRun(dir);
  // Jest prints the error and exits 1
  if (left.length > 0) throw new Error(runMessage(dir, left));
}

module.exports = { RUN_DIR, OUTER_DIR, leftovers, openRun, closeRun, openFile, closeFile, fileMessage, runMessage, globalSetup, globalTeardown };
