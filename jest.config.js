/**
 * Type checking runs once in `npm run typecheck` (beside jest in `npm test`); jest only transpiles, with swc: on a
 * fresh clone (no transform cache) TypeScript's own transpiler spent ≈ 10 CPU-seconds on the project's files, swc
 * under one. swc's CommonJS exports are getters, so tests replace a module's function with `jest.mock` (the module
 * as a whole), never `jest.spyOn` on its exports.
 */
module.exports = {
  // Jest's node environment, where each test file gets a temp dir of its own and fails if it leaves anything
  // there; the run's temp dir is made and checked around all of them (test/support/tmpGuard.js).
  testEnvironment: '<rootDir>/test/support/tmpEnvironment.js',
  globalSetup: '<rootDir>/test/support/tmpGlobalSetup.js',
  globalTeardown: '<rootDir>/test/support/tmpGlobalTeardown.js',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // A bound, not a speed target: a loaded CI machine must not fail a slow but correct test.
  testTimeout: 120_000,
  maxWorkers: 2,
  // How long a worker may take to exit once the run is over before Jest kills it ("A worker process has failed to
  // exit gracefully"; Jest's default is 500 ms). Both workers were seen to reach their 'exit' event within a few ms
  // of their last file, with no handle open, and Jest still killed one: so the exit itself (tearing down a process
  // that ran 80 files) must have outlasted 500 ms on the loaded 2-core machine. Leaks are caught per file, by name
  // (test/support/handleGuard.js), not by this.
  workerGracefulExitTimeout: 5000,
  // The slowest files first, also on a fresh clone without Jest's cache of durations.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
