import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keys, WORKER_TTL_SECONDS, type WorkerEntry } from '@vaecf/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server';
import { until, WORKER_MAIN } from './processes';

/**
 * A worker's graceful shutdown, from the Redis server's side: the worker's
 * Nest context (dist, as main.ts boots it) on a Redis of this file's own, so
 * every client that server lists is the worker's. main.ts exits right after
 * closing, which would hide a connection left open; the probe stays alive.
 */
const PROBE = resolve(__dirname, 'fixtures/shutdown-probe.js');

let server: PrivateRedis;
let root: string;
beforeAll(async () => {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
  server = await startPrivateRedis();
  root = await mkdtemp(join(tmpdir(), 'vaecf-shutdown-'));
});
afterAll(async () => {
  await server.dispose();
  await rm(root, { recursive: true, force: true });
});

/** The server's clients but the redis-cli asking. */
const clients = () =>
  server
    .cli('client', 'list')
    .split('\n')
    .filter((l) => l.startsWith('id=') && !l.includes('cmd=client|list'));

describe("a worker's shutdown", () => {
  it('announces the worker while it runs, counts both queues on /metrics, then removes the entry and closes every connection', async () => {
    const id = `shutdown-${randomUUID().slice(0, 8)}`;
    const queues = {
      VAECF_TRIALS_QUEUE: `test-${randomUUID()}`,
      VAECF_DATASETS_QUEUE: `test-${randomUUID()}`,
    };
    const child = spawn(process.execPath, [PROBE], {
      env: {
        ...process.env,
        ...queues,
        REDIS_URL: server.url,
        VAECF_ARTIFACTS_DIR: root,
        WORKER_ID: id,
        WORKER_METRICS_PORT: '0',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await until('the worker to be ready', async () => out.includes(`${id}: ready`), 60_000);
      // The heartbeat's entry, with the registry's TTL on the entry and on the hash.
      const entry = JSON.parse(server.cli('hget', keys.workers, id)) as WorkerEntry;
      expect(entry).toMatchObject({ id, queue: queues.VAECF_TRIALS_QUEUE, pid: child.pid });
      expect(entry.expiresAt - entry.startedAt).toBeGreaterThanOrEqual(WORKER_TTL_SECONDS * 1000);
      expect(entry.expiresAt - entry.startedAt).toBeLessThan((WORKER_TTL_SECONDS + 5) * 1000);
      const ttl = Number(server.cli('ttl', keys.workers));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(WORKER_TTL_SECONDS);
      // /metrics counts the jobs of both queues.
      const port = /metrics on :(\d+)\/metrics/.exec(out)![1];
      expect(entry.metrics).toBe(`127.0.0.1:${port}`);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const q of Object.values(queues))
        expect(metrics).toContain(`vaecf_queue_jobs{queue="${q}",state="waiting"} 0`);
      expect(clients().length).toBeGreaterThan(0);

      child.stdin.write('close\n');
      await until('the worker to close', async () => /probe: clos/.test(out), 30_000);
      expect(out).toContain('probe: closed');
      expect(server.cli('hexists', keys.workers, id).trim()).toBe('0');
      // Every connection it opened is closed (the server drops a closed one as it notices).
      await until('no client left on the server', async () => clients().length === 0, 10_000).catch(() => {
        throw new Error(`connections left open after the shutdown:\n${clients().join('\n')}`);
      });
      expect(child.exitCode).toBeNull(); // alive: the connections were closed, not ended with the process
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
