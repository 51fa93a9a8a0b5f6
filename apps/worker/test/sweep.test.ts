import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_ATTEMPT } from '@vaecf/artifacts';
import {
  cancelSweep,
  registerDataset,
  requireReadyDataset,
  submitSweep,
  type SweepController,
  type TrialsQueue,
} from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { useJobBed, type JobLine } from './job-bed';

const bed = useJobBed('sweep', 'ds1', { users: 500, items: 200, seed: 3, heldoutUsers: 60 });
/** One queue per test, as BullMQ's own tests do; a worker in this process. */
function withWorker<T>(
  concurrency: number,
  body: (q: TrialsQueue, controller: SweepController, line: JobLine) => Promise<T>,
): Promise<T> {
  return bed.withJobLine((line) => body(line.core.trialsQueue, line.core.controller, line), { concurrency });
}

const waitFor = (sweepId: string, states: string[]) => bed.sweepIn(sweepId, states);

const spec = (over: Record<string, unknown> = {}) => ({
  dataset: 'ds1',
  model: 'vae',
  fixed: { dims: [32, 8], batchSize: 100, epochs: 4, totalAnnealSteps: 20 },
  space: {
    lr: { type: 'loguniform', low: 3e-4, high: 3e-2 },
    keepProb: { type: 'uniform', low: 0.4, high: 0.9 },
  },
  search: { method: 'random', trials: 6, seed: 1 },
  scheduler: { type: 'asha', gracePeriod: 1, reductionFactor: 2 },
  limits: { maxConcurrent: 2 },
  ...over,
});

describe('a sweep on BullMQ with a real Redis', () => {
  it('runs every trial once, prunes with ASHA, tests the best and promotes its model', async () => {
    await withWorker(2, async (_queue, controller) => {
      const deps = { store: bed.store, controller, checkDataset: async () => undefined };
      const { id } = await submitSweep(parseSweepSpec(spec()), deps);
      bed.track(id);
      const done = await waitFor(id, ['completed', 'failed']);
      expect(done.state).toBe('completed');
      const trials = await bed.store.listTrials(id);
      expect(trials.map((t) => t.no)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(trials.every((t) => t.state === 'completed' || t.state === 'pruned')).toBe(true);
      expect(trials.some((t) => t.state === 'pruned')).toBe(true);
      for (const t of trials) expect((await bed.store.history(id, t.no)).length).toBe(t.epochs);
      const [best] = await bed.store.leaderboard(id, 1);
      expect(done.bestTrial).toBe(best.trial);
      expect(done.test?.ndcg100).toBeGreaterThan(0);
      expect(existsSync(join(bed.artifacts.modelDir(id), 'checkpoint.json'))).toBe(true);
      expect(await bed.artifacts.listCheckpoints(id)).toEqual([]);
    });
  });

  it('optimises the objective the spec names: best epochs, the leaderboard and the promoted trial follow recall@20', async () => {
    await withWorker(2, async (_queue, controller) => {
      const deps = { store: bed.store, controller, checkDataset: async () => undefined };
      const { id } = await submitSweep(
        parseSweepSpec(
          spec({
            objective: { metric: 'recall20' },
            scheduler: { type: 'none' },
            search: { method: 'random', trials: 3, seed: 5 },
          }),
        ),
        deps,
      );
      bed.track(id);
      const done = await waitFor(id, ['completed', 'failed']);
      expect(done.state).toBe('completed');
      const trials = await bed.store.listTrials(id);
      for (const t of trials) {
        expect(t.params.selectBy).toBe('recall20');
        const recalls = (await bed.store.history<{ validation: { recall20: number } }>(id, t.no)).map(
          (e) => e.validation.recall20,
        );
        expect(t.best).toBe(Math.max(...recalls));
      }
      const bestByRecall = trials.reduce((a, b) => ((b.best ?? -1) > (a.best ?? -1) ? b : a));
      expect(done.bestTrial).toBe(bestByRecall.no);
    });
  });

  it("runs the paper's beta protocol: stage 1 anneals to 1, stage 2 caps beta at the best epoch's", async () => {
    await withWorker(2, async (_queue, controller) => {
      const deps = {
        store: bed.store,
        controller,
        checkDataset: async () => ({ items: 200, trainUsers: 380 }),
      };
      const { id, spec: stored } = await submitSweep(
        parseSweepSpec({
          dataset: 'ds1',
          model: 'vae',
          fixed: { dims: [32, 8], batchSize: 100, epochs: 5 },
          space: { lr: { type: 'choice', values: [0.003, 0.01] } },
          search: { method: 'beta', stage2: 'all' },
        }),
        deps,
      );
      bed.track(id);
      // Stage 1 spans the run: 5 epochs x ceil(380 / 100) = 20 minibatches, the last one at beta 19/19.
      expect(stored.search).toEqual({ method: 'beta', stage2: 'all', annealSteps: 19 });
      const done = await waitFor(id, ['completed', 'failed']);
      expect(done.state).toBe('completed');
      const snaps = await bed.store.trialSnapshots(id);
      expect(snaps.map((t) => t.params.annealCap)).toHaveLength(4);
      for (const t of snaps.slice(0, 2)) {
        expect(t.params.annealCap).toBe(1);
        expect(t.betas?.at(-1)).toBeCloseTo(1, 6); // beta reached 1 at the last epoch
      }
      const best = snaps
        .slice(0, 2)
        .reduce((a, b) => (Math.max(...b.values) > Math.max(...a.values) ? b : a));
      const chosen = best.betas![best.values.indexOf(Math.max(...best.values))];
      for (const t of snaps.slice(2)) {
        expect(t.params.annealCap).toBe(chosen);
        expect(t.params.totalAnnealSteps).toBe(19);
        expect(Math.max(...t.betas!)).toBeLessThanOrEqual(chosen + 1e-12);
      }
      expect(snaps.slice(2).map((t) => t.params.lr)).toEqual([0.003, 0.01]);
    });
  });

  it('submitting the same sweep twice with one key creates one sweep', async () => {
    await withWorker(1, async (_queue, controller) => {
      const deps = { store: bed.store, controller, checkDataset: async () => undefined };
      const key = randomUUID();
      const small = spec({
        search: { method: 'random', trials: 1, seed: 2 },
        fixed: { dims: [8], batchSize: 200, epochs: 1 },
      });
      const [a, b] = await Promise.all([
        submitSweep(parseSweepSpec(small), deps, key),
        submitSweep(parseSweepSpec(small), deps, key),
      ]);
      bed.track(a.id);
      expect(a.id).toBe(b.id);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      await waitFor(a.id, ['completed']);
      expect(await bed.store.listTrials(a.id)).toHaveLength(1);
    });
  });

  it('a bad configuration is refused at submit; one stored anyway (an older API) fails its trial and the sweep goes on', async () => {
    await withWorker(1, async (_queue, controller) => {
      const deps = { store: bed.store, controller, checkDataset: async () => undefined };
      const bad = spec({
        search: { method: 'grid' },
        space: { keepProb: { type: 'choice', values: [0.5, 7] } },
        scheduler: { type: 'none' },
        fixed: { dims: [8], batchSize: 200, epochs: 1 },
      });
      await expect(submitSweep(parseSweepSpec(bad), deps)).rejects.toThrow(
        /invalid sweep spec: space\.keepProb: .*a value this distribution can produce/,
      );
      const { id } = await bed.store.createSweep(parseSweepSpec(bad), 2, undefined, controller.queueName);
      await controller.advance(id);
      bed.track(id);
      await waitFor(id, ['completed']);
      const trials = await bed.store.listTrials(id);
      expect(trials.map((t) => t.state)).toEqual(['completed', 'failed']);
      expect(trials[1].reason).toMatch(/invalid trial config: keepProb/);
    });
  });

  it('cancelling stops running trials at the next epoch and removes waiting ones', async () => {
    await withWorker(1, async (queue, controller) => {
      const deps = { store: bed.store, controller, checkDataset: async () => undefined };
      const long = spec({
        scheduler: { type: 'none' },
        fixed: { dims: [32, 8], batchSize: 50, epochs: 200, totalAnnealSteps: 20 },
      });
      const { id } = await submitSweep(parseSweepSpec({ ...long, limits: { maxConcurrent: 2 } }), deps);
      bed.track(id);
      const t0 = Date.now();
      while (((await bed.store.getTrial(id, 0))?.epochs ?? 0) < 1) {
        if (Date.now() - t0 > 60_000) throw new Error('trial 0 never finished an epoch');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await cancelSweep(id, { store: bed.store, queue })).toBe(true);
      await waitFor(id, ['cancelled']);
      const t1 = Date.now();
      let trials = await bed.store.listTrials(id);
      while (trials.some((t) => t.state === 'queued' || t.state === 'running')) {
        if (Date.now() - t1 > 60_000) throw new Error('trials still running after cancel');
        await new Promise((r) => setTimeout(r, 50));
        trials = await bed.store.listTrials(id);
      }
      expect(trials.map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
      expect(trials[0].epochs).toBeLessThan(200);
      expect(trials[1].reason).toBe('sweep cancelled before it started');
      expect(await queue.getWaitingCount()).toBe(0);
      expect(await cancelSweep('sw_nope', { store: bed.store, queue })).toBe(false);
    });
  });

  it('prepares a registered dataset on the datasets queue; a sweep on a dataset not ready is refused', async () => {
    await withWorker(1, async (_queue, controller, { core, handle }) => {
      const { datasetsQueue, datasetStore } = core;
      const worker = new Worker(datasetsQueue.name, (job) => handle(job), { connection: bed.connection() });
      const good = `good-${randomUUID().slice(0, 8)}`;
      const bad = `bad-${randomUUID().slice(0, 8)}`;
      bed.trackDataset(good);
      bed.trackDataset(bad);
      // Registered with no stored source (as before raw sources went to the artifact store): the
      // worker prepares from the path.
      const deps = { datasets: datasetStore, queue: datasetsQueue };
      expect(
        await registerDataset(good, bed.csv, { format: 'movielens-csv', heldoutUsers: 60 }, deps),
      ).toEqual({
        generation: expect.any(Number),
      });
      expect(await registerDataset(good, bed.csv, {}, deps)).toBeNull();
      await registerDataset(bad, join(bed.root, 'missing.csv'), { format: 'movielens-csv' }, deps);
      const t0 = Date.now();
      while (
        (await datasetStore.get(good))?.state !== 'ready' ||
        (await datasetStore.get(bad))?.state !== 'failed'
      ) {
        if (Date.now() - t0 > 60_000) throw new Error('datasets not prepared');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await datasetStore.get(good))?.stats).toMatchObject({ users: { validation: 60, test: 60 } });
      expect((await datasetStore.get(bad))?.error).toMatch(/missing\.csv: file not found or not readable/);
      const check = requireReadyDataset(datasetStore);
      const submit = (dataset: string) =>
        submitSweep(parseSweepSpec({ ...spec(), dataset }), {
          store: bed.store,
          controller,
          checkDataset: check,
        });
      await expect(submit(bad)).rejects.toThrow(
        `invalid sweep spec: dataset: dataset "${bad}" is failed, not ready`,
      );
      await expect(submit('nope')).rejects.toThrow(
        'invalid sweep spec: dataset: dataset "nope" is not registered',
      );
      await worker.close();
    });
  });

  it('keeps the checkpoints its policy asks for', async () => {
    await withWorker(1, async (_queue, controller) => {
      const deps = { store: bed.store, controller, checkDataset: async () => undefined };
      const { id } = await submitSweep(
        parseSweepSpec(
          spec({
            search: { method: 'grid' },
            space: { lr: { type: 'choice', values: [1e-3, 3e-3, 1e-2] } },
            scheduler: { type: 'none' },
            fixed: { dims: [8], batchSize: 200, epochs: 1 },
            limits: { maxConcurrent: 1 },
            checkpoints: { keepFinished: 1, keepAfterEnd: 1 },
          }),
        ),
        deps,
      );
      bed.track(id);
      await waitFor(id, ['completed']);
      const [best] = await bed.store.leaderboard(id, 1);
      expect(await bed.artifacts.listCheckpoints(id)).toEqual([
        { trialNo: best.trial, attempts: [FIRST_ATTEMPT] },
      ]);
      expect(existsSync(join(bed.artifacts.modelDir(id), 'checkpoint.json'))).toBe(true);
    });
  });
});
