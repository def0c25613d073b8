// Preloaded into a child process by tests (node --require): at exit, writes the process's peak resident memory
// and V8 heap limit to the file named by RSS_PROBE_FILE, so a test can state how much memory a command took.
const { writeFileSync } = require('node:fs');
const { getHeapStatistics } = require('node:v8');

const file = process.env.RSS_PROBE_FILE;
if (file) {
  let peakHeap = 0;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  setInterval(sample, 25).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        peakHeapBytes: peakHeap,
        heapLimitBytes: getHeapStatistics().heap_size_limit,
      }),
    );
  });
}
