import type { SweepStore } from '@vaecf/store';
import { cancelSweep } from './cancel';
import type { SweepController, TrialsQueue } from './controller';
import { jobIds } from './jobs';

/** Job removals sent at once (each one round trip, atomic on its own). */
const REMOVALS_AT_ONCE = 100;

/** Where a sweep's artifacts are (libs/artifacts' ArtifactStore has it): all a delete needs of it. */
export interface SweepArtifacts {
  deleteSweep(sweepId: string): Promise<void>;
}

export interface DeleteDeps {
  store: SweepStore;
  controller: SweepController;
  queue: TrialsQueue;
  artifacts: SweepArtifacts;
}

/**
 * The sweep's records are gone but its artifacts could not be removed (the
 * artifact store failed): the delete is noted as pending, and a DELETE again,
 * or any worker's reconciler, finishes it.
 */
export class ArtifactsNotRemovedError extends Error {
  constructor(
    readonly sweepId: string,
    override readonly cause: Error,
  ) {
    super(`sweep "${sweepId}" is deleted, but its artifacts could not be removed yet (${cause.message})`);
    this.name = 'ArtifactsNotRemovedError';
  }
}

/**
 * Deletes a sweep: its records, its jobs, its artifacts. Returns false for an
 * unknown sweep (one a concurrent delete removed, and finished, included).
 *
 * The sweep is cancelled first, under its controller lock together with the
 * removal of its records: no controller pass (an extend's or a resume's, a
 * worker's at a trial's end) creates a trial or enqueues a job between the
 * two, and every pass after finds no sweep. Its running trials stop at the
 * epoch in hand, as a cancel's do. The records go in one step with a note
 * that the rest is pending (SweepStore.pendingDeletes); then every job of the
 * sweep that no worker holds (waiting, delayed, completed, failed, the
 * finalize job), then its artifacts, then the note. A job a worker holds is
 * left to it: the worker removes it once it has ended and found the sweep
 * gone (apps/worker trial-worker.service.ts), as it removes the sweep's
 * artifacts it wrote meanwhile.
 *
 * Records first, artifacts last: a writer still busy with the sweep finds it
 * gone when done and cleans up after itself. Should the artifacts fail to go
 * (ArtifactsNotRemovedError) or the process die on the way, the note stays:
 * the same call again (a retried DELETE) finishes it, and so does
 * finishPendingDeletes (every worker's reconciler), so nothing is left.
 */
export async function deleteSweep(sweepId: string, deps: DeleteDeps): Promise<boolean> {
  const numbered = await deps.controller.exclusively(sweepId, async () => {
    if (!(await cancelSweep(sweepId, deps))) return null;
    // Read under the lock: every trial number a pass has handed out.
    const sweep = await deps.store.getSweep(sweepId);
    const trials = sweep?.nextTrial ?? 0;
    await deps.store.deleteSweep(sweepId, { trials, queue: sweep?.queue ?? deps.queue.name });
    return trials;
  });
  const trials = numbered ?? (await deps.store.pendingDelete(sweepId))?.trials;
  if (trials === undefined) return false;
  await finishDelete(sweepId, trials, deps);
  return true;
}

/**
 * Finishes every delete of a sweep on `deps.queue` that removed its records
 * and then failed or died (deleteSweep); a worker's reconciler calls it now
 * and then. Only its own queue's: a deployment beside it on the same Redis
 * (its own queues, its own artifact store) finishes its own. Several at once,
 * or beside the delete itself, are harmless: each step only removes.
 * Then sweeps up the finished deletes of its queue that are due (SweepUpTiming;
 * by default none are). Returns the sweeps finished, those swept up, and
 * those whose artifacts still failed.
 */
export async function finishPendingDeletes(
  deps: Omit<DeleteDeps, 'controller'>,
  sweepUp: SweepUpTiming = { afterMs: Infinity },
): Promise<{ finished: string[]; sweptUp: string[]; failed: ArtifactsNotRemovedError[] }> {
  const finished: string[] = [];
  const sweptUp: string[] = [];
  const failed: ArtifactsNotRemovedError[] = [];
  for (const pending of await deps.store.pendingDeletes()) {
    if (pending.queue !== deps.queue.name) continue;
    try {
      await finishDelete(pending.id, pending.trials, deps);
      finished.push(pending.id);
    } catch (e) {
      if (!(e instanceof ArtifactsNotRemovedError)) throw e;
      failed.push(e);
    }
  }
  const now = (sweepUp.now ?? Date.now)();
  for (const done of await deps.store.finishedDeletes()) {
    if (done.queue !== deps.queue.name || now - done.at < sweepUp.afterMs) continue;
    try {
      await deps.artifacts.deleteSweep(done.id);
    } catch (e) {
      failed.push(new ArtifactsNotRemovedError(done.id, e as Error));
      continue;
    }
    await deps.store.forgetFinishedDelete(done.id);
    sweptUp.push(done.id);
  }
  return { finished, sweptUp, failed };
}

/**
 * When a finished delete gets its last sweep-up: a trial process that was
 * writing a checkpoint of the sweep when the delete ran, and died before it
 * could clean up after itself (its worker killed with it), leaves files no
 * record names. Every writer has stopped for good once its lease has lapsed
 * (a few lock durations: apps/worker passes 3 x WORKER_LOCK_MS), so removing
 * the sweep's artifacts once more after that leaves nothing behind.
 */
export interface SweepUpTiming {
  /** Milliseconds after a delete finished; Infinity: never (finished deletes are kept). */
  readonly afterMs: number;
  readonly now?: () => number;
}

/** A delete after its records: the jobs no worker holds, the artifacts, then the note that these were left. */
async function finishDelete(
  sweepId: string,
  trials: number,
  deps: Pick<DeleteDeps, 'store' | 'queue' | 'artifacts'>,
): Promise<void> {
  const ids = [
    ...Array.from({ length: trials }, (_, n) => jobIds.trial(sweepId, n)),
    jobIds.finalize(sweepId),
  ];
  for (let k = 0; k < ids.length; k += REMOVALS_AT_ONCE)
    await Promise.all(ids.slice(k, k + REMOVALS_AT_ONCE).map((id) => deps.queue.remove(id)));
  try {
    await deps.artifacts.deleteSweep(sweepId);
  } catch (e) {
    throw new ArtifactsNotRemovedError(sweepId, e as Error);
  }
  await deps.store.deleteFinished(sweepId);
}
