/** Type checking runs once in `npm run typecheck`; jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // A bound, not a speed target: a loaded CI machine must not fail a slow but correct test.
  testTimeout: 120_000,
  maxWorkers: 2,
  // The slowest files first, also on a fresh clone without Jest's cache of durations.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
