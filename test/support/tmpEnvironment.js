/**
 * Jest's node environment, with each test file's own temp dir (test/support/tmpGuard.js): a file that leaves
 * anything in it fails; and so does a file that leaves a socket, a server or a timer open (test/support/handleGuard.js).
 */
// jest-environment-node is Jest's own (what `testEnvironment: 'node'` loads), installed with jest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TestEnvironment } = require('jest-environment-node');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { closeFile, fileMessage, openFile } = require('./tmpGuard');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const handles = require('./handleGuard');

class TmpDirEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    this.handlesBefore = handles.snapshot();
    await super.setup();
    // this process's environment: what os.tmpdir() and spawned processes read
    this.tmpFile = openFile(this.testPath, process.env);
    // and the test's copy of it (Jest gives each file a copy of process.env, made before setup)
    this.global.process.env.TMPDIR = this.tmpFile.dir;
  }

  async teardown() {
    const left = this.tmpFile ? closeFile(this.tmpFile) : [];
    this.tmpFile = undefined;
    await super.teardown();
    const open = this.handlesBefore ? await handles.leftOpen(this.handlesBefore) : [];
    // named while still open, then closed so that the worker can exit
    const messages = [...(left.length > 0 ? [fileMessage(this.testPath, left)] : []), ...(open.length > 0 ? [handles.handleMessage(this.testPath, open)] : [])];
    open.forEach(handles.close);
    // Jest reports a file whose environment fails to tear down as failed ("Test suite failed to run")
    if (messages.length > 0) throw new Error(messages.join('\n'));
  }
}

module.exports = TmpDirEnvironment;
