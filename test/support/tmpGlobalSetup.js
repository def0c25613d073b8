/** Jest's globalSetup: the run's temp dir (test/support/tmpGuard.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = require('./tmpGuard').globalSetup;
