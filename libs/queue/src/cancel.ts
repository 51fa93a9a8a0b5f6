import { jobIds } from './jobs';
import type { TrialsQueue } from './controller';
import type { SweepStore } from './sweep-store';

/**
 * Cancels a sweep: its state turns "cancelled" (running trials see it at
 * their next epoch boundary and end as cancelled), its waiting trial jobs
 * leave the queue and their trials end as cancelled. Returns false for an
 * unknown sweep; cancelling an ended sweep changes nothing.
 */
export async function cancelSweep(
  sweepId: string,
  deps: { store: SweepStore; queue: TrialsQueue },
): Promise<boolean> {
  const sweep = await deps.store.getSweep(sweepId);
  if (!sweep) return false;
  if (sweep.state !== 'running' && sweep.state !== 'finalizing') return true;
  await deps.store.setSweepState(sweepId, 'cancelled');
  for (const t of await deps.store.listTrials(sweepId)) {
    if (t.state !== 'queued') continue;
    const job = await deps.queue.getJob(jobIds.trial(sweepId, t.no));
    // An active job cannot be removed (its worker holds the lock): that trial stops at its epoch boundary.
    if (job && !(await job.isActive())) await job.remove();
    if (!job || !(await job.isActive()))
      await deps.store.finishTrial(sweepId, t.no, 'cancelled', 'sweep cancelled before it started');
  }
  return true;
}
