import { checkpointsToDelete, type ArtifactStore } from '@vaecf/artifacts';
import { CheckpointError, evaluate, loadBestWeights, MultAutoencoder, Rng } from '@vaecf/cf';
import type { SweepStore } from '@vaecf/queue';
import { parseSweepSpec } from '@vaecf/sweep';
import type { DatasetCache } from './dataset-cache';

/**
 * Ends a sweep whose trials have all ended: the best trial (by validation
 * NDCG@100) with a usable checkpoint has its best weights evaluated once on
 * the test split, that checkpoint becomes the sweep's model, and the other
 * checkpoints go. A trial whose checkpoint is missing or fails verification
 * is skipped (noted on the trial and the sweep) and the next one is tried;
 * the sweep fails only when no trial has a usable checkpoint.
 * Safe to run twice (a retried job): every step overwrites the same result.
 */
export async function finalizeSweep(
  sweepId: string,
  deps: { store: SweepStore; artifacts: ArtifactStore; datasets: DatasetCache },
): Promise<void> {
  const { store, artifacts } = deps;
  const sweep = await store.getSweep(sweepId);
  if (!sweep || sweep.state === 'completed' || sweep.state === 'cancelled') return;
  const ranked = await store.leaderboard(sweepId, Math.max(1, sweep.nextTrial));
  if (ranked.length === 0) {
    await store.setSweepState(sweepId, 'failed', { error: 'no trial finished an epoch' });
    return;
  }
  const found = await bestUsableCheckpoint(sweepId, ranked, deps);
  const note = found.skipped.length ? `skipped at finalize: ${found.skipped.join('; ')}` : undefined;
  if (!found.best) {
    await store.setSweepState(sweepId, 'failed', {
      error: `no trial has a usable checkpoint (${found.skipped.join('; ')})`,
    });
    return;
  }
  const { trial: bestTrial, ckpt } = found.best;
  const spec = parseSweepSpec(sweep.spec);
  const data = await deps.datasets.get(spec.dataset);
  const model = new MultAutoencoder(ckpt.config, ckpt.nItems, Rng.fromSeed(0));
  try {
    model.setState(ckpt.weights, true);
    const test = await evaluate(model, data.test, { batchSize: ckpt.config.evalBatchSize });
    await artifacts.promoteModel(sweepId, bestTrial);
    const trials = await store.listTrials(sweepId);
    const doomed = checkpointsToDelete(
      trials.map((t) => ({ trialNo: t.no, running: false, best: t.best })),
      true,
      spec.checkpoints,
    );
    await artifacts.deleteCheckpoints(sweepId, doomed);
    await store.setSweepState(sweepId, 'completed', {
      bestTrial,
      test: { ndcg100: test.ndcg100, recall20: test.recall20, recall50: test.recall50, users: test.users },
      note,
    });
  } finally {
    model.dispose();
  }
}

type BestWeights = Awaited<ReturnType<typeof loadBestWeights>>;

/** The first trial, in leaderboard order, whose best weights load and verify; and those skipped. */
async function bestUsableCheckpoint(
  sweepId: string,
  ranked: readonly { trial: number }[],
  deps: { store: SweepStore; artifacts: ArtifactStore },
): Promise<{ best?: { trial: number; ckpt: BestWeights }; skipped: string[] }> {
  const skipped: string[] = [];
  for (const { trial } of ranked) {
    try {
      return {
        best: { trial, ckpt: await loadBestWeights(deps.artifacts.checkpointDir(sweepId, trial)) },
        skipped,
      };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      const why = `unusable at finalize: ${e.message}`;
      process.stdout.write(`sweep ${sweepId}: trial ${trial} skipped, checkpoint ${why}\n`);
      await deps.store.noteTrialCheckpoint(sweepId, trial, why);
      skipped.push(`trial ${trial}: ${e.message}`);
    }
  }
  return { skipped };
}

/** While a sweep runs: applies its keepFinished policy to the checkpoints of finished trials. */
export async function pruneFinishedCheckpoints(
  sweepId: string,
  deps: { store: SweepStore; artifacts: ArtifactStore },
): Promise<void> {
  const sweep = await deps.store.getSweep(sweepId);
  if (!sweep) return;
  const policy = parseSweepSpec(sweep.spec).checkpoints;
  if (policy.keepFinished === undefined) return;
  const trials = await deps.store.listTrials(sweepId);
  const doomed = checkpointsToDelete(
    trials.map((t) => ({
      trialNo: t.no,
      running: t.state === 'queued' || t.state === 'running',
      best: t.best,
    })),
    false,
    policy,
  );
  await deps.artifacts.deleteCheckpoints(sweepId, doomed);
}
