/**
 * The suite's guard against open handles: a test file that leaves a socket, a server or a timer open (and
 * referenced) keeps its Jest worker alive after the run, which Jest then kills with "A worker process has failed to
 * exit gracefully". Each file's environment (test/support/tmpEnvironment.js) notes the process's handles before the
 * file and, after it, waits a moment for the new ones to close; what stays open fails the file, named, and is closed.
 *
 * `process._getActiveHandles()` is Node's internal list (the documented `process.getActiveResourcesInfo()` gives only
 * type names, not the handles to name and close).
 */

/** The process's handles now. */
function snapshot() {
  return new Set(process._getActiveHandles());
}

function referenced(h) {
  return typeof h.hasRef !== 'function' || h.hasRef();
}

/** Handles opened since `before` that keep the process alive, once `graceMs` have passed for them to close. */
async function leftOpen(before, graceMs = 3000) {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const open = process._getActiveHandles().filter((h) => !before.has(h) && referenced(h));
    if (open.length === 0 || Date.now() >= deadline) return open;
    await new Promise((r) => setTimeout(r, 50).unref());
  }
}

/** A handle as a message names it. */
function describe(h) {
  const kind = h && h.constructor ? h.constructor.name : typeof h;
  if (kind === 'Socket') return `Socket ${h.localAddress ?? '?'}:${h.localPort ?? '?'} ↔ ${h.remoteAddress ?? '?'}:${h.remotePort ?? '?'}`;
  if (kind === 'Server') {
    const a = typeof h.address === 'function' ? h.address() : null;
    return `Server listening on ${a && typeof a === 'object' ? `${a.address}:${a.port}` : String(a)}`;
  }
  if (kind === 'Timeout') return `Timer of ${h._idleTimeout} ms${h._repeat ? ' (repeating)' : ''}`;
  return kind;
}

/** Closes what a file left open, so that its worker can exit. */
function close(h) {
  try {
    if (typeof h.destroy === 'function') h.destroy();
    else if (typeof h.close === 'function') h.close();
    else if (typeof h.unref === 'function') h.unref();
  } catch {
    // closing is best effort; the file has failed already
  }
}

function handleMessage(testPath, open) {
  return `${testPath} left ${open.length} open handle(s) that keep its Jest worker alive (closed now): ${open.map(describe).join('; ')}`;
}

module.exports = { snapshot, leftOpen, describe, close, handleMessage };
