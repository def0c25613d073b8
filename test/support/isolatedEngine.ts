/**
 * An embedded engine loaded in a module registry of its own (jest.isolateModules), with some of its modules
 * replaced: for tests that compare the engine's answers with and without one of its fast paths. Commands go in as
 * OP_MSG bytes and replies come out as bytes, through the engine's own protocol module, so that no BSON value of the
 * test's bson module reaches the isolated one (each registry has its own bson).
 */
import { BSON, type Document } from 'bson';

export type RunBytes = (cmd: Document) => Buffer;

export function isolatedEngine(mocks: Record<string, () => unknown>): RunBytes {
  let run!: RunBytes;
  jest.isolateModules(() => {
    for (const [path, factory] of Object.entries(mocks)) jest.doMock(path, factory);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Engine } = require('../../src/store/embedded/engine');
    const P = require('../../src/store/embedded/protocol');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const engine = new Engine();
    run = (cmd) => {
      const body = Buffer.from(BSON.serialize(cmd));
      const head = Buffer.alloc(21);
      head.writeInt32LE(21 + body.length, 0);
      head.writeInt32LE(1, 4);
      head.writeInt32LE(P.OP_MSG, 12);
      const req = P.parseRequest(Buffer.concat([head, body]));
      return P.serializeReply(engine.run(req.body, req.typed, { connectionId: 1 }));
    };
  });
  return run;
}
