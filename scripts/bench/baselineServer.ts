/**
 * The bench's baseline: a server doing only what any handler of Feishu callbacks must do — read the body, check
 * the signature, decrypt, parse — and answer {}. Run as its own process under the same load as the service, it
 * gives the reference the service's figures are compared with. GET /debug/bench and POST /debug/bench/reset as the
 * service's probe (src/platform/benchProbe.ts). Prints {"port": …} once it listens.
 *
 * With FLOOR_MONGODB_URI it is the bench's second reference, the database floor: the same, plus the least a handler
 * that records a click must do — one write to the database that returns the document written (a findOneAndUpdate
 * through the same driver and write concern as the service, on a small document per clicking user, in a collection
 * of its own) — and an answer as large as the service's card answers (./floor.ts). What separates the
 * service from it is the bot's own work; what separates it from the baseline is the database's round trip on
 * this machine (docs/interfaces.md, `npm run bench`, the database floor).
 */
import http from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import mongoose from 'mongoose';
import { BENCH_TIMES_HEADER, BenchProbe, benchTimes, monotonicUs } from '../../src/platform/benchProbe';
import { larkSignature } from '../../src/platform/webhook';
import { timeoutOptions } from '../../src/store/timeouts';
import { floorAnswerBody } from './floor';

const encryptKey = process.env.LARK_ENCRYPT_KEY ?? '';
const cipher = new lark.AESCipher(encryptKey);
const probe = new BenchProbe();
let requests = 0;

const floorUri = process.env.FLOOR_MONGODB_URI;
const client = floorUri ? new mongoose.mongo.MongoClient(floorUri, timeoutOptions()) : undefined;
const clicks = client?.db().collection<{ _id: string; clicks: number; lastEvent: string; at: Date }>('bench_floor_clicks');

type Inner = { header?: { token?: string; event_id?: string }; event?: { operator?: { open_id?: string } } };

/** The floor's write and answer for a verified click. */
async function floorAnswer(inner: Inner): Promise<string> {
  const doc = await clicks!.findOneAndUpdate(
    { _id: String(inner.event?.operator?.open_id) },
    { $inc: { clicks: 1 }, $set: { lastEvent: String(inner.header?.event_id), at: new Date() } },
    { upsert: true, returnDocument: 'after' },
  );
  return floorAnswerBody(doc);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/debug/bench') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...probe.figures(), requests }));
    return;
  }
  if (req.method === 'POST' && req.url === '/debug/bench/reset') {
    probe.reset();
    requests = 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"reset":true}');
    return;
  }
  const inUs = monotonicUs();
  const times = () => ({ [BENCH_TIMES_HEADER]: benchTimes(inUs) });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const sig = larkSignature(String(req.headers['x-lark-request-timestamp']), String(req.headers['x-lark-request-nonce']), encryptKey, raw);
    let ok = sig === req.headers['x-lark-signature'];
    let inner: Inner | undefined;
    if (ok) {
      try {
        inner = JSON.parse(cipher.decrypt((JSON.parse(raw) as { encrypt: string }).encrypt)) as Inner;
        ok = inner.header?.token === process.env.LARK_VERIFICATION_TOKEN;
      } catch {
        ok = false;
      }
    }
    requests++;
    if (!ok || !clicks) {
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', ...times() }).end('{}');
      return;
    }
    floorAnswer(inner!).then(
      (body) => res.writeHead(200, { 'content-type': 'application/json', ...times() }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) })),
    );
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 })}\n`);
});
const stop = () => {
  server.close(() => void (client ? client.close() : Promise.resolve()).finally(() => process.exit(0)));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
