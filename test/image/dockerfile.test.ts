/**
 * The image builds and runs (scripts/checkImage.ts replays the Dockerfile without Docker): the build stage
 * compiles, the runtime stage holds production dependencies only, and the container's command serves /healthz
 * in production mode against a test database, its HEALTHCHECK passes, it answers Feishu's URL check, and the
 * admin CLI runs. Also: what the image ships, and that docker-compose.yml and the CI workflow agree with it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backgroundRemovals, checkImage, listFiles, parseDockerfile, parseEnv, productionTree, reusableNodeModules, unresolvedRequires, type ContainerRun, type ReplayReport } from '../../scripts/checkImage';

const ROOT = path.resolve(__dirname, '../..');

// js-yaml 3 ships no types: the one function used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { safeLoad(text: string): unknown };
interface Workflow {
  jobs: Record<string, { container?: string; env?: Record<string, string>; services?: Record<string, { image?: string }>; steps: { run?: string; uses?: string }[] }>;
}

describe('Dockerfile parsing', () => {
  it('reads stages, continuations and ENV the way Docker does', () => {
    const stages = parseDockerfile('# c\nFROM node:20 AS build\nWORKDIR /app\nRUN a \\\n  && b\nFROM node:20 AS runtime\nENV A=1 \\\n    B="x y"\nCMD ["node", "x.js"]\n');
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(stages[0].instructions[1]).toMatchObject({ op: 'RUN', args: 'a && b' });
    expect(parseEnv(stages[1].instructions[0].args)).toEqual({ A: '1', B: 'x y' });
  });
});

describe('what the built code requires, resolved inside the image', () => {
  it('names each require of a file the build did not emit or a package the image lacks, nothing else', () => {
    const image = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-requires-'));
    try {
      const put = (rel: string, text: string) => {
        mkdirSync(path.dirname(path.join(image, rel)), { recursive: true });
        writeFileSync(path.join(image, rel), text);
      };
      put('node_modules/present/index.js', '');
      put('dist/src/b.js', '');
      put('dist/src/dir/index.js', '');
      put('dist/src/a.js', ['require("node:fs")', 'require("path")', 'require("./b")', 'require("./dir")', 'require("present")', 'require("../../test/unit/draw/generate")', "require('devonly')", 'require(name)'].join(';\n'));
      put('dist/src/a.js.map', 'require("not-code")');
      expect(unresolvedRequires(image)).toEqual(['dist/src/a.js: ../../test/unit/draw/generate', 'dist/src/a.js: devonly']);
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});

describe('a full npm ci replayed by the project’s own node_modules, only when that is what npm ci would install', () => {
  const pkg = (name: string, version: string) => ({ version, resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`, integrity: `sha512-${name}${version}` });
  const lock = {
    name: 'x',
    lockfileVersion: 3,
    packages: {
      '': { name: 'x', dependencies: { a: '^1.0.0' } },
      'node_modules/a': pkg('a', '1.0.0'),
      'node_modules/b': { ...pkg('b', '2.0.0'), dev: true },
      'node_modules/c-other-platform': { ...pkg('c', '3.0.0'), optional: true },
    },
  };
  const installed = { name: 'x', lockfileVersion: 3, packages: { 'node_modules/a': lock.packages['node_modules/a'], 'node_modules/b': lock.packages['node_modules/b'] } };
  let root: string;
  function setUp(opts: { stageLock?: unknown; installed?: unknown } = {}): { context: string; stage: string } {
    const context = mkdtempSync(path.join(root, 'context-'));
    const stage = mkdtempSync(path.join(root, 'stage-'));
    for (const dir of [context, stage]) writeFileSync(path.join(dir, 'package.json'), '{"name":"x"}\n');
    writeFileSync(path.join(context, 'package-lock.json'), JSON.stringify(lock));
    writeFileSync(path.join(stage, 'package-lock.json'), JSON.stringify(opts.stageLock ?? lock));
    mkdirSync(path.join(context, 'node_modules'));
    if (opts.installed !== null) writeFileSync(path.join(context, 'node_modules/.package-lock.json'), JSON.stringify(opts.installed ?? installed));
    return { context, stage };
  }
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-reuse-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reuses the tree installed from the same lockfile (an optional package of another platform may be missing)', () => {
    const { context, stage } = setUp();
    expect(reusableNodeModules(context, stage)).toEqual({ ok: true, path: path.join(context, 'node_modules'), packages: 2 });
  });

  it('npm ci --omit=dev from that tree: the lockfile’s non-dev packages with their .bin links and nested packages, no dev package', () => {
    const withBin = { ...lock, packages: { ...lock.packages, 'node_modules/a': { ...lock.packages['node_modules/a'], bin: { acli: 'bin/a.js' } }, 'node_modules/a/node_modules/b': { ...pkg('b', '1.0.0'), dev: true }, 'node_modules/a/node_modules/d': pkg('d', '1.0.0') } };
    const installedAll = { ...installed, packages: { ...withBin.packages } as Record<string, unknown> };
    delete installedAll.packages[''];
    delete installedAll.packages['node_modules/c-other-platform'];
    const { context, stage } = setUp({ stageLock: withBin, installed: installedAll });
    writeFileSync(path.join(context, 'package-lock.json'), JSON.stringify(withBin));
    for (const [dir, file] of [['a', 'index.js'], ['a/bin', 'a.js'], ['b', 'index.js'], ['a/node_modules/b', 'index.js'], ['a/node_modules/d', 'index.js'], ['a/test/node_modules', 'fixture.js']]) {
      mkdirSync(path.join(context, 'node_modules', dir), { recursive: true });
      writeFileSync(path.join(context, 'node_modules', dir, file), `// ${dir}/${file}\n`);
    }
    expect(productionTree(context, stage)).toEqual({ ok: true, packages: 2 });
    expect(listFiles(path.join(stage, 'node_modules')).sort()).toEqual(
      ['.bin/acli', '.package-lock.json', 'a/bin/a.js', 'a/index.js', 'a/node_modules/d/index.js', 'a/test/node_modules/fixture.js'].sort(),
    );
    expect(readFileSync(path.join(stage, 'node_modules/.bin/acli'), 'utf8')).toBe('// a/bin/a.js\n');
    const record = JSON.parse(readFileSync(path.join(stage, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(record.packages).sort()).toEqual(['node_modules/a', 'node_modules/a/node_modules/d']);
    // another lockfile: npm installs instead
    const other = setUp({ stageLock: { ...lock, name: 'y' } });
    expect(productionTree(other.context, other.stage)).toEqual({ ok: false, why: 'package-lock.json differs from the project\'s' });
  });

  it('installs when the lockfile differs, a package is missing, at another version or not in the lockfile, or nothing is installed', () => {
    const bumped = { ...lock, packages: { ...lock.packages, 'node_modules/a': pkg('a', '1.0.1') } };
    let s = setUp({ stageLock: bumped });
    expect(reusableNodeModules(s.context, s.stage)).toEqual({ ok: false, why: 'package-lock.json differs from the project\'s' });
    s = setUp({ installed: { packages: { 'node_modules/a': lock.packages['node_modules/a'] } } });
    expect(reusableNodeModules(s.context, s.stage)).toEqual({ ok: false, why: 'node_modules/b is not installed' });
    s = setUp({ installed: { packages: { ...installed.packages, 'node_modules/a': pkg('a', '1.0.1') } } });
    expect(reusableNodeModules(s.context, s.stage)).toEqual({ ok: false, why: 'node_modules/a is installed at another version' });
    s = setUp({ installed: { packages: { ...installed.packages, 'node_modules/d': pkg('d', '1.0.0') } } });
    expect(reusableNodeModules(s.context, s.stage)).toEqual({ ok: false, why: 'node_modules/d is installed but not in package-lock.json' });
    s = setUp({ installed: null });
    expect(reusableNodeModules(s.context, s.stage)).toEqual({ ok: false, why: 'the project has no installed node_modules' });
  });
});

describe('the image, replayed', () => {
  let report: ReplayReport;
  let container: ContainerRun;
  let files: string[] = [];

  beforeAll(async () => {
    ({ report, container } = await checkImage());
  }, 600_000);
  // checkImage's work directory is removed in the background: done before the file ends
  afterAll(() => backgroundRemovals(), 600_000);

  it('serves /healthz in production mode, passes its HEALTHCHECK and answers Feishu', () => {
    expect(report.env.NODE_ENV).toBe('production');
    expect(container.health).toEqual({ status: 200, body: JSON.stringify({ status: 'ok' }) });
    expect(container.healthcheckExit).toBe(0);
    expect(container.urlVerification).toBe(true);
    // No loud warnings on the way up: production refuses the in-memory database instead.
    expect(container.stderr).not.toContain('警告');
  });

  it('runs the admin CLI', () => {
    expect(container.cliHelp.code).toBe(0);
    expect(container.cliHelp.stdout).toContain('import enterprises');
  });

  it('ships what runs and nothing of the dev tools', () => {
    // checkImage removes its work directory; the report keeps the listing it took while the image existed.
    files = report.shipped;
    expect(files).toContain('dist/src/main.js');
    expect(files).toContain('dist/scripts/cli.js');
    // the container runs with source maps, and ships them: stack traces in its log name the TypeScript source
    expect(report.cmd).toEqual(['node', '--enable-source-maps', 'dist/src/main.js']);
    expect(files).toContain('dist/src/main.js.map');
    expect(files.some((f) => f.startsWith('cards/'))).toBe(true);
    expect(files.filter((f) => /^dist\/(test|scripts\/(?!cli\.js))/.test(f) && !f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /^node_modules\/(tsx|typescript|jest|ts-jest|esbuild)\//.test(f)).slice(0, 3)).toEqual([]);
    // the build does not follow imports (tsconfig.build.json): every require of the built code resolves in the image
    expect(files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).length).toBeGreaterThan(100);
    expect(report.unresolved).toEqual([]);
    expect(report.user).toBe('node');
  });

  it('names what it could not replay without Docker', () => {
    expect(report.notReplayed.some((n) => n.startsWith('FROM node:20'))).toBe(true);
    expect(report.notReplayed.some((n) => n.startsWith('USER node'))).toBe(true);
  });

  it('builds with the dependencies of package-lock.json: the project’s tree when npm ci installed it, else installed', () => {
    const reused = report.notReplayed.some((n) => n.startsWith('RUN npm ci: the project'));
    const build = report.steps.filter((st) => st.stage === 'build').map((st) => st.what);
    // Either way the build stage's `npm ci` is a step of the replay, and the runtime stage installed on its own.
    expect(build).toContain('RUN npm ci');
    expect(report.steps.some((st) => st.stage === 'runtime' && st.what.startsWith('RUN npm ci --omit=dev'))).toBe(true);
    // the runtime stage's tree holds exactly the lockfile's production packages, whichever way it was made
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const record = report.installedPackages;
    expect(report.shipped).toContain('node_modules/.package-lock.json');
    const wanted = Object.entries(lock.packages).filter(([rel, e]) => rel !== '' && !e.dev && !e.optional).map(([rel]) => rel);
    expect(wanted.length).toBeGreaterThan(100);
    expect(wanted.filter((rel) => !record.includes(rel))).toEqual([]);
    expect(record.filter((rel) => lock.packages[rel] === undefined || lock.packages[rel]!.dev === true)).toEqual([]);
    // the same tree makes both shortcuts, or neither
    expect(report.notReplayed.some((n) => n.startsWith('RUN npm ci --omit=dev: the lockfile'))).toBe(reused);
    if (process.env.CI) expect(reused).toBe(true); // .ci/run has just run `npm ci` in the clone
  });
});

describe('compose file and CI workflow agree with the image', () => {
  const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const workflow = readFileSync(path.join(ROOT, '.github/workflows/test.yml'), 'utf8');
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = parseDockerfile(dockerfile).at(-1)!;
  const exposed = runtime.instructions.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
  const env = Object.assign({}, ...runtime.instructions.filter((i) => i.op === 'ENV').map((i) => parseEnv(i.args))) as Record<string, string>;

  it('compose builds this Dockerfile, maps its port, and gives it every variable production requires', () => {
    expect(compose).toMatch(/^\s+build: \.\s*$/m);
    expect(exposed).toContain(env.PORT);
    expect(compose).toContain(`:${env.PORT}"`);
    for (const v of ['MONGODB_URI', 'LARK_APP_ID', 'LARK_APP_SECRET', 'LARK_ENCRYPT_KEY', 'LARK_VERIFICATION_TOKEN']) expect(compose).toContain(`${v}:`);
    expect(compose).toMatch(/condition: service_healthy/);
  });

  it('the workflow runs the tests on both databases and builds the image and checks /healthz', () => {
    expect(workflow).toMatch(/docker compose up -d --build --wait/);
    expect(workflow).toMatch(/curl -fsS http:\/\/127\.0\.0\.1:3000\/healthz/);
    expect(workflow).toContain('node dist/scripts/cli.js --help');
    expect(env.PORT).toBe('3000');
    expect(existsSync(path.join(ROOT, '.dockerignore'))).toBe(true);
  });

  it('compose passes every variable the configuration reads, mounts nothing the service does not write', () => {
    const parsed = yaml.safeLoad(compose) as { services: Record<string, { environment?: Record<string, string>; volumes?: string[] }> };
    const app = parsed.services.app!;
    const read = [...new Set(readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8').match(/'[A-Z][A-Z_]+'/g)!.map((q) => q.slice(1, -1)))];
    expect(read).toContain('LARK_TENANT_KEY');
    // PORT is the image's (ENV, mapped above); the data directory is only for the embedded database, which
    // production never uses (MONGODB_URI is required there).
    const passed = Object.keys(app.environment ?? {});
    // SPOTCHECK_BENCH is the benchmark's probe, refused when NODE_ENV=production (src/config.ts).
    expect(read.filter((v) => !passed.includes(v)).sort()).toEqual(['PORT', 'SPOTCHECK_BENCH', 'SPOTCHECK_DATA_DIR']);
    // Optional ones may be left out of .env: compose substitutes an empty value, which the configuration treats as unset.
    expect(app.environment!.LARK_TENANT_KEY).toBe('${LARK_TENANT_KEY:-}');
    // Nothing in production writes files (exports are sent in chat; the demo's ./out is not in the image).
    expect(app.volumes).toBeUndefined();
    expect(dockerfile).not.toMatch(/\/app\/(out|data)\b/);
  });

  it('the workflow is valid YAML and its test jobs run .ci/run (what it installs, then npm ci && npm test)', () => {
    const parsed = yaml.safeLoad(workflow) as Workflow;
    expect(Object.keys(parsed.jobs).sort()).toEqual(['image', 'real-mongodb', 'wire-server']);
    for (const name of ['wire-server', 'real-mongodb']) {
      const job = parsed.jobs[name]!;
      // Debian with Node 20, as root: .ci/run's apt-get installs Debian's chromium there (Ubuntu has only a snap).
      expect(job.container).toBe('node:20-bookworm');
      expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual(['.ci/run']);
    }
    const mongo = parsed.jobs['real-mongodb']!;
    expect(mongo.services?.mongo?.image).toBe('mongo:7');
    expect(mongo.env?.MONGODB_URI).toMatch(/^mongodb:\/\/mongo:27017\//);
    expect(parsed.jobs['wire-server']!.env?.MONGODB_URI).toBeUndefined();

    const ciRun = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(statSync(path.join(ROOT, '.ci/run')).mode & 0o111).not.toBe(0);
    // .ci/run installs what is missing of Chromium (the browser test) and python3 (the independent verifier)
    expect(ciRun).toMatch(/missing\+=\(chromium\)/);
    expect(ciRun).toMatch(/missing\+=\(python3\)/);
    expect(ciRun).toMatch(/apt-get install[^\n]*"\$\{missing\[@\]\}"/);
    expect(ciRun).toMatch(/^npm ci\b/m);
    expect(ciRun.trimEnd().split('\n').at(-1)).toBe('npm test');
  });
});
