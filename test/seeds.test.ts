import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { decodePerUser, evaluate, loadBestWeights, scorerFromWeights } from '@vaecf/cf';
import { loadEngine } from '@vaecf/engine';
import type { ComparisonView, SweepView, TrialView } from '@vaecf/orchestration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../apps/cli/test/run-cli';
import { DatasetCache } from '../apps/worker/src/dataset-cache';
import { startWorker, until, type WorkerProcess } from '../apps/worker/test/processes';
import { readyBundled, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// Seeds in a sweep end to end (limits.repeats): the built API and two workers as real processes, a
// real Redis, the bundled data. A TPE sweep whose second configuration is proposed after the first
// one's seeds have results, so a replicate that asked the sampler again would get other params.
let stack: Stack;
let second: WorkerProcess;
let sweep: SweepView;
let trials: TrialView[];

async function call<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await checkedFetch(`${stack.base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${stack.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return {
    status: r.status,
    body: (r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
  };
}

beforeAll(async () => {
  stack = await startStack();
  second = startWorker('seeds-2', {
    ...stack.queues,
    ...stack.artifactsEnv,
    VAECF_CACHE_DIR: join(stack.root, 'cache-worker-2'),
  });
  const ds = `seeds-${Date.now().toString(36)}`;
  await readyBundled(stack, ds, { heldoutUsers: 150 });
  const r = await call<SweepView>('/sweeps', {
    dataset: ds,
    model: 'dae',
    fixed: { dims: [32], batchSize: 200, epochs: 2, seed: 7 },
    space: { lr: { type: 'loguniform', low: 1e-3, high: 3e-2 } },
    search: { method: 'tpe', trials: 2, seed: 1, nStartup: 1 },
    limits: { maxConcurrent: 2, repeats: 2 },
    baselines: ['popularity'],
  });
  expect(r.status).toBe(201);
  sweep = await until(
    `sweep ${r.body.id} to complete`,
    async () => {
      const s = (await call<SweepView>(`/sweeps/${r.body.id}`)).body;
      if (s.state === 'failed' || s.state === 'cancelled')
        throw new Error(`sweep ${s.id} ${s.state}: ${s.error}`);
      return s.state === 'completed' && s;
    },
    600_000,
  );
  trials = (await call<TrialView[]>(`/sweeps/${sweep.id}/trials`)).body;
}, 900_000);
afterAll(async () => {
  second?.kill9();
  await stack?.stop();
});

describe('seeds in a sweep (limits.repeats: 2), end to end', () => {
  it("runs each configuration's seeds with the same hyperparameters, differing only in the seed", () => {
    const byNo = [...trials].sort((a, b) => a.no - b.no);
    expect(byNo.map((t) => [t.no, t.configuration, t.state])).toEqual([
      [0, 0, 'completed'],
      [1, 0, 'completed'],
      [2, 1, 'completed'],
      [3, 1, 'completed'],
    ]);
    for (const c of [0, 1]) {
      const [a, b] = byNo.filter((t) => t.configuration === c);
      const { seed: sa, ...ra } = a.params;
      const { seed: sb, ...rb } = b.params;
      expect(rb).toEqual(ra);
      expect([sa, sb]).toEqual([7, 8]);
    }
    expect(byNo[2].params.lr).not.toBe(byNo[0].params.lr);
  });

  it('ranks configurations by the mean of their seeds and shows mean, sd and seeds per configuration', async () => {
    const mean = (c: number) => {
      const v = trials.filter((t) => t.configuration === c).map((t) => t.best!);
      return (v[0] + v[1]) / 2;
    };
    const winner = mean(0) >= mean(1) ? 0 : 1;
    expect(sweep.bestConfiguration).toMatchObject({
      configuration: winner,
      seeds: 2,
      trials: [2 * winner, 2 * winner + 1],
    });
    expect(sweep.bestConfiguration!.mean).toBeCloseTo(mean(winner), 12);
    const seeds = trials.filter((t) => t.configuration === winner).map((t) => t.best!);
    expect(sweep.bestConfiguration!.sd).toBeCloseTo(Math.abs(seeds[0] - seeds[1]) / Math.SQRT2, 12);
    // The model is the winning configuration's better seed.
    expect(sweep.bestTrial).toBe(
      trials.filter((t) => t.configuration === winner).sort((a, b) => b.best! - a.best!)[0].no,
    );
    expect(sweep.best!.trial).toBe(sweep.bestTrial);
    // The leaderboard (by best): the winning configuration's seeds first, each row with its configuration's summary.
    expect(trials.slice(0, 2).map((t) => t.configuration)).toEqual([winner, winner]);
    expect(trials[0].seeds).toEqual({
      mean: sweep.bestConfiguration!.mean,
      sd: sweep.bestConfiguration!.sd,
      count: 2,
    });
    const csv = (await call<string>(`/sweeps/${sweep.id}/trials.csv`)).body;
    expect(csv.split('\n')[0]).toMatch(/^no,configuration,config_mean,config_sd,config_seeds,state,/);
    const report = (await call<string>(`/sweeps/${sweep.id}/report`)).body;
    expect(report).toContain('Configuration: mean ± sd over seeds');
    expect(report).toMatch(/\(2 seeds\)/);
  });

  it("compares the per-user mean over the configuration's completed seeds, and says how many went in", async () => {
    expect(sweep.bestConfiguration!.tested.slice().sort()).toEqual(sweep.bestConfiguration!.trials);
    const artifacts = new FilesystemArtifactStore(stack.artifactsEnv.VAECF_ARTIFACTS_DIR);
    const data = await new DatasetCache(artifacts).get(sweep.spec.dataset);
    const { engine } = await loadEngine({ engine: 'auto', threads: 1 });
    const perSeed = [];
    for (const no of sweep.bestConfiguration!.trials) {
      const t = trials.find((x) => x.no === no)!;
      // The best seed lives on as the sweep's model; the configuration's other seeds keep their checkpoints.
      const local =
        no === sweep.bestTrial
          ? (await artifacts.openModel(sweep.id))!
          : (await artifacts.openCheckpoint(sweep.id, no, t.checkpoint!.attempt))!;
      const ckpt = await loadBestWeights(local.dir);
      local.release();
      const model = await scorerFromWeights(ckpt.config, ckpt.nItems, ckpt.weights, engine);
      perSeed.push(await evaluate(model, data.test, { batchSize: ckpt.config.evalBatchSize, perUser: true }));
      await model.dispose();
    }
    // Every other checkpoint went at the end (keepAfterEnd 0).
    for (const t of trials.filter((x) => x.configuration !== sweep.bestConfiguration!.configuration))
      expect(await artifacts.openCheckpoint(sweep.id, t.no, t.checkpoint!.attempt)).toBeNull();
    const stored = decodePerUser((await artifacts.getSweepResult(sweep.id, 'per-user-best.bin'))!);
    const [a, b] = perSeed.map((r) => r.perUser!.ndcg[100]);
    expect(stored.values.ndcg100).toHaveLength(a.length);
    stored.values.ndcg100.forEach((v, u) => {
      if (Number.isNaN(v)) expect(a[u]).toBeNaN();
      else expect(v).toBeCloseTo((a[u] + b[u]) / 2, 5);
    });
    // The sweep's test metrics: the mean over the seeds.
    expect(sweep.test!.ndcg100).toBeCloseTo((perSeed[0].ndcg100 + perSeed[1].ndcg100) / 2, 5);

    const c = await call<ComparisonView>(`/sweeps/${sweep.id}/comparison`);
    expect(c.status).toBe(200);
    expect(c.body.best).toEqual({
      trial: sweep.bestTrial,
      configuration: sweep.bestConfiguration!.configuration,
      seeds: 2,
      test: sweep.test,
    });
    expect(c.body.comparisons.map((x) => [x.against, x.seeds])).toEqual([
      [{ kind: 'baseline', model: 'popularity' }, 2],
    ]);
    expect(c.body.comparisons[0].metrics.ndcg100.meanA).toBeCloseTo(sweep.test!.ndcg100, 5);
    const csv = (await call<string>(`/sweeps/${sweep.id}/comparison.csv`)).body;
    expect(csv.split('\n')[1]).toMatch(/^popularity,ndcg100,2,/);

    const env = { VAECF_API_URL: stack.base, VAECF_API_TOKEN: stack.token };
    const out = await runCli(['compare', sweep.id], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      `best configuration ${sweep.bestConfiguration!.configuration} (mean of 2 seeds; best seed trial ${sweep.bestTrial})`,
    );
  });
});
