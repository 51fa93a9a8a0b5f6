import { FENCED_WRITE_KINDS, type SweepStore } from '@vaecf/store';
import type { WorkerMetrics } from '@vaecf/telemetry';
import { RECENT_SWEEPS } from './sweep-gauges';

/**
 * Fills `vaecf_fenced_writes_total` from the counts the refusing Lua scripts
 * keep in Redis (per sweep and kind), for the recent sweeps that have any.
 * Read at scrape time rather than counted in this process: a refusal happens
 * in a trial child process (a separate process from this /metrics server),
 * often one about to die or on a host cut off from the others, so a count
 * kept in memory and passed up would be lost exactly when it matters; the
 * script counts it in the same step as it refuses. Every worker reports the
 * same values: take `max by (sweep, kind)`.
 */
export async function refreshFencedWrites(store: SweepStore, metrics: WorkerMetrics): Promise<void> {
  const rows: { sweep: string; counts: Record<string, number> }[] = [];
  for (const sweep of await store.listSweepIds(RECENT_SWEEPS))
    rows.push({ sweep, counts: await store.fencedWrites(sweep) });
  metrics.fencedWrites.reset();
  for (const { sweep, counts } of rows)
    for (const kind of FENCED_WRITE_KINDS)
      if (counts[kind] > 0) metrics.fencedWrites.inc({ sweep, kind }, counts[kind]);
}
