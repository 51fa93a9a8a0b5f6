// @ts-check
// Read endpoints under load on loopback: requests/s and p99 latency of GET /sweeps/:id and GET /sweeps/:id/trials.
// Bounded: 10 connections, 10 s per endpoint, loopback only. Needs a Redis (REDIS_URL, default redis://127.0.0.1:6379).
// Usage: npm run bench:api
const { mkdirSync, writeFileSync, copyFileSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { startLocalStack } = require('../apps/cli/dist/demo/local-stack');
const { ApiClient } = require('../apps/cli/dist/api-client');

const BUNDLED = join(__dirname, '../examples/data/synthetic-ml.csv.gz');
const SECONDS = 10;

async function until(probe) {
  for (;;) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function load(url) {
  const r = await autocannon({ url, connections: 10, duration: SECONDS });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'vaecf-bench-api-'));
  const dataRoot = join(work, 'data');
  mkdirSync(dataRoot);
  copyFileSync(BUNDLED, join(dataRoot, 'ratings.csv.gz'));
  const stack = await startLocalStack({ workDir: work, dataRoot, workers: 1, log: console.log });
  try {
    const api = new ApiClient({ api: stack.apiUrl });
    await api.post('/datasets', {
      id: 'bench',
      path: 'ratings.csv.gz',
      format: 'movielens-csv',
      heldoutUsers: 200,
    });
    await until(async () => (await api.get('/datasets/bench')).state === 'ready');
    // A finished sweep of 8 trials, so that the read endpoints have real records to serve.
    const spec = {
      dataset: 'bench',
      model: 'dae',
      fixed: { dims: [32], batchSize: 500, epochs: 2 },
      space: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } },
      search: { method: 'random', trials: 8, seed: 1 },
      limits: { maxConcurrent: 2 },
    };
    const sweep = await api.post('/sweeps', spec);
    await until(async () => (await api.get(`/sweeps/${sweep.id}`)).state === 'completed');
    const results = {
      bench: 'api',
      date: new Date().toISOString(),
      node: process.version,
      connections: 10,
      secondsPerEndpoint: SECONDS,
      getSweep: await load(`${stack.apiUrl}/sweeps/${sweep.id}`),
      getTrials: await load(`${stack.apiUrl}/sweeps/${sweep.id}/trials?sort=best`),
    };
    console.log(
      `GET /sweeps/:id        ${results.getSweep.requestsPerSecond} req/s, p99 ${results.getSweep.p99Ms} ms`,
    );
    console.log(
      `GET /sweeps/:id/trials ${results.getTrials.requestsPerSecond} req/s, p99 ${results.getTrials.p99Ms} ms`,
    );
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'api.json'), JSON.stringify(results, null, 2) + '\n');
  } finally {
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
