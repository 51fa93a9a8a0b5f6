import { checkpointsToDelete, type ArtifactStore } from '@vaecf/artifacts';
import { evaluate, loadBestWeights, scorerFromWeights } from '@vaecf/cf';
import type { SweepStore } from '@vaecf/queue';
import type { SweepSpec } from '@vaecf/sweep';
import type { DatasetCache } from './dataset-cache';

/**
 * Ends a sweep whose trials have all ended: the best trial (by validation
 * NDCG@100) has its best checkpoint evaluated once on the test split, that
 * checkpoint becomes the sweep's model, and the other checkpoints go.
 * Safe to run twice (a retried job): every step overwrites the same result.
 */
export async function finalizeSweep(
  sweepId: string,
  deps: { store: SweepStore; artifacts: ArtifactStore; datasets: DatasetCache },
): Promise<void> {
  const { store, artifacts } = deps;
  const sweep = await store.getSweep(sweepId);
  if (!sweep || sweep.state === 'completed' || sweep.state === 'cancelled') return;
  const [best] = await store.leaderboard(sweepId, 1);
  if (!best) {
    await store.setSweepState(sweepId, 'failed', { error: 'no trial finished an epoch' });
    return;
  }
  const { spec } = sweep;
  if (sweep.bestTrial === best.trial && sweep.test) {
    // Extended, and no new trial beat the promoted one: its model and test metrics stand
    // (its own checkpoint may be gone by the keep policy; the model is its copy).
    await pruneAfterEnd(sweepId, spec, deps);
    await store.setSweepState(sweepId, 'completed', {}, ['finalizing']);
    return;
  }
  const data = await deps.datasets.get(spec.dataset);
  const ckpt = await loadBestWeights(artifacts.checkpointDir(sweepId, best.trial));
  const model = scorerFromWeights(ckpt.config, ckpt.nItems, ckpt.weights);
  try {
    const test = await evaluate(model, data.test, { batchSize: ckpt.config.evalBatchSize });
    await artifacts.promoteModel(sweepId, best.trial);
    await pruneAfterEnd(sweepId, spec, deps);
    await store.setSweepState(sweepId, 'completed', {
      bestTrial: best.trial,
      test: { ndcg100: test.ndcg100, recall20: test.recall20, recall50: test.recall50, users: test.users },
    });
  } finally {
    model.dispose();
  }
}

/** After the end: the checkpoints beyond `keepAfterEnd` go (the promoted model is a copy). */
async function pruneAfterEnd(
  sweepId: string,
  spec: SweepSpec,
  deps: { store: SweepStore; artifacts: ArtifactStore },
): Promise<void> {
  const trials = await deps.store.listTrials(sweepId);
  const doomed = checkpointsToDelete(
    trials.map((t) => ({ trialNo: t.no, running: false, best: t.best })),
    true,
    spec.checkpoints,
  );
  await deps.artifacts.deleteCheckpoints(sweepId, doomed);
}

/** While a sweep runs: applies its keepFinished policy to the checkpoints of finished trials. */
export async function pruneFinishedCheckpoints(
  sweepId: string,
  deps: { store: SweepStore; artifacts: ArtifactStore },
): Promise<void> {
  const sweep = await deps.store.getSweep(sweepId);
  if (!sweep) return;
  const policy = sweep.spec.checkpoints;
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
