import { ENGINE_NAMES } from '@vaecf/engine';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startWorker, until, type WorkerProcess } from '../apps/worker/test/processes';
import { REDIS_URL, useCoreBed } from './support/core-bed';
import { checkedFetch } from './support/openapi-check';

// The compose topology, natively: a real Redis, two worker processes and a real Prometheus
// (Debian's package, installed by .ci/run) scraping both with the metrics bearer token, as
// deploy/prometheus/prometheus.yml does; then ask Prometheus's own API.
/** The store and the queues the workers and the API share, and dataset `ds` prepared in the artifacts directory. */
const bed = useCoreBed({
  dataset: { name: 'prom', id: 'ds', ratings: { users: 600, items: 300, seed: 4, heldoutUsers: 60 } },
});
let workers: WorkerProcess[] = [];
let prometheus: ChildProcess | null = null;
let api: ChildProcess | undefined;

beforeAll(async () => {
  if (spawnSync('sh', ['-c', 'command -v prometheus']).status !== 0)
    throw new Error('prometheus is not installed (.ci/run installs it)');
});
afterAll(async () => {
  for (const w of workers) w.kill9();
  prometheus?.kill('SIGKILL');
  api?.kill('SIGKILL');
});

it('Prometheus scrapes both workers and the API and sees their vaecf series after a sweep', async () => {
  const { root } = bed;
  const metricsToken = randomUUID();
  const env = {
    REDIS_URL,
    VAECF_ARTIFACTS_DIR: root,
    ...bed.config,
    METRICS_TOKEN: metricsToken,
  };
  workers = [startWorker('A', env), startWorker('B', env)];
  const ports = await Promise.all(
    workers.map((w) => until(`${w.id}'s metrics port`, async () => w.metricsPort())),
  );
  let apiLog = '';
  const apiProc = spawn(process.execPath, [join(__dirname, '../apps/api/dist/main.js')], {
    env: { ...process.env, ...env, PORT: '0', VAECF_DATA_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api = apiProc;
  apiProc.stdout!.on('data', (b: Buffer) => (apiLog += b.toString()));
  const apiPort = await until('the API to listen', async () => /listening on :(\d+)/.exec(apiLog)?.[1]);
  expect((await checkedFetch(`http://127.0.0.1:${apiPort}/health`)).status).toBe(200);
  // With METRICS_TOKEN set, nobody reads /metrics without it.
  for (const port of ports) expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
  expect((await checkedFetch(`http://127.0.0.1:${apiPort}/metrics`)).status).toBe(401);
  // Service discovery: the live workers of this deployment's queue, under the same token.
  expect((await checkedFetch(`http://127.0.0.1:${apiPort}/workers/sd`)).status).toBe(401);
  const sd = await until('both workers announced', async () => {
    const r = await checkedFetch(`http://127.0.0.1:${apiPort}/workers/sd`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    const groups = (await r.json()) as { targets: string[]; labels: { worker: string } }[];
    return groups.length === 2 ? groups : null;
  });
  expect(sd.map((g) => g.labels.worker).sort()).toEqual(['A', 'B']);
  expect(sd.flatMap((g) => g.targets).sort()).toEqual(ports.map((p) => `127.0.0.1:${p}`).sort());
  const tokenFile = join(root, 'metrics-token');
  await writeFile(tokenFile, metricsToken);
  const auth = `    authorization: { credentials_file: '${tokenFile}' }`;

  const promPort = await freePort();
  const config = join(root, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      // Workers found through the API's HTTP service discovery, as on many hosts without DNS. The
      // discovery's own `authorization` needs its type spelled out: Prometheus 2.42 sends the bare
      // token there otherwise (the scrape's default of Bearer is not applied to it).
      '  - job_name: vaecf-worker',
      auth,
      `    http_sd_configs: [{ url: 'http://127.0.0.1:${apiPort}/workers/sd', refresh_interval: 1s, authorization: { type: Bearer, credentials_file: '${tokenFile}' } }]`,
      '  - job_name: vaecf-api',
      auth,
      `    static_configs: [{ targets: ['127.0.0.1:${apiPort}'] }]`,
    ].join('\n'),
  );
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(root, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promLog = '';
  prometheus.stderr!.on('data', (b: Buffer) => (promLog += b.toString()));
  const query = async (q: string) => {
    const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`).catch(
      () => null,
    );
    if (!r?.ok) return [];
    return (
      (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
    ).data.result;
  };

  const { store, controller } = bed;
  const { id } = await submitSweep(
    parseSweepSpec({
      dataset: 'ds',
      model: 'dae',
      fixed: { dims: [32], batchSize: 100, epochs: 3 },
      space: { lr: { type: 'choice', values: [1e-3, 3e-3, 1e-2, 3e-2] } },
      limits: { maxConcurrent: 2 },
    }),
    { store, controller, checkDataset: async () => undefined },
  );
  bed.track(id);
  await until('the sweep to complete', async () => (await store.getSweep(id))?.state === 'completed');

  const info = await until('both workers in vaecf_worker_info', async () => {
    const r = await query('vaecf_worker_info');
    return r.length === 2 ? r : null;
  }).catch(async (e: Error) => {
    const targets = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets?state=any`).then((r) =>
      r.text(),
    );
    const sdLog = promLog.split('\n').filter((l) => /discovery|http_sd|level=error|level=warn/.test(l));
    throw new Error(`${e.message}; Prometheus targets: ${targets.slice(0, 2000)}; log: ${sdLog.join('\n')}`);
  });
  expect(info.map((s) => s.metric.worker).sort()).toEqual(['A', 'B']);
  // The label keeps its name; its value is the engine of trials whose sweep fixes none.
  expect(info.every((s) => (ENGINE_NAMES as readonly string[]).includes(s.metric.backend))).toBe(true);
  const up = await query('up{job="vaecf-worker"}');
  expect(up.map((s) => s.value[1])).toEqual(['1', '1']);
  const finished = await until('all four trials counted', async () => {
    const r = await query('sum(vaecf_trials_finished_total)');
    return r.length && Number(r[0].value[1]) === 4 ? r : null;
  });
  expect(finished).toHaveLength(1);
  const epochs = await until('12 epochs observed', async () => {
    const r = await query('sum(vaecf_epoch_duration_seconds_count)');
    return r.length && Number(r[0].value[1]) === 12 ? r : null;
  });
  expect(epochs).toHaveLength(1);
  expect((await query('vaecf_queue_jobs')).length).toBeGreaterThan(0);
  const apiSeries = await until('the API series', async () => {
    const r = await query('vaecf_http_requests_total{job="vaecf-api",route="/health"}');
    return r.length ? r : null;
  });
  expect(apiSeries[0].metric).toMatchObject({ method: 'GET', status: '200' });
}, 180_000);

it('an API bound to a non-loopback address without METRICS_TOKEN refuses to start, in one line', async () => {
  const proc = spawn(process.execPath, [join(__dirname, '../apps/api/dist/main.js')], {
    env: { ...process.env, PORT: '0', API_HOST: '0.0.0.0', METRICS_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  expect(code).toBe(1);
  expect(out.trim().split('\n')).toHaveLength(1);
  expect(out).toMatch(
    /^api: invalid API environment: METRICS_TOKEN: API_HOST=0\.0\.0\.0 is not a loopback address/,
  );
});
