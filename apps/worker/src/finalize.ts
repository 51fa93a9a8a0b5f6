import { checkpointsToDelete, type ArtifactStore } from '@vaecf/artifacts';
import {
  CheckpointError,
  encodePerUser,
  evaluate,
  loadBestWeights,
  meanPerUser,
  perUserOf,
  type PerUserMetrics,
  scorerFromWeights,
  splitIdentity,
} from '@vaecf/cf';
import { loadEngine, type Engine } from '@vaecf/engine';
import type {
  BestConfigurationRecord,
  StoredMetrics,
  SweepRecord,
  SweepStore,
  TrialRecord,
} from '@vaecf/store';
import { summarizeConfigurations, type ConfigurationSummary, type SweepSpec } from '@vaecf/sweep';
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
  const records = await store.listTrials(sweepId);
  // Configurations by the mean of their seeds' best validation values; within one, its best seed first.
  const configurations = summarizeConfigurations(records, sweep.spec.limits.repeats);
  const byNo = new Map(records.map((t) => [t.no, t]));
  const ranked = configurations.flatMap((c) =>
    c.trials
      .map((no) => byNo.get(no))
      // A cancelled trial is never the sweep's best (it left the leaderboard).
      .filter((t): t is TrialRecord => t?.best !== undefined && t.state !== 'cancelled')
      .sort((a, b) => (b.best ?? 0) - (a.best ?? 0) || a.no - b.no)
      .map((t) => ({ trial: t.no })),
  );
  if (ranked.length === 0) {
    await store.setSweepState(sweepId, 'failed', { error: 'no trial finished an epoch' }, ['finalizing']);
    return;
  }
  const found = await bestUsableCheckpoint(sweep, ranked, deps, byNo);
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
  const split = splitIdentity(data.test);
  const configuration = configurations.find((c) => c.trials.includes(bestTrial)) as ConfigurationSummary;
  const model = await scorerFromWeights(ckpt.config, ckpt.nItems, ckpt.weights, engine);
  try {
    const own = await evaluate(model, data.test, { batchSize: ckpt.config.evalBatchSize, perUser: true });
    // The other completed seeds of the best configuration, each on the test split (a seed
    // whose checkpoint is unusable is left out and noted): the comparison's vector is their
    // per-user mean, so a configuration is compared as what it is, not as its luckiest seed.
    const seeds = await otherSeeds(sweep, configuration, bestTrial, byNo, deps, engine, data.test);
    const tested = [{ trial: bestTrial, test: own, vector: perUserOf(own, split) }, ...seeds.tested];
    const best = meanPerUser(tested.map((t) => t.vector));
    await artifacts.putSweepResult(sweepId, perUserResultName('best'), encodePerUser(best));
    const { baselines, comparisons } = await fitSweepBaselines(
      sweepId,
      spec,
      data,
      best,
      deps,
      engine,
      tested.length,
    );
    if (!promoted) await artifacts.promoteModel(sweepId, bestTrial, attempt);
    // The best configuration's other tested seeds keep their checkpoints: a finalize after an
    // extend tests them again (the best seed's lives on as the sweep's model).
    await pruneAfterEnd(
      sweepId,
      spec,
      deps,
      seeds.tested.map((t) => t.trial),
    );
    const metrics = meanMetrics(tested.map((t) => t.test));
    const bestConfiguration: BestConfigurationRecord = {
      configuration: configuration.configuration,
      trials: configuration.trials,
      seeds: configuration.seeds,
      mean: configuration.mean,
      ...(configuration.sd === undefined ? {} : { sd: configuration.sd }),
      tested: tested.map((t) => t.trial),
    };
    const notes = [
      note,
      seeds.skipped.length ? `seeds left out of the test: ${seeds.skipped.join('; ')}` : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    await store.setSweepState(
      sweepId,
      'completed',
      {
        bestTrial,
        bestConfiguration,
        test: metrics,
        note: notes || undefined,
        baselines,
        split,
        comparisons,
      },
      ['finalizing'],
    );
  } finally {
    await model.dispose();
  }
}

/** The test metrics of several seeds: their means (one seed: its own). */
function meanMetrics(
  results: readonly { ndcg100: number; recall20: number; recall50: number; users: number }[],
): StoredMetrics {
  const mean = (k: 'ndcg100' | 'recall20' | 'recall50') =>
    results.reduce((s, r) => s + r[k], 0) / results.length;
  return {
    ndcg100: mean('ndcg100'),
    recall20: mean('recall20'),
    recall50: mean('recall50'),
    users: results[0].users,
  };
}

/**
 * The completed seeds of `configuration` other than the best trial, each
 * evaluated on the test split from its best weights; a seed whose
 * checkpoint is missing or fails verification is skipped with the reason.
 */
async function otherSeeds(
  sweep: SweepRecord,
  configuration: ConfigurationSummary,
  bestTrial: number,
  byNo: ReadonlyMap<number, TrialRecord>,
  deps: { artifacts: ArtifactStore },
  engine: Engine,
  test: Parameters<typeof evaluate>[1],
): Promise<{
  tested: { trial: number; test: Awaited<ReturnType<typeof evaluate>>; vector: PerUserMetrics }[];
  skipped: string[];
}> {
  const tested = [];
  const skipped: string[] = [];
  const split = splitIdentity(test);
  for (const no of configuration.trials) {
    const t = byNo.get(no);
    if (no === bestTrial || t?.state !== 'completed') continue;
    const attempt = checkpointAttemptOf(t);
    try {
      const local = await deps.artifacts.openCheckpoint(sweep.id, no, attempt);
      if (!local)
        throw new CheckpointError(
          `${sweep.id}/trials/${no}/${attempt}`,
          'no checkpoint.json (none saved, or deleted)',
        );
      let ckpt: BestWeights;
      try {
        ckpt = await loadBestWeights(local.dir);
      } finally {
        local.release();
      }
      const model = await scorerFromWeights(ckpt.config, ckpt.nItems, ckpt.weights, engine);
      try {
        const r = await evaluate(model, test, { batchSize: ckpt.config.evalBatchSize, perUser: true });
        tested.push({ trial: no, test: r, vector: perUserOf(r, split) });
      } finally {
        await model.dispose();
      }
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      skipped.push(`trial ${no}: ${e.message}`);
    }
  }
  return { tested, skipped };
}

type BestWeights = Awaited<ReturnType<typeof loadBestWeights>>;

/** The first trial, in leaderboard order, whose best weights load and verify; and those skipped. */
async function bestUsableCheckpoint(
  sweep: SweepRecord,
  ranked: readonly { trial: number }[],
  deps: { store: SweepStore; artifacts: ArtifactStore },
  records: ReadonlyMap<number, TrialRecord>,
): Promise<{
  best?: { trial: number; attempt: number; ckpt: BestWeights; promoted: boolean };
  skipped: string[];
}> {
  const skipped: string[] = [];
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

/**
 * After the end: the checkpoints beyond `keepAfterEnd` go (the promoted
 * model is a copy), except those of `keep` (the best configuration's other
 * seeds).
 */
async function pruneAfterEnd(
  sweepId: string,
  spec: SweepSpec,
  deps: { store: SweepStore; artifacts: ArtifactStore },
  keep: readonly number[],
): Promise<void> {
  const trials = await deps.store.listTrials(sweepId);
  const doomed = checkpointsToDelete(
    trials.map((t) => ({ trialNo: t.no, running: false, best: t.best })),
    true,
    spec.checkpoints,
  ).filter((no) => !keep.includes(no));
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
