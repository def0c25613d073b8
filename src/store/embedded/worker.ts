/**
 * Worker-thread entry of `startWireServer({ worker: true })` (server.ts): runs the TCP server and the engine here and
 * tells the main thread its URI; on `close`, stops and says so.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startInProcess, type FromWorker, type ToWorker, type WorkerConfig } from './server';

const port = parentPort;
if (isMainThread || !port) throw new Error('worker.ts runs only as the worker of startWireServer({ worker: true })');
const config = workerData as WorkerConfig;
const send = (m: FromWorker) => port.postMessage(m);

startInProcess({
  port: config.port,
  host: config.host,
  log: config.forwardLog ? (msg) => send({ type: 'log', msg }) : undefined,
}).then(
  (server) => {
    port.on('message', (m: ToWorker) => {
      if (m.type !== 'close') return;
      void server.close().then(() => {
        send({ type: 'closed' });
        port.close();
      });
    });
    send({ type: 'ready', uri: server.uri, port: server.port });
  },
  (e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
);
