import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, until } from '../../apps/worker/test/processes';

/** A redis-server of a test's own on a free port, which the test can stop and start again. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** The redis-cli of this server, for counting keys: `cli('dbsize')`. */
  cli(...args: string[]): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>;
}

/** With `appendOnly` every write is on disk at once, so data survives stop() and start(). */
export async function startPrivateRedis(opts: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'vaecf-redis-'));
  const port = await freePort();
  let server: ChildProcess | null = null;
  const cli = (...args: string[]) =>
    spawnSync('redis-cli', ['-p', String(port), ...args]).stdout?.toString() ?? '';
  const start = async () => {
    server = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
        ...(opts.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      ],
      { stdio: 'ignore' },
    );
    await until('the private redis to answer', async () => cli('ping').includes('PONG'), 10_000);
  };
  const stop = async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((r) => server!.once('exit', r));
    cli('shutdown', 'nosave');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
