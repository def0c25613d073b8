/**
 * Replays commands recorded by the bench's database process (BENCH_DB_RECORD, bench/dbServer.ts) into a fresh
 * embedded engine, through the same framing the server uses (OP_MSG parse, engine, reply encoding), and prints the
 * CPU time of each window. The windows run in order (each needs the state the earlier ones built); run it with
 * `node --cpu-prof` to profile the database's share of a bench phase alone.
 *
 *   tsx scripts/bench/dbReplay.ts <dir> [rounds]   rounds: how many times the whole recording is replayed (default 1)
 *
 * With REPLAY_PROFILE=<file.cpuprofile>, the last window of the last round is profiled (node:inspector) into that file.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { Engine } from '../../src/store/embedded/engine';
import { OP_MSG, encodeReply, parseRequest } from '../../src/store/embedded/protocol';

function opMsg(doc: Buffer, requestId: number): Buffer {
  const head = Buffer.alloc(21);
  head.writeInt32LE(21 + doc.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(OP_MSG, 12);
  return Buffer.concat([head, doc]);
}

function messages(file: string): Buffer[] {
  const buf = readFileSync(file);
  const out: Buffer[] = [];
  for (let off = 0, id = 1; off < buf.length; id++) {
    const len = buf.readInt32LE(off);
    out.push(opMsg(buf.subarray(off, off + len), id));
    off += len;
  }
  return out;
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: dbReplay.ts <dir> [rounds]');
const rounds = Number(process.argv[3] ?? 1);
const windows = readdirSync(dir)
  .filter((f) => /^window-\d+\.bson$/.test(f))
  .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
  .map((f) => ({ name: f, msgs: messages(path.join(dir, f)) }));
const session = new Session();
session.connect();
const post = <T>(method: string): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, (err, res) => (err ? reject(err) : resolve(res as T))));

async function main(): Promise<void> {
for (let r = 0; r < rounds; r++) {
  const engine = new Engine();
  for (const w of windows) {
    const profiling = process.env.REPLAY_PROFILE && r === rounds - 1 && w === windows[windows.length - 1];
    if (profiling) {
      await post('Profiler.enable');
      await post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    let failed = 0;
    for (const msg of w.msgs) {
      const req = parseRequest(msg);
      const reply = engine.run(req.body, req.typed, { connectionId: 1 });
      if (reply.ok !== 1) failed++;
      encodeReply(req, reply, 1);
    }
    const used = process.cpuUsage(cpu);
    if (profiling) writeFileSync(process.env.REPLAY_PROFILE as string, JSON.stringify((await post<{ profile: unknown }>('Profiler.stop')).profile));
    const ms = (used.user + used.system) / 1000;
    process.stdout.write(
      `round ${r} ${w.name}: ${w.msgs.length} commands, ${failed} failed, ${ms.toFixed(0)} ms CPU, ${((1000 * ms) / Math.max(1, w.msgs.length)).toFixed(1)} µs/command\n`,
    );
  }
}
}

void main();
