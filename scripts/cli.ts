import { runCli } from '../src/cli';

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`执行失败：${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
