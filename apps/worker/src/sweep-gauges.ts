import type { SweepStore } from '@vaecf/store';
import { TRIAL_STATES } from '@vaecf/sweep';
import type { WorkerMetrics } from '@vaecf/telemetry';

/** Sweeps looked at per scrape: the most recent ones. */
export const RECENT_SWEEPS = 50;

/**
 * Refreshes the per-sweep gauges (trials by state, best validation NDCG@100)
 * from Redis for the recent sweeps that are still running; a sweep that has
 * ended or gone (or cannot be read) loses its series, so label values stay bounded.
 */
export async function refreshSweepGauges(store: SweepStore, metrics: WorkerMetrics): Promise<void> {
  metrics.sweepTrials.reset();
  metrics.sweepBest.reset();
  for (const id of await store.listSweepIds(RECENT_SWEEPS)) {
    // A record this version cannot read (one a newer version wrote during a rolling upgrade, or
    // another deployment on the same Redis) loses its own series, not the whole scrape's.
    const sweep = await store.getSweep(id).catch(() => null);
    if (!sweep || (sweep.state !== 'running' && sweep.state !== 'finalizing')) continue;
    const trials = await store.listTrials(id);
    for (const state of TRIAL_STATES)
      metrics.sweepTrials.set({ sweep: id, state }, trials.filter((t) => t.state === state).length);
    const [best] = await store.leaderboard(id, 1);
    if (best) metrics.sweepBest.set({ sweep: id }, best.best);
  }
}
