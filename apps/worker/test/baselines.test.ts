import { decodePerUser } from '@vaecf/cf';
import { submitSweep } from '@vaecf/orchestration';
import type { SweepRecord } from '@vaecf/store';
import { parseSweepSpec, type SweepSpecInput } from '@vaecf/sweep';
import { describe, expect, it } from 'vitest';
import { perUserResultName } from '../src/sweep-baselines';
import { useJobBed } from './job-bed';

/** Baselines at finalize: real Redis, a real dataset and checkpoints, a BullMQ worker in this process. */
const bed = useJobBed('baselines', 'ds1', { users: 500, items: 200, seed: 3, heldoutUsers: 60 });

/** Runs a 2-trial sweep to its end and returns its record (waits on the sweep's state, not on a clock). */
async function runSweep(
  extra: Partial<SweepSpecInput>,
  baselineMemoryLimitBytes?: number,
): Promise<SweepRecord> {
  const { store } = bed;
  return bed.withJobLine(
    async ({ core, finalized }) => {
      const { id } = await submitSweep(
        parseSweepSpec({
          dataset: 'ds1',
          model: 'vae',
          fixed: { dims: [32, 8], batchSize: 100, epochs: 2, totalAnnealSteps: 20 },
          space: { lr: { type: 'choice', values: [3e-3, 3e-2] } },
          limits: { maxConcurrent: 1 },
          ...extra,
        }),
        { store, controller: core.controller, checkDataset: async () => undefined },
      );
      bed.track(id);
      await finalized;
      return (await store.getSweep(id))!;
    },
    { baselineMemoryLimitBytes },
  );
}

describe('baselines at finalize', () => {
  it('fits popularity and EASE (lambda chosen on validation) on the same split and compares the best trial with each', async () => {
    const s = await runSweep({ baselines: ['popularity', { model: 'ease', lambdas: [10, 100, 1000] }] });
    expect(s.state).toBe('completed');
    expect(s.baselines!.map((b) => [b.model, b.status])).toEqual([
      ['popularity', 'completed'],
      ['ease', 'completed'],
    ]);
    const ease = s.baselines![1];
    expect(ease.grid!.map((g) => g.lambda)).toEqual([10, 100, 1000]);
    const bestValidation = Math.max(...ease.grid!.map((g) => g.validation.ndcg100));
    expect(ease.grid!.find((g) => g.lambda === ease.lambda)!.validation.ndcg100).toBe(bestValidation);
    expect(ease.test!.users).toBe(s.test!.users);

    // Per-user vectors: the best trial's and each baseline's, on the sweep's split.
    const best = decodePerUser((await bed.artifacts.getSweepResult(s.id, perUserResultName('best')))!);
    const pop = decodePerUser((await bed.artifacts.getSweepResult(s.id, perUserResultName('popularity')))!);
    expect(best.split).toBe(s.split);
    expect(pop.split).toBe(s.split);
    expect(best.values.ndcg100).toHaveLength(60);

    expect(s.comparisons!.map((c) => c.against)).toEqual([
      { kind: 'baseline', model: 'popularity' },
      { kind: 'baseline', model: 'ease' },
    ]);
    const c = s.comparisons![0].metrics.ndcg100;
    expect(c.meanA).toBeCloseTo(s.test!.ndcg100, 5);
    expect(c.meanB).toBeCloseTo(s.baselines![0].test!.ndcg100, 5);
    expect(c.ci[0]).toBeLessThanOrEqual(c.difference);
    expect(c.ci[1]).toBeGreaterThanOrEqual(c.difference);
    expect(c.pValue).toBeGreaterThanOrEqual(0);
    expect(c.pValue).toBeLessThanOrEqual(1);
    expect(s.comparisons![0].bootstrap).toEqual({ resamples: 10_000, seed: 20180423, level: 0.95 });
  });

  it('skips EASE beyond the baseline memory limit with the reason, and still completes', async () => {
    const s = await runSweep({ baselines: ['ease', 'popularity'] }, 2 ** 20);
    expect(s.state).toBe('completed');
    expect(s.baselines![0]).toEqual({
      model: 'ease',
      status: 'skipped',
      reason: expect.stringMatching(/EASE needs about \d+ MB for 200 items.*BASELINE_MEMORY_LIMIT_MB/),
    });
    expect(s.comparisons!.map((c) => c.against)).toEqual([{ kind: 'baseline', model: 'popularity' }]);
  });

  it('fits none with baselines: []', async () => {
    const s = await runSweep({ baselines: [] });
    expect(s.state).toBe('completed');
    expect(s.baselines).toEqual([]);
    expect(s.comparisons).toEqual([]);
    expect(await bed.artifacts.getSweepResult(s.id, perUserResultName('best'))).not.toBeNull();
  });
});
