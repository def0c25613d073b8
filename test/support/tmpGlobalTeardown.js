/** Jest's globalTeardown: fails the run if anything was left in its temp dir (test/support/tmpGuard.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = require('./tmpGuard').globalTeardown;
