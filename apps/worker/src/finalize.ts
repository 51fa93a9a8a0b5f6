import { checkpointsToDelete, type ArtifactStore } from '@vaecf/artifacts';
import {
  CheckpointError,
  encodePerUser,
  evaluate,
  loadBestWeights,
  perUserOf,
  scorerFromWeights,
  splitIdentity,
} from '@vaecf/cf';
import { loadEngine } from '@vaecf/engine';
import type { SweepRecord, SweepStore } from '@vaecf/queue';
import type { SweepSpec } from '@vaecf/sweep';
import { checkpointAttemptOf } from './checkpoint-attempt';
import type { DatasetCache } from './dataset-cache';
import { evaluationEngine, type WorkerEngines } from './engines';
import { fitSweepBaselines, perUserResultName } from './sweep-baselines';

/**
 * Ends a sweep whose trials have all ended: the best trial (by the
 * objective) with a usable checkpoint has its best weights evaluated once
 * on the test split, that checkpoint becomes the sweep's model, and the
 * other checkpoints go. A trial whose checkpoint is missing or fails
 * verification is skipped (noted on the trial and the sweep) and the next
 * one is tried; the sweep fails only when no trial has a usable checkpoint.
 * The trial already promoted (an extended sweep) is read from the model it
 * was promoted to, since the keep policy may have pruned its checkpoint.
 * Safe to run twice (a retried job): every step overwrites the same result.
 */
export async function finalizeSweep(
  sweepId: string,
  deps: {
    store: SweepStore;
    artifacts: ArtifactStore;
    datasets: DatasetCache;
    engines: WorkerEngines;
    baselineMemoryLimitBytes?: number;
  },
): Promise<void> {
  const { store, artifacts } = deps;
  const sweep = await store.getSweep(sweepId);
  if (!sweep || sweep.state === 'completed' || sweep.state === 'cancelled') return;
  const ranked = await store.leaderboard(sweepId, Math.max(1, sweep.nextTrial));
  if (ranked.length === 0) {
    await store.setSweepState(sweepId, 'failed', { error: 'no trial finished an epoch' }, ['finalizing']);
    return;
  }
  const found = await bestUsableCheckpoint(sweep, ranked, deps);
  const note = found.skipped.length ? `skipped at finalize: ${found.skipped.join('; ')}` : undefined;
  if (!found.best) {
    const error = `no trial has a usable checkpoint (${found.skipped.join('; ')})`;
    await store.setSweepState(sweepId, 'failed', { error }, ['finalizing']);
    return;
  }
  const { trial: bestTrial, attempt, ckpt, promoted } = found.best;
  const { spec } = sweep;
  const data = await deps.datasets.get(spec.dataset);
  const { engine } = await loadEngine(evaluationEngine(spec, deps.engines));
  const model = await scorerFromWeights(ckpt.config, ckpt.nItems, ckpt.weights, engine);
  try {
    const test = await evaluate(model, data.test, { batchSize: ckpt.config.evalBatchSize, perUser: true });
    // The per-user test metrics, kept for paired comparisons with the baselines and other sweeps on this split.
    const split = splitIdentity(data.test);
    const best = perUserOf(test, split);
    await artifacts.putSweepResult(sweepId, perUserResultName('best'), encodePerUser(best));
    const { baselines, comparisons } = await fitSweepBaselines(sweepId, spec, data, best, deps, engine);
    if (!promoted) await artifacts.promoteModel(sweepId, bestTrial, attempt);
    await pruneAfterEnd(sweepId, spec, deps);
    const metrics = {
      ndcg100: test.ndcg100,
      recall20: test.recall20,
      recall50: test.recall50,
      users: test.users,
    };
    await store.setSweepState(
      sweepId,
      'completed',
      { bestTrial, test: metrics, note, baselines, split, comparisons },
      ['finalizing'],
    );
  } finally {
    await model.dispose();
  }
}

type BestWeights = Awaited<ReturnType<typeof loadBestWeights>>;

/** The first trial, in leaderboard order, whose best weights load and verify; and those skipped. */
async function bestUsableCheckpoint(
  sweep: SweepRecord,
  ranked: readonly { trial: number }[],
  deps: { store: SweepStore; artifacts: ArtifactStore },
): Promise<{
  best?: { trial: number; attempt: number; ckpt: BestWeights; promoted: boolean };
  skipped: string[];
}> {
  const skipped: string[] = [];
  const records = new Map((await deps.store.listTrials(sweep.id)).map((t) => [t.no, t]));
  for (const { trial } of ranked) {
    const promoted = trial === sweep.bestTrial;
    const attempt = checkpointAttemptOf(records.get(trial));
    try {
      const local = promoted
        ? await deps.artifacts.openModel(sweep.id)
        : await deps.artifacts.openCheckpoint(sweep.id, trial, attempt);
      if (!local)
        throw new CheckpointError(
          `${sweep.id}/trials/${trial}/${attempt}`,
          'no checkpoint.json (none saved, or deleted)',
        );
      try {
        return { best: { trial, attempt, ckpt: await loadBestWeights(local.dir), promoted }, skipped };
      } finally {
        local.release();
      }
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      const why = `unusable at finalize: ${e.message}`;
      process.stdout.write(`sweep ${sweep.id}: trial ${trial} skipped, checkpoint ${why}\n`);
      await deps.store.noteTrialCheckpoint(sweep.id, trial, why);
      skipped.push(`trial ${trial}: ${e.message}`);
    }
  }
  return { skipped };
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
