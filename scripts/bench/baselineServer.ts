/**
 * The bench's baseline: a server doing only what any handler of Feishu callbacks must do — read the body, check
 * the signature, decrypt, parse — and answer {}. Run as its own process under the same load as the service, it
 * gives the floor the service's figures are compared with. GET /debug/bench and POST /debug/bench/reset as the
 * service's probe (src/platform/benchProbe.ts). Prints {"port": …} once it listens.
 */
import http from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import { BenchProbe } from '../../src/platform/benchProbe';
import { larkSignature } from '../../src/platform/webhook';

const encryptKey = process.env.LARK_ENCRYPT_KEY ?? '';
const cipher = new lark.AESCipher(encryptKey);
const probe = new BenchProbe();
let requests = 0;

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
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const sig = larkSignature(String(req.headers['x-lark-request-timestamp']), String(req.headers['x-lark-request-nonce']), encryptKey, raw);
    let ok = sig === req.headers['x-lark-signature'];
    if (ok) {
      try {
        const inner = JSON.parse(cipher.decrypt((JSON.parse(raw) as { encrypt: string }).encrypt)) as { header?: { token?: string } };
        ok = inner.header?.token === process.env.LARK_VERIFICATION_TOKEN;
      } catch {
        ok = false;
      }
    }
    requests++;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 })}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
