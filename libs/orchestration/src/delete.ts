import type { SweepStore } from '@vaecf/store';
import { cancelSweep } from './cancel';
import type { SweepController, TrialsQueue } from './controller';
import { jobIds } from './jobs';

/** Job removals sent at once (each one round trip, atomic on its own). */
const REMOVALS_AT_ONCE = 100;

/**
 * Deletes a sweep's records and its jobs; its artifacts are the caller's to
 * remove after (the API's DELETE /sweeps/:id does). Returns false for an
 * unknown sweep (one a concurrent delete removed included).
 *
 * The sweep is cancelled first, under its controller lock together with the
 * removal of its records: no controller pass (an extend's or a resume's, a
 * worker's at a trial's end) creates a trial or enqueues a job between the
 * two, and every pass after finds no sweep. Its running trials stop at the
 * epoch in hand, as a cancel's do. Then every job of the sweep that no worker
 * holds goes (waiting, delayed, completed, failed, the finalize job): a job a
 * worker holds is left to it, and the worker removes it once it has ended
 * and found the sweep gone (apps/worker trial-worker.service.ts), as it
 * removes the sweep's artifacts it wrote meanwhile.
 */
export async function deleteSweep(
  sweepId: string,
  deps: { store: SweepStore; controller: SweepController; queue: TrialsQueue },
): Promise<boolean> {
  const numbered = await deps.controller.exclusively(sweepId, async () => {
    if (!(await cancelSweep(sweepId, deps))) return null;
    // Read under the lock: every trial number a pass has handed out.
    const sweep = await deps.store.getSweep(sweepId);
    await deps.store.deleteSweep(sweepId);
    return sweep?.nextTrial ?? 0;
  });
  if (numbered === null) return false;
  const ids = [
    ...Array.from({ length: numbered }, (_, n) => jobIds.trial(sweepId, n)),
    jobIds.finalize(sweepId),
  ];
  for (let k = 0; k < ids.length; k += REMOVALS_AT_ONCE)
    await Promise.all(ids.slice(k, k + REMOVALS_AT_ONCE).map((id) => deps.queue.remove(id)));
  return true;
}
