import { jobIds } from './jobs';
import type { TrialsQueue } from './controller';
import type { SweepStore } from '@vaecf/store';

/**
 * Cancels a sweep: its state turns "cancelled" (running trials see it at
 * their next epoch boundary and end as cancelled), its trial jobs that no
 * worker holds (waiting, delayed, prioritized) leave the queue and their
 * trials end as cancelled. Returns false for an unknown sweep; cancelling an
 * ended sweep changes nothing (the API answers 200 for an already cancelled
 * sweep, 409 for a completed or failed one).
 *
 * Safe against workers taking jobs meanwhile: `Queue.remove` is one script
 * that removes a job only when no worker holds its lock (it answers 0
 * instead of throwing), and a job a worker took is left to that worker.
 */
export async function cancelSweep(
  sweepId: string,
  deps: { store: SweepStore; queue: TrialsQueue },
): Promise<boolean> {
  const sweep = await deps.store.getSweep(sweepId);
  if (!sweep) return false;
  if (sweep.state !== 'running' && sweep.state !== 'finalizing') return true;
  // Only out of running or finalizing: a cancel racing a completion never undoes it.
  if (!(await deps.store.setSweepState(sweepId, 'cancelled', {}, ['running', 'finalizing']))) return true;
  await deps.store.addEvent(sweepId, { at: Date.now(), action: 'cancelled' });
  for (const t of await deps.store.listTrials(sweepId)) {
    if (t.state !== 'queued') continue;
    const jobId = jobIds.trial(sweepId, t.no);
    const removed = (await deps.queue.remove(jobId)) === 1;
    // Not removed: either a worker holds the job (it ends the trial itself when it sees the
    // cancelled sweep), or there is no such job (a crash between the record and the add).
    if (removed || !(await deps.queue.getJob(jobId)))
      await deps.store.finishTrial(sweepId, t.no, 'cancelled', 'sweep cancelled before it started');
  }
  return true;
}
