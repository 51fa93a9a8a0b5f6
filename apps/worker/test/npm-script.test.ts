import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, childrenOf, until } from './processes';

/**
 * `npm run worker &` then `kill $!`: the signal goes to npm, not to the worker.
 * The script execs node (npm forwards SIGTERM to it), and a worker started by
 * an npm script watches its parent, so an npm killed outright takes its worker
 * along instead of leaving an orphan that keeps taking trials.
 */
const ROOT = resolve(__dirname, '../../..');
let started: number[] = [];

afterEach(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  started = [];
});

async function npmRunWorker() {
  const npm = spawn('npm', ['run', 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      WORKER_ID: `npm-${randomUUID()}`,
      WORKER_METRICS_PORT: '-1',
      VAECF_TRIALS_QUEUE: `test-${randomUUID()}`,
      VAECF_DATASETS_QUEUE: `test-${randomUUID()}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  npm.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  started.push(npm.pid!);
  await until('the worker to be ready', async () => /: ready/.test(out), 60_000);
  // The script execs node: the worker is npm's child (no shell in between to swallow signals).
  const [worker] = childrenOf(npm.pid!);
  expect(worker).toBeDefined();
  started.push(worker);
  return { npm, worker, output: () => out };
}

const gone = (pid: number) => until(`process ${pid} to exit`, async () => !alive(pid), 30_000);

describe('npm run worker', () => {
  it('SIGTERM to npm reaches the worker, which hands its trials back and exits', async () => {
    const { npm, worker, output } = await npmRunWorker();
    npm.kill('SIGTERM');
    await gone(worker);
    expect(output()).toMatch(/SIGTERM received[\s\S]*handing running trials back and closing[\s\S]*closed/);
  }, 120_000);

  it('npm killed outright: the worker sees its parent gone and exits the same way', async () => {
    const { npm, worker, output } = await npmRunWorker();
    npm.kill('SIGKILL');
    await gone(worker);
    expect(output()).toMatch(/its parent process is gone[\s\S]*closed/);
  }, 120_000);
});
