import { FIRST_ATTEMPT, type ArtifactStore } from '@vaecf/artifacts';
import {
  ConfigError,
  resolveTrialConfig,
  saveCheckpoint,
  Trainer,
  TrainingAbortedError,
  TrainingDivergedError,
  type EpochReport,
  type TrialConfigInput,
} from '@vaecf/cf';
import { decideAfterEpoch, type SweepStore, type TrialJobData, type TrialProgress } from '@vaecf/queue';
import { FINAL_STATES, type ObjectiveMetric, type SweepSpec } from '@vaecf/sweep';
import { checkpointAttemptOf } from './checkpoint-attempt';
import { openTrainer } from './checkpoint-recovery';
import type { DatasetCache } from './dataset-cache';

export interface TrialContext {
  readonly store: SweepStore;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetCache;
  readonly workerId: string;
  readonly backend: string;
  /** Aborts between minibatches (graceful shutdown): the job is handed back. */
  readonly signal?: AbortSignal;
  readonly progress: (p: TrialProgress) => Promise<void>;
}

export type TrialOutcome = 'completed' | 'pruned' | 'failed' | 'cancelled';

/** Thrown when a shutdown interrupts a trial: the job should run again elsewhere, from its checkpoint. */
export class HandedBackError extends Error {
  constructor(sweepId: string, trialNo: number, epochsKept: number) {
    super(`trial ${sweepId}:${trialNo} handed back at shutdown; ${epochsKept} epochs are checkpointed`);
    this.name = 'HandedBackError';
  }
}

/**
 * Trains one trial epoch by epoch: resumes from its checkpoint if a previous
 * attempt left one, and after every epoch records the epoch, checkpoints,
 * reports progress and asks the sweep's scheduler whether to go on.
 * Bad configurations and divergence end the trial as failed (the sweep goes
 * on); only infrastructure errors propagate, so that BullMQ retries the job.
 */
export async function runTrial(job: TrialJobData, ctx: TrialContext): Promise<TrialOutcome> {
  const { sweepId, trialNo } = job;
  const { store } = ctx;
  const [sweep, trial] = await Promise.all([store.getSweep(sweepId), store.getTrial(sweepId, trialNo)]);
  if (!sweep || !trial) return 'cancelled'; // deleted meanwhile
  if (FINAL_STATES.has(trial.state)) return trial.state as TrialOutcome;
  if (sweep.state === 'cancelled') return end(ctx, job, 'cancelled', 'sweep cancelled');
  const { spec } = sweep;

  let config;
  try {
    config = resolveTrialConfig({
      ...trial.params,
      epochs: trialEpochs(spec, trial.params),
    } as TrialConfigInput);
  } catch (e) {
    if (e instanceof ConfigError) return end(ctx, job, 'failed', e.message);
    throw e;
  }
  const data = await ctx.datasets.get(spec.dataset);
  // This run's checkpoints go under its own attempt; a resume reads the trial's current one.
  const attempt = FIRST_ATTEMPT;
  const from = { sweepId, trialNo, attempt: checkpointAttemptOf(trial) };
  const trainer = await openTrainer(ctx.artifacts, from, data, config, trial.epochs, async (d) => {
    const note = `${d.problem}; ${d.movedTo ? `moved aside to ${d.movedTo}, ` : ''}restarted from epoch 0`;
    process.stdout.write(`trial ${sweepId}:${trialNo}: ${note}\n`);
    await store.restartTrialFromScratch(sweepId, trialNo, note);
  });
  const workDir = ctx.artifacts.checkpointWorkDir(sweepId, trialNo, attempt);
  try {
    // The checkpoint is the truth: epochs reported past it are forgotten, epochs it holds but the
    // store lacks (a crash between the save and the report) are reported now.
    await store.truncateHistory(sweepId, trialNo, trainer.epochsDone);
    const objective = (r: EpochReport) => r.validation[spec.objective.metric];
    for (const r of trainer.history) await store.recordEpoch(sweepId, trialNo, r.epoch, r, objective(r));
    await store.startTrial(sweepId, trialNo, { worker: ctx.workerId, backend: ctx.backend });
    while (!trainer.finished) {
      const report = await trainer.runEpoch({ signal: ctx.signal });
      // Aborted during validation: write nothing more (an orphaned child no longer owns the trial).
      if (ctx.signal?.aborted) throw new HandedBackError(sweepId, trialNo, trainer.epochsDone - 1);
      await saveCheckpoint(workDir, trainer.checkpoint(), { itemIds: data.itemIds });
      await ctx.artifacts.commitCheckpoint(sweepId, trialNo, attempt);
      await store.recordEpoch(
        sweepId,
        trialNo,
        report.epoch,
        { ...report, worker: ctx.workerId },
        objective(report),
      );
      await ctx.progress(progressOf(report, trainer, spec.objective.metric));
      if ((await store.getSweep(sweepId))?.state === 'cancelled')
        return end(ctx, job, 'cancelled', `sweep cancelled after epoch ${report.epoch}`);
      const decision = await decideAfterEpoch(store, spec, {
        ...job,
        params: trial.params,
        values: trainer.history.map(objective),
        maxEpochs: trainer.config.epochs,
      });
      if (decision === 'stop') {
        return end(ctx, job, 'pruned', `stopped by ${spec.scheduler.type} after epoch ${report.epoch}`);
      }
    }
    return end(ctx, job, 'completed');
  } catch (e) {
    if (e instanceof TrainingDivergedError) return end(ctx, job, 'failed', e.message);
    if (e instanceof TrainingAbortedError) throw new HandedBackError(sweepId, trialNo, trainer.epochsDone);
    throw e;
  } finally {
    trainer.dispose();
    await ctx.artifacts.closeCheckpointWorkDir(sweepId, trialNo, attempt);
  }
}

async function end(
  ctx: TrialContext,
  job: TrialJobData,
  outcome: TrialOutcome,
  reason?: string,
): Promise<TrialOutcome> {
  await ctx.store.finishTrial(job.sweepId, job.trialNo, outcome, reason);
  return outcome;
}

/** A trial runs its config's epochs, capped by ASHA's maxEpochs. */
function trialEpochs(spec: SweepSpec, params: Record<string, unknown>): number | undefined {
  const own = typeof params.epochs === 'number' ? params.epochs : undefined;
  if (spec.scheduler.type === 'asha' && spec.scheduler.maxEpochs !== undefined) {
    return Math.min(own ?? spec.scheduler.maxEpochs, spec.scheduler.maxEpochs);
  }
  return own;
}

function progressOf(r: EpochReport, trainer: Trainer, metric: ObjectiveMetric): TrialProgress {
  return {
    epoch: r.epoch,
    epochs: trainer.config.epochs,
    ndcg100: r.validation.ndcg100,
    recall20: r.validation.recall20,
    recall50: r.validation.recall50,
    loss: r.loss,
    usersPerSecond: r.usersPerSecond,
    trainSeconds: r.trainSeconds,
    best: (trainer.bestSnapshot ?? r).validation[metric],
  };
}
