/**
 * A database that stops answering altogether (src/store/timeouts.ts): connections stay open, nothing comes back.
 * maxTimeMS and the write concern's wtimeout are the server's to enforce, and the driver ignores `timeoutMS`, so
 * what ends the wait is the driver's server monitor: the operations in flight fail within
 * `unansweredServerBoundMs`, with an error the service turns into its Chinese "数据库暂时没有响应" line — and not
 * after the 6-minute socket timeout, which stays as the service sets it.
 *
 * The monitor's timings are scaled down here (connectTimeoutMS 2 s, heartbeat 1 s instead of 30 s and 10 s) so the
 * test takes seconds; every other option is the service's own. With the service's own timings the same happens
 * within the computed bound (about 72 s; measured 62 s for a find).
 */
import mongoose, { Schema, type Connection } from 'mongoose';
import { startWireServer } from '../../src/store/embedded';
import { databaseUnavailableMessage, LONG_OPERATION_TIMEOUT_MS, timeoutOptions, unansweredServerBoundMs } from '../../src/store/timeouts';
import { hostPort, startTcpProxy, viaProxy, type TcpProxy } from '../support/tcpProxy';

jest.setTimeout(120_000);

let server: Awaited<ReturnType<typeof startWireServer>>;
let proxy: TcpProxy;
let conn: Connection;
const options = { ...timeoutOptions(), connectTimeoutMS: 2000, heartbeatFrequencyMS: 1000 };

beforeAll(async () => {
  server = await startWireServer();
  proxy = await startTcpProxy(hostPort(server.uri));
  conn = await mongoose.createConnection(viaProxy(`${server.uri.replace(/\/$/, '')}/unanswering`, proxy.port), { ...options, autoIndex: false }).asPromise();
});

afterAll(async () => {
  await conn?.close(true).catch(() => undefined);
  await proxy?.close();
  await server?.close();
});

it('the service’s own bound is the monitor’s, far below the socket timeout', () => {
  const service = timeoutOptions();
  expect(service.socketTimeoutMS).toBeGreaterThan(LONG_OPERATION_TIMEOUT_MS);
  expect(unansweredServerBoundMs(service)).toBe(10_000 + 2 * 30_000 + 2_000);
  expect(unansweredServerBoundMs(service)).toBeLessThan(service.socketTimeoutMS! / 4);
});

it('model calls in flight when the server stops answering fail within the bound, each with the Chinese line', async () => {
  const Item = conn.model('Item', new Schema({ n: Number }, { versionKey: false }));
  await Item.insertMany([{ n: 1 }, { n: 2 }]);
  expect(await Item.countDocuments()).toBe(2); // answering until now

  proxy.freeze();
  const started = Date.now();
  const calls = {
    findOne: Item.findOne({ n: 1 }).lean(),
    aggregate: Item.aggregate([{ $group: { _id: null, total: { $sum: '$n' } } }]),
    updateOne: Item.updateOne({ n: 1 }, { $set: { n: 3 } }),
    countDocuments: Item.countDocuments({}),
  };
  const outcomes = await Promise.all(
    Object.entries(calls).map(async ([name, call]) => {
      try {
        await call;
        return { name, failed: false, ms: Date.now() - started, message: undefined as string | undefined };
      } catch (err) {
        return { name, failed: true, ms: Date.now() - started, message: databaseUnavailableMessage(err) };
      }
    }),
  );
  // Generous for a loaded machine: the bound plus 10 s. The socket timeout (6 min) is nowhere near.
  const limit = unansweredServerBoundMs(options) + 10_000;
  for (const o of outcomes) {
    expect({ name: o.name, failed: o.failed }).toEqual({ name: o.name, failed: true });
    expect(o.ms).toBeLessThan(limit);
    expect(o.message).toContain('数据库暂时没有响应');
  }

  // A new call while the server is still silent fails as quickly: the server is known to be unreachable.
  const again = Date.now();
  const late = await Item.findOne({}).lean().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(databaseUnavailableMessage(late)).toContain('数据库暂时没有响应');
  expect(Date.now() - again).toBeLessThan(limit);
});
