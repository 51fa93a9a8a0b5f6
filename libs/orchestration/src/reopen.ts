import { InputError, StateConflictError } from '@vaecf/errors';
import { MAX_TRIALS, parseSweepSpec, plannedTrials, type SweepSpec } from '@vaecf/sweep';
import type { SweepController, TrialsQueue } from './controller';
import { jobIds } from './jobs';
import type { SweepRecord } from '@vaecf/store';
import type { SweepStore } from '@vaecf/store';

export interface ReopenDeps {
  readonly store: SweepStore;
  readonly controller: SweepController;
  readonly queue: TrialsQueue;
}

/**
 * Adds `trials` configurations to a random or TPE sweep (each run `repeats`
 * times), running, completed or failed: the sampler sees every earlier
 * trial, and the sweep is finalized again when they end. A cancelled sweep
 * is refused: extending it would quietly undo the cancel; it is resumed
 * first (its cancelled trials continue), then extended. Returns null for an
 * unknown sweep.
 */
export async function extendSweep(
  sweepId: string,
  trials: number,
  deps: ReopenDeps,
): Promise<SweepRecord | null> {
  if (!Number.isSafeInteger(trials) || trials < 1 || trials > MAX_TRIALS)
    throw new InputError(`trials: must be a whole number from 1 to ${MAX_TRIALS}`, 'trials');
  const sweep = await deps.store.getSweep(sweepId);
  if (!sweep) return null;
  const { spec } = sweep;
  if (!('trials' in spec.search))
    throw new InputError(
      `trials: a ${spec.search.method} sweep has a fixed number of trials; submit a new sweep, or extend a random one`,
      'trials',
    );
  if (sweep.state === 'finalizing')
    throw new StateConflictError(`sweep "${sweepId}" is finalizing; extend it once it has completed`);
  if (sweep.state === 'cancelled')
    throw new StateConflictError(
      `sweep "${sweepId}" is cancelled; resume it first (POST /sweeps/${sweepId}/resume, ` +
        '`vaecf sweep resume`), then extend it',
    );
  const added = trials * spec.limits.repeats;
  if (sweep.planned + added > MAX_TRIALS)
    throw new InputError(`trials: the sweep would have more than ${MAX_TRIALS} trials`, 'trials');
  const extended: SweepSpec = parseSweepSpec({
    ...spec,
    search: { ...spec.search, trials: spec.search.trials + trials },
    limits: { ...spec.limits, maxTrials: Math.max(spec.limits.maxTrials, sweep.planned + added) },
  });
  await forgetFinalizeJob(sweep, deps.queue);
  const planned = plannedTrials(extended);
  if (
    !(await deps.store.reopenSweep(sweep, extended, planned, { at: Date.now(), action: 'extended', trials }))
  )
    throw new StateConflictError(`sweep "${sweepId}" changed meanwhile; try again`);
  await deps.controller.advance(sweepId);
  return deps.store.getSweep(sweepId);
}

/**
 * Resumes a cancelled sweep: its cancelled trials go back to the queue (each
 * continues from its last checkpoint) and the search goes on where it
 * stopped. Returns null for an unknown sweep.
 */
export async function resumeSweep(sweepId: string, deps: ReopenDeps): Promise<SweepRecord | null> {
  const sweep = await deps.store.getSweep(sweepId);
  if (!sweep) return null;
  if (sweep.state !== 'cancelled')
    throw new StateConflictError(
      `sweep "${sweepId}" is ${sweep.state}; only a cancelled sweep can be resumed` +
        (sweep.state === 'completed' ? ' (extend it to run more trials)' : ''),
    );
  const cancelled = (await deps.store.listTrials(sweepId)).filter((t) => t.state === 'cancelled');
  // Their old jobs would shadow the new ones (BullMQ ignores an add whose id exists). Queue.remove
  // is one step that answers 0 for a job a worker holds; Job.remove throws then, and a worker
  // taking the job between an isActive() and that remove made the request a 500.
  for (const t of cancelled) {
    if ((await deps.queue.remove(jobIds.trial(sweepId, t.no))) === 0)
      throw new StateConflictError(
        `trial ${t.no} of sweep "${sweepId}" is still stopping; try again in a moment`,
      );
  }
  await forgetFinalizeJob(sweep, deps.queue);
  // Trials first, while the sweep is still cancelled (nothing enqueues them yet); then the sweep.
  for (const t of cancelled) await deps.store.requeueTrial(sweepId, t.no);
  const event = { at: Date.now(), action: 'resumed' as const, requeued: cancelled.length };
  if (!(await deps.store.reopenSweep(sweep, sweep.spec, sweep.planned, event)))
    throw new StateConflictError(`sweep "${sweepId}" changed meanwhile; try again`);
  await deps.controller.advance(sweepId);
  return deps.store.getSweep(sweepId);
}

/**
 * An earlier finalize job's id would block the next one. A sweep that has
 * just completed may still have its finalize job wrapping up for a moment:
 * wait that out rather than refuse.
 */
async function forgetFinalizeJob(sweep: SweepRecord, queue: TrialsQueue): Promise<void> {
  // Queue.remove answers 0 (never throws) while a worker holds the job; a missing job counts as removed.
  for (let k = 0; (await queue.remove(jobIds.finalize(sweep.id))) === 0; k++) {
    if (k >= 30)
      throw new StateConflictError(`sweep "${sweep.id}" is finalizing; try again once it has completed`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
