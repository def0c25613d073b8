/**
 * The bench's database process: the embedded wire server (src/store/embedded) in a process of its own, as a
 * separate mongod would be. Prints one JSON line {"uri": …} once it listens; stops on SIGTERM.
 */
import { startWireServer } from '../../src/store/embedded';

async function main(): Promise<void> {
  const server = await startWireServer({ port: Number(process.env.BENCH_DB_PORT ?? 0) });
  process.stdout.write(`${JSON.stringify({ uri: server.uri, pid: process.pid })}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench database failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
