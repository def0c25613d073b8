/**
 * The bench's probe in the service (src/platform/benchProbe.ts): commands attributed to the webhook request that sent
 * them while attributing, and only counted (no AsyncLocalStorage) in a window reset with `?attribute=0`.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Connection } from 'mongoose';
import { BENCH_COMMANDS_HEADER, BENCH_TIMES_HEADER, BenchProbe, monotonicUs, type BenchFigures, type SummaryTiming } from '../../src/platform/benchProbe';

describe('bench probe', () => {
  const client = new EventEmitter();
  // the summary it times: 20 ms before its counts are in, then a block of 40 ms (the loop held), then 10 ms more
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  const probe = new BenchProbe({
    summary: async (compiled) => {
      await new Promise((r) => setTimeout(r, 20));
      compiled();
      await new Promise((r) => setTimeout(r, 5));
      busy(40);
      await new Promise((r) => setTimeout(r, 10));
      return { bytes: 1234, sampled: 7, details: 6 };
    },
  });
  probe.watch({ getClient: () => client } as unknown as Connection);
  const app = new Koa();
  app.use(probe.middleware());
  // a webhook request that sends two commands before its answer and one after
  app.use(async (ctx) => {
    client.emit('connectionCheckOutStarted');
    await new Promise((r) => setImmediate(r));
    client.emit('connectionCheckOutStarted');
    setTimeout(() => client.emit('connectionCheckOutStarted'), 5);
    ctx.body = 'ok';
  });
  const server = app.listen(0, '127.0.0.1');
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  beforeAll(() => new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r()))));
  afterAll(() => new Promise((r) => server.close(r)));

  async function window(query: string): Promise<{ header: string | null; times: string | null; postedUs: number; readUs: number; figures: BenchFigures }> {
    await fetch(`${url()}/debug/bench/reset${query}`, { method: 'POST' });
    const postedUs = monotonicUs();
    const res = await fetch(`${url()}/lark/events`, { method: 'POST' });
    await res.text();
    const readUs = monotonicUs();
    await new Promise((r) => setTimeout(r, 30));
    client.emit('connectionCheckOutStarted'); // background: no request
    const figures = (await (await fetch(`${url()}/debug/bench`)).json()) as BenchFigures;
    return { header: res.headers.get(BENCH_COMMANDS_HEADER), times: res.headers.get(BENCH_TIMES_HEADER), postedUs, readUs, figures };
  }

  it('attributes each command to the request that sent it, before or after its answer', async () => {
    const { header, figures } = await window('');
    expect(header).toBe('2');
    expect(figures).toMatchObject({ requests: 1, requestCommands: 2, lateCommands: 1, backgroundCommands: 1, commands: 4 });
  });

  it('with ?attribute=0 only counts: no header, every command background, the requests still counted', async () => {
    const { header, figures } = await window('?attribute=0');
    expect(header).toBeNull();
    expect(figures).toMatchObject({ requests: 1, requestCommands: 0, lateCommands: 0, backgroundCommands: 4, commands: 4 });
    // and attributing again after it
    const again = await window('');
    expect(again.header).toBe('2');
    expect(again.figures).toMatchObject({ requestCommands: 2, lateCommands: 1, backgroundCommands: 1 });
  });

  it('stamps each webhook answer with when the request reached koa and when its answer was ready, on the monotonic clock the client reads', async () => {
    for (const query of ['', '?attribute=0']) {
      const { times, postedUs, readUs } = await window(query);
      expect(times).toMatch(/^\d+,\d+$/);
      const [inUs, outUs] = times!.split(',').map(Number) as [number, number];
      // within the client's own readings of the same clock, in order: the handler's setImmediate lies between them
      expect(postedUs).toBeLessThanOrEqual(inUs);
      expect(inUs).toBeLessThan(outUs);
      expect(outUs).toBeLessThanOrEqual(readUs);
    }
  });

  it('times a summary in its own process: the whole, the part until its counts, and with ?probe=1 the longest block', async () => {
    const timed = async (query: string) => (await (await fetch(`${url()}/debug/bench/summary${query}`, { method: 'POST' })).json()) as SummaryTiming;
    const probed = await timed('?probe=1');
    expect(probed).toMatchObject({ bytes: 1234, sampled: 7, details: 6 });
    expect(probed.compileSeconds).toBeGreaterThanOrEqual(0.019);
    expect(probed.seconds).toBeGreaterThanOrEqual(probed.compileSeconds + 0.05);
    expect(probed.cpuSeconds).toBeGreaterThan(0);
    expect(probed.longestBlockMs).toBeGreaterThanOrEqual(39);
    // without the probe no interval runs: nothing measured
    expect((await timed('')).longestBlockMs).toBe(0);
  });
});

