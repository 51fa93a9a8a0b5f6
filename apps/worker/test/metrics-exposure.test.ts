import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, useCoreBed } from '../../../test/support/core-bed';
import { freePort, startWorker, until, WORKER_MAIN, type WorkerProcess } from './processes';

/** Where workers serve /metrics and who may read it, with real worker processes. */
const bed = useCoreBed(); // its registry: the workers' announcements
let workers: WorkerProcess[] = [];

beforeAll(() => {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
});
afterEach(() => {
  for (const w of workers) if (w.child.exitCode === null) w.kill9();
  workers = [];
});

function start(id: string, env: Record<string, string>) {
  const w = startWorker(id, {
    REDIS_URL,
    VAECF_TRIALS_QUEUE: `test-${randomUUID()}`,
    VAECF_DATASETS_QUEUE: `test-${randomUUID()}`,
    ...env,
  });
  workers.push(w);
  return w;
}

const exited = (w: WorkerProcess) =>
  new Promise<number | null>((r) =>
    w.child.exitCode !== null ? r(w.child.exitCode) : w.child.once('exit', (code) => r(code)),
  );

describe('worker /metrics', () => {
  it('two workers on one host both serve /metrics: the second takes the next free port and announces it', async () => {
    const first = await freePort();
    const tag = randomUUID().slice(0, 8);
    const [a, b] = [
      start(`A-${tag}`, { WORKER_METRICS_PORT: String(first) }),
      start(`B-${tag}`, { WORKER_METRICS_PORT: String(first) }),
    ];
    const ports = await Promise.all(
      [a, b].map((w) => until(`worker ${w.id} to serve metrics`, async () => w.metricsPort(), 60_000)),
    );
    expect(new Set(ports).size).toBe(2);
    expect(ports).toContain(first);
    for (const p of ports) {
      expect(p - first).toBeGreaterThanOrEqual(0);
      expect(p - first).toBeLessThan(16);
    }
    for (const [w, port] of [a, b].map((w, i) => [w, ports[i]] as const)) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`vaecf_worker_info{worker="${w.id}"`);
    }
    // Both are in the registry of live workers, with the address of their /metrics.
    const { registry } = bed;
    const live = await until('both workers announced', async () => {
      const mine = (await registry.live()).filter((e) => e.id.endsWith(tag));
      return mine.length === 2 ? mine : null;
    });
    expect(live.map((e) => e.metrics)).toEqual([`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`]);
    // A worker that shuts down cleanly leaves the registry.
    expect(await a.terminate()).toBe(0);
    expect((await registry.live()).filter((e) => e.id.endsWith(tag)).map((e) => e.id)).toEqual([`B-${tag}`]);
  });

  it('announces the address WORKER_ADVERTISE_HOST names (a worker on another machine), with the port it bound', async () => {
    const tag = randomUUID().slice(0, 8);
    const w = start(`adv-${tag}`, { WORKER_METRICS_PORT: '0', WORKER_ADVERTISE_HOST: '10.20.30.40' });
    const port = await until('the metrics port', async () => w.metricsPort(), 60_000);
    const { registry } = bed;
    const entry = await until('the worker announced', async () =>
      (await registry.live()).find((e) => e.id === `adv-${tag}`),
    );
    expect(entry.metrics).toBe(`10.20.30.40:${port}`);
  });

  it('refuses, in one line, a WORKER_ADVERTISE_HOST with a scheme or a port', async () => {
    for (const bad of ['http://10.0.0.1', '10.0.0.1:9464', '::1']) {
      const w = start('bad-advertise', { WORKER_METRICS_PORT: '0', WORKER_ADVERTISE_HOST: bad });
      expect(await exited(w)).toBe(1);
      const lines = w.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^worker: invalid worker environment: WORKER_ADVERTISE_HOST: a host name/);
    }
  });

  it('refuses, in one line, to serve /metrics on a non-loopback address without METRICS_TOKEN', async () => {
    const w = start('open', { WORKER_METRICS_HOST: '0.0.0.0', WORKER_METRICS_PORT: '0', METRICS_TOKEN: '' });
    expect(await exited(w)).toBe(1);
    const lines = w.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^worker: invalid worker environment: METRICS_TOKEN: WORKER_METRICS_HOST=0\.0\.0\.0 is not a loopback address/,
    );
  });

  it('on a non-loopback address with METRICS_TOKEN, /metrics needs the bearer token', async () => {
    const token = randomUUID();
    const w = start('guarded', {
      WORKER_METRICS_HOST: '0.0.0.0',
      WORKER_METRICS_PORT: '0',
      METRICS_TOKEN: token,
    });
    const port = await until('the metrics port', async () => w.metricsPort(), 60_000);
    const url = `http://127.0.0.1:${port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('vaecf_worker_info{worker="guarded"');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
