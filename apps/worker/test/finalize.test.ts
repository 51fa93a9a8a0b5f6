import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIRST_ATTEMPT } from '@vaecf/artifacts';
import { loadBestWeights } from '@vaecf/cf';
import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { describe, expect, it } from 'vitest';
import { useJobBed } from './job-bed';

/**
 * Finalizing when the best trials' checkpoints are damaged: real Redis, real
 * checkpoint files, a BullMQ worker in this process. Just before the
 * finalize job runs, the test damages the checkpoints it names.
 */
const bed = useJobBed('finalize', 'ds1', { users: 500, items: 200, seed: 3, heldoutUsers: 60 });

/** How the test damages trial checkpoints, by leaderboard rank (0 = best), before finalize runs. */
type Damage = 'corrupt' | 'delete';

async function damage(sweepId: string, plan: Damage[]): Promise<void> {
  const ranked = await bed.store.leaderboard(sweepId, 100);
  for (const [rank, how] of plan.entries()) {
    const dir = bed.artifacts.checkpointWorkDir(sweepId, ranked[rank].trial, FIRST_ATTEMPT);
    if (how === 'delete') {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    // The file the manifest reads the best weights from (the state file when the last epoch was best).
    const best = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')).best.weights.file;
    const bytes = await readFile(join(dir, best));
    for (let i = 0; i < 32; i++) bytes[i * 5] ^= 0xff;
    await writeFile(join(dir, best), bytes);
  }
}

/** Runs a 3-trial sweep to its end; `plan` is applied just before the finalize job. */
async function sweepWith(plan: Damage[]) {
  return bed.withJobLine(
    async ({ core }) => {
      const { id } = await submitSweep(
        parseSweepSpec({
          dataset: 'ds1',
          model: 'vae',
          fixed: { dims: [32, 8], batchSize: 100, epochs: 2, totalAnnealSteps: 20 },
          space: { lr: { type: 'choice', values: [3e-4, 3e-3, 3e-2] } },
          limits: { maxConcurrent: 1 },
        }),
        { store: core.store, controller: core.controller, checkDataset: async () => undefined },
      );
      bed.track(id);
      const sweep = await bed.sweepIn(id, ['completed', 'failed'], 50_000);
      return { sweep, ranked: await bed.store.leaderboard(id) };
    },
    {
      beforeJob: async (job) => {
        if (job.name === 'finalize') await damage((job.data as { sweepId: string }).sweepId, plan);
      },
    },
  );
}

describe('finalizing a sweep whose best checkpoints are unusable', () => {
  it('skips a corrupt and a missing checkpoint, promotes the next best, and notes both', async () => {
    const { sweep, ranked } = await sweepWith(['corrupt', 'delete']);
    expect(ranked).toHaveLength(3);
    const [first, second, third] = ranked.map((r) => r.trial);
    expect(sweep.state).toBe('completed');
    expect(sweep.bestTrial).toBe(third);
    expect(sweep.test?.ndcg100).toBeGreaterThan(0);
    expect(sweep.note).toContain(`trial ${first}: checkpoint`);
    expect(sweep.note).toContain('is corrupt');
    expect(sweep.note).toContain(`trial ${second}: checkpoint`);
    expect((await bed.store.getTrial(sweep.id, first))!.checkpointNote).toMatch(/corrupt/);
    expect((await bed.store.getTrial(sweep.id, second))!.checkpointNote).toMatch(/no checkpoint\.json/);
    // The model is the third trial's checkpoint, and it loads.
    const model = await loadBestWeights(bed.artifacts.modelDir(sweep.id));
    expect(model.config.lr).toBe((await bed.store.getTrial(sweep.id, third))!.params.lr);
  });

  it('fails the sweep, saying why, when no trial has a usable checkpoint', async () => {
    const { sweep } = await sweepWith(['delete', 'corrupt', 'delete']);
    expect(sweep.state).toBe('failed');
    expect(sweep.error).toMatch(/^no trial has a usable checkpoint \(trial \d: checkpoint .*\)$/);
    expect(existsSync(join(bed.artifacts.modelDir(sweep.id), 'checkpoint.json'))).toBe(false);
  });
});
