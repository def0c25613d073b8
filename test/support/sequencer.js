/**
 * Jest's order of test files: the slowest first, so that on two workers no long file starts last and runs alone
 * while the other worker idles.
 *
 * Jest already does this from its cache of last run's durations, but a fresh clone (CI) has no cache: it then
 * orders by file size, which starts the image replay or the multi-process test minutes into the run. The seconds
 * below were measured (`npx jest --json --outputFile=…`, each file's end − start, two workers) and only their order
 * matters; files not listed follow, by Jest's own order (cached duration, else size). Refresh the list when a file
 * becomes slow (test/unit/sequencer.test.ts checks that every file named still exists).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const path = require('node:path');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('@jest/test-sequencer').default;

/** seconds per file, relative to the repository */
const SLOW = {
  'test/browser/sandbox.test.ts': 44,
  'test/integration/multi-process-limits.test.ts': 40,
  'test/integration/crash-recovery.test.ts': 29,
  'test/integration/cli-hostile-files.test.ts': 21,
  'test/integration/outbox.test.ts': 18,
  'test/integration/stale-embedded-file.test.ts': 16,
  'test/integration/draw2.test.ts': 15,
  'test/wire/summaryBytes.test.ts': 12,
  'test/integration/flaky-feishu.test.ts': 10,
  'test/integration/sandbox-start.test.ts': 10,
  'test/wire/summaryPipeline.test.ts': 9,
  'test/image/dockerfile.test.ts': 9,
  'test/integration/db-unanswering.test.ts': 9,
  'test/integration/export.test.ts': 9,
  'test/unit/logger.test.ts': 9,
  'test/integration/multi-instance.test.ts': 8,
  'test/integration/setup-files.test.ts': 7,
  'test/integration/draw.test.ts': 7,
  'test/integration/embedded-mongod.test.ts': 6,
  'test/integration/drawCards.test.ts': 6,
  'test/integration/cli-database.test.ts': 6,
  'test/integration/progress.test.ts': 6,
  'test/integration/disposal.test.ts': 6,
  'test/integration/followup.test.ts': 6,
  'test/integration/inspection-checklist.test.ts': 6,
  'test/integration/platform-draw.test.ts': 6,
  'test/integration/file-intake.test.ts': 6,
  'test/integration/db-timeouts.test.ts': 5,
  'test/integration/import.test.ts': 5,
  'test/integration/visit.test.ts': 5,
  'test/integration/setup-campaign.test.ts': 5,
  'test/integration/inspection-signoff.test.ts': 5,
  'test/integration/followup-reminders.test.ts': 5,
  'test/wire/pipelineFusion.test.ts': 5,
  'test/wire/lookupProperty.test.ts': 5,
  'test/integration/platform-draw-resume.test.ts': 5,
  'test/integration/closure.test.ts': 5,
  'test/wire/orderedLimit.test.ts': 5,
  'test/integration/setup-calendar.test.ts': 5,
  'test/unit/summaryDetailBytes.test.ts': 5,
  'test/integration/startup.test.ts': 4,
  'test/unit/summary.test.ts': 4,
  'test/integration/campaign-reminders.test.ts': 4,
  'test/wire/worker.test.ts': 4,
  'test/integration/sandbox-console.test.ts': 4,
  'test/integration/summary.test.ts': 4,
  'test/integration/card-size.test.ts': 4,
  'test/integration/latest-confirmed-draw.test.ts': 4,
  'test/integration/sharedLimits.test.ts': 4,
  'test/unit/draw2/vectors.test.ts': 4,
  'test/unit/draw2/publication.test.ts': 4,
  'test/wire/summaryStream.test.ts': 4,
  'test/integration/county-report-rest-day.test.ts': 3,
  'test/integration/indexes.test.ts': 3,
  'test/integration/no-county-liaison.test.ts': 3,
  'test/integration/webhook.test.ts': 3,
  'test/integration/webhook-edge.test.ts': 3,
  'test/integration/draw-confirmer.test.ts': 3,
  'test/unit/registryFile.test.ts': 3,
  'test/integration/answer-redelivery.test.ts': 3,
  'test/wire/summaryStreamFailures.test.ts': 3,
  'test/integration/confirm-finish-once.test.ts': 3,
  'test/integration/health.test.ts': 3,
  'test/unit/draw2/platform.test.ts': 3,
  'test/wire/match.test.ts': 3,
  'test/integration/start-inspection.test.ts': 3,
  'test/unit/injection.test.ts': 3,
  'test/integration/start-redelivery.test.ts': 3,
};

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    // Jest's order first (failed first, then cached durations or size); it also records each test's duration.
    const ordered = super.sort(tests);
    const seconds = (test) => SLOW[path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/')] ?? 0;
    const failed = (test) => this.hasFailed(test);
    // Array.prototype.sort is stable: unlisted files keep Jest's order among themselves.
    return ordered
      .map((test, i) => ({ test, i }))
      .sort((a, b) => Number(failed(b.test)) - Number(failed(a.test)) || seconds(b.test) - seconds(a.test) || a.i - b.i)
      .map(({ test }) => test);
  }
}

module.exports = SlowFirstSequencer;
module.exports.SLOW = SLOW;
