/**
 * Whether the service runs in sandbox mode (src/sandbox/start.ts), decided from the configuration alone: kept apart
 * from the sandbox itself so that `src/main.ts` can say it before loading the emulator or the service.
 */
import type { Config } from '../config';

/** Sandbox only without a Feishu app and never in production. */
export function isSandbox(config: Config): boolean {
  return config.lark === undefined && !config.production;
}

export function sandboxUrl(port: number): string {
  return `http://127.0.0.1:${port}/sandbox`;
}
