import type { ArtifactStore } from '@vaecf/artifacts';
import {
  CheckpointConfigMismatchError,
  ConfigError,
  resolveTrialConfig,
  saveCheckpoint,
  Trainer,
  TrainingAbortedError,
  TrainingDivergedError,
  type EpochReport,
  type TrainerCheckpoint,
  type TrialConfigInput,
} from '@vaecf/cf';
import { EngineUnavailableError, loadEngine, type Engine, type EngineRequest } from '@vaecf/engine';
import { decideAfterEpoch, type TrialJobData, type TrialProgress } from '@vaecf/orchestration';
import { FencedWriteError, type SweepRecord, type SweepStore, type TrialFence } from '@vaecf/store';
import { FINAL_STATES, runSettingsOf, type ObjectiveMetric, type SweepSpec } from '@vaecf/sweep';
import { checkpointAttemptOf } from './checkpoint-attempt';
import { CheckpointPipeline } from './checkpoint-pipeline';
import { openTrainer } from './checkpoint-recovery';
import type { DatasetCache } from './dataset-cache';
import { describeEngine, engineChangesAfter, planTrialEngine, type WorkerEngines } from './engines';
import type { LeaseWatch } from './lease-watch';
import type { TrialHold } from './test-hold';

export interface TrialContext {
  readonly store: SweepStore;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetCache;
  readonly workerId: string;
  readonly engines: WorkerEngines;
  /** Aborts between minibatches (graceful shutdown): the job is handed back. */
  readonly signal?: AbortSignal;
  readonly progress: (p: TrialProgress) => Promise<void>;
  /** Watches that this process still owns the trial once it claimed `fence` (lease-watch.ts). */
  readonly watchLease?: (fence: TrialFence) => LeaseWatch;
  /** Tests only: holds the trial before an epoch's first write (WORKER_TEST_HOLD, test-hold.ts). */
  readonly hold?: TrialHold;
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
 * Thrown before a trial is claimed when its sweep fixes an engine this
 * worker cannot load: the job goes back to the queue (delayed, no attempt
 * spent, the trial unclaimed) for a worker that can.
 */
export class EngineHandBackError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EngineHandBackError';
  }
}

/**
 * Trains one trial epoch by epoch: claims the trial's next attempt (its
 * fencing token, carried by every write from then on), resumes from its
 * checkpoint if a previous attempt left one, and after every epoch records
 * its progress, starts its checkpoint (written, committed and recorded with
 * the epoch while the next epoch trains: checkpoint-pipeline.ts) and asks
 * the sweep's scheduler whether to go on. Bad configurations and divergence
 * end the trial as failed (the sweep goes on); only infrastructure errors
 * propagate, so that BullMQ retries the job. A trial that changed hands
 * ends here with a LeaseLostError (its lease watcher) or a FencedWriteError
 * (a write refused): nothing more is written.
 */
export async function runTrial(job: TrialJobData, ctx: TrialContext): Promise<TrialOutcome> {
  const { sweepId, trialNo } = job;
  const { store } = ctx;
  const [sweep, trial] = await Promise.all([store.getSweep(sweepId), store.getTrial(sweepId, trialNo)]);
  if (!sweep || !trial) return 'cancelled'; // deleted meanwhile
  if (FINAL_STATES.has(trial.state)) return trial.state as TrialOutcome;
  const plan = planTrialEngine(runSettingsOf(sweep.spec), trial.engine, ctx.engines, ctx.workerId);
  if (plan.kind === 'hand-back') {
    await store.noteEngineWait(sweepId, trialNo, plan.reason);
    throw new EngineHandBackError(`trial ${sweepId}:${trialNo}: ${plan.reason}`);
  }
  const fence = await store.claimTrialAttempt(sweepId, trialNo, ctx.workerId);
  if (!fence) return 'cancelled'; // deleted meanwhile
  // The record's attempt (the fencing token), the number the API and the CSV show.
  process.stdout.write(`trial ${sweepId}:${trialNo}: attempt ${fence.attempt} claimed by ${fence.owner}\n`);
  const lease = ctx.watchLease?.(fence);
  try {
    return await runClaimedTrial(job, ctx, sweep, fence, lease?.signal, plan.request);
  } catch (e) {
    // Deleted meanwhile: whatever stopped the trial (its lease watcher, finding the trial gone, or
    // a checkpoint written into a directory the delete removed) is the delete, which ends it.
    if (await sweepGone(store, sweepId)) return 'cancelled';
    // A write refused says most (the new owner); else, stopped by the lease watcher: say so,
    // rather than as a hand-back.
    if (!(e instanceof FencedWriteError) && lease?.signal.aborted) throw lease.signal.reason as Error;
    throw e;
  } finally {
    lease?.stop();
    await removeIfDeleted(ctx, sweepId, `trial ${sweepId}:${trialNo}`);
  }
}

/** Whether the sweep's record is gone (deleted); false when Redis cannot tell. */
async function sweepGone(store: SweepStore, sweepId: string): Promise<boolean> {
  return (await store.sweepState(sweepId).catch(() => undefined)) === null;
}

/**
 * A writer of a sweep's artifacts, its writes done, removes them all when the
 * sweep has been deleted meanwhile: a checkpoint it wrote may have landed
 * after (or while) DELETE /sweeps/:id removed the sweep's directory, and
 * would be left behind, with no record naming it. The API deletes the
 * records first and the artifacts after, so a writer that finds the records
 * still there wrote before the API's removal began. Never throws (the trial's
 * own end matters more); a failure is logged.
 */
export async function removeIfDeleted(
  ctx: { store: SweepStore; artifacts: ArtifactStore },
  sweepId: string,
  who: string,
): Promise<void> {
  if (!(await sweepGone(ctx.store, sweepId))) return;
  await ctx.artifacts.deleteSweep(sweepId).catch((e: Error) => {
    process.stdout.write(`${who}: could not remove the artifacts of the deleted sweep: ${e.message}\n`);
  });
}

async function runClaimedTrial(
  job: TrialJobData,
  ctx: TrialContext,
  sweep: SweepRecord,
  fence: TrialFence,
  leaseLost: AbortSignal | undefined,
  engineRequest: EngineRequest,
): Promise<TrialOutcome> {
  const { sweepId, trialNo } = job;
  const { store } = ctx;
  // Read once claimed: from here on no earlier attempt can move its history or checkpoint.
  const trial = await store.getTrial(sweepId, trialNo);
  if (!trial) return 'cancelled';
  if (sweep.state === 'cancelled') return end(ctx, fence, 'cancelled', 'sweep cancelled');
  const { spec } = sweep;
  const signals = [ctx.signal, leaseLost].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length ? AbortSignal.any(signals) : undefined;

  let config;
  try {
    config = resolveTrialConfig({ ...trial.params, epochs: trialEpochs(spec, trial.params) });
  } catch (e) {
    if (e instanceof ConfigError) return end(ctx, fence, 'failed', e.message);
    throw e;
  }
  // A named engine that passed the worker's probe but cannot load now (a GPU out of memory, a
  // driver gone) fails the trial with the reason: never a silent fallback to another engine.
  let engine: Engine;
  try {
    engine = (await loadEngine(engineRequest)).engine;
  } catch (e) {
    if (e instanceof EngineUnavailableError) return end(ctx, fence, 'failed', e.message);
    throw e;
  }
  const data = await ctx.datasets.get(spec.dataset);
  // This run's checkpoints go under its own attempt; a resume reads the one the trial's record
  // points at (none recorded: nothing to read, whatever files an earlier attempt left).
  const { attempt } = fence;
  const from =
    trial.checkpoint || trial.epochs > 0 ? { sweepId, trialNo, attempt: checkpointAttemptOf(trial) } : null;
  const recorded = trial.checkpoint?.epoch ?? trial.epochs;
  let trainer: Trainer;
  try {
    trainer = await openTrainer(
      ctx.artifacts,
      from,
      data,
      config,
      recorded,
      async (d) => {
        const note = `${d.problem}; ${d.movedTo ? `moved aside to ${d.movedTo}, ` : ''}restarted from epoch 0`;
        process.stdout.write(`trial ${sweepId}:${trialNo}: ${note}\n`);
        await store.restartTrialFromScratch(fence, note);
      },
      engine,
    );
  } catch (e) {
    // Every retry would meet the same checkpoint: the trial fails with the differences named.
    if (e instanceof CheckpointConfigMismatchError) return end(ctx, fence, 'failed', e.message);
    throw e;
  }
  const workDir = ctx.artifacts.checkpointWorkDir(sweepId, trialNo, attempt);
  const checkpoints = new CheckpointPipeline();
  try {
    // The checkpoint is the truth: epochs reported past it are forgotten (a record stored before
    // fencing may have some), and re-reporting the ones it holds changes nothing.
    await store.truncateHistory(fence, trainer.epochsDone);
    const objective = (r: EpochReport) => r.validation[spec.objective.metric];
    for (const r of trainer.history) await store.recordEpoch(fence, r.epoch, r, objective(r));
    const changes = engineChangesAfter(trial, engine.info, {
      attempt: fence.attempt,
      at: Date.now(),
      worker: ctx.workerId,
    });
    await store.startTrial(fence, engine.info, changes);
    const was = changes
      ? `; was ${describeEngine(changes[changes.length - 1].from)}: not bit-identical to a run on one engine`
      : '';
    process.stdout.write(
      `trial ${sweepId}:${trialNo}: attempt ${fence.attempt} on engine ${describeEngine(engine.info)}${was}\n`,
    );
    let earlierAttemptsDeleted = false;
    // The item ids file of this attempt's directory is written once; later saves keep it (and
    // check it against the manifest) instead of serialising every id again each epoch.
    let itemIdsSaved = false;
    /** Saves, commits and records one epoch with its checkpoint: runs while the next epoch trains. */
    const writeCheckpoint = async (snapshot: TrainerCheckpoint, report: EpochReport, waited: number) => {
      const at = {
        sweepId,
        sweepName: spec.name,
        trialNo,
        epoch: report.epoch,
        point: 'checkpoint' as const,
      };
      await ctx.hold?.(at, signal);
      const saving = performance.now();
      await saveCheckpoint(workDir, snapshot, itemIdsSaved ? {} : { itemIds: data.itemIds });
      itemIdsSaved = true;
      await ctx.artifacts.commitCheckpoint(sweepId, trialNo, attempt);
      // checkpointSeconds: saving and committing this checkpoint (in the background, beside the
      // next epoch); checkpointWaitSeconds: how long this epoch's report waited for the previous
      // epoch's. bench:sweep reads both.
      const checkpointSeconds = (performance.now() - saving) / 1000;
      const record = { ...report, worker: ctx.workerId, checkpointSeconds, checkpointWaitSeconds: waited };
      await store.recordEpoch(fence, report.epoch, record, objective(report), true);
      // The trial's checkpoint is this attempt's now: earlier attempts' files (a stale writer's
      // leftovers included) are no longer anyone's.
      if (!earlierAttemptsDeleted) {
        await ctx.artifacts.deleteCheckpointAttempts(sweepId, trialNo, attempt);
        earlierAttemptsDeleted = true;
      }
    };
    while (!trainer.finished) {
      const report = await trainer.runEpoch({ signal });
      // The previous epoch's checkpoint, written while this one trained, is recorded before this
      // epoch is reported: epochs reach the record in order, each with its checkpoint.
      const waited = await checkpoints.settle();
      // Aborted during validation: write nothing more (an orphaned child no longer owns the trial).
      if (signal?.aborted) throw new HandedBackError(sweepId, trialNo, trainer.epochsDone - 1);
      const progress = { ...progressOf(report, trainer, spec.objective.metric), engine: engine.info };
      await ctx.hold?.({ sweepId, sweepName: spec.name, trialNo, epoch: report.epoch }, signal);
      // A fenced write before any file: a process that lost the trial learns it here, not after
      // writing a checkpoint. A sweep deleted meanwhile (DELETE of a running sweep) ends the
      // trial here, as a cancel does at this epoch's end, and leaves no checkpoint behind.
      if (!(await store.recordProgress(fence, progress))) return 'cancelled';
      // The lease may have been lost while that write waited (a partition): then it is not ours
      // to checkpoint, whatever the write's answer was.
      if (leaseLost?.aborted) throw leaseLost.reason as Error;
      const snapshot = await trainer.checkpoint();
      checkpoints.start(() => writeCheckpoint(snapshot, report, waited));
      await ctx.progress(progress);
      // One HGET, not the whole record and its spec parsed: this runs after every epoch.
      const now = await store.sweepState(sweepId);
      if (!now || now === 'cancelled') {
        await checkpoints.settle();
        return end(
          ctx,
          fence,
          'cancelled',
          `sweep ${now ? 'cancelled' : 'deleted'} after epoch ${report.epoch}`,
        );
      }
      const decision = await decideAfterEpoch(store, spec, {
        fence,
        params: trial.params,
        values: trainer.history.map(objective),
        maxEpochs: trainer.config.epochs,
      });
      if (decision === 'stop') {
        await checkpoints.settle();
        return end(ctx, fence, 'pruned', `stopped by ${spec.scheduler.type} after epoch ${report.epoch}`);
      }
    }
    await checkpoints.settle();
    return end(ctx, fence, 'completed');
  } catch (e) {
    if (e instanceof TrainingDivergedError) {
      await checkpoints.settle();
      return end(ctx, fence, 'failed', e.message);
    }
    // Stopped mid-epoch (a shutdown): the epoch before it keeps its checkpoint, written meanwhile.
    if (e instanceof TrainingAbortedError) {
      await checkpoints.settle();
      throw new HandedBackError(sweepId, trialNo, trainer.epochsDone);
    }
    throw e;
  } finally {
    // Whatever ended the trial, no write of this attempt's directory is still going on.
    await checkpoints.drain();
    await trainer.dispose();
    await ctx.artifacts.closeCheckpointWorkDir(sweepId, trialNo, attempt);
  }
}

async function end(
  ctx: TrialContext,
  fence: TrialFence,
  outcome: TrialOutcome,
  reason?: string,
): Promise<TrialOutcome> {
  await ctx.store.finishOwnedTrial(fence, outcome, reason);
  return outcome;
}

/** A trial runs its config's epochs, capped by ASHA's maxEpochs. */
function trialEpochs(spec: SweepSpec, params: TrialConfigInput): number | undefined {
  const own = params.epochs;
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
