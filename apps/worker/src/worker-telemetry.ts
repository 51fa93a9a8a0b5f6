import type { TrialProgress } from '@vaecf/orchestration';
import type { SweepStore } from '@vaecf/store';
import {
  startMetricsServer,
  type MetricsServer,
  type MetricsServerOptions,
  type WorkerMetrics,
} from '@vaecf/telemetry';
import type { Job, Queue, Worker } from 'bullmq';
import { refreshFencedWrites } from './fenced-writes-metric';
import { refreshSweepGauges } from './sweep-gauges';
import { HANDED_BACK_PROGRESS } from './hand-back';

const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
  'prioritized',
  'waiting-children',
] as const;

/**
 * Feeds the worker's metrics from its BullMQ workers' events (the trials run
 * in child processes, whose own registries nobody scrapes) and serves them.
 */
export function observeWorker(worker: Worker, metrics: WorkerMetrics): void {
  const started = new Map<string, number>();
  /** The engine series of each running trial job, removed with the job (bounded cardinality). */
  const engineSeries = new Map<
    string,
    Record<'sweep' | 'trial' | 'engine' | 'provider' | 'threads', string>
  >();
  worker.on('active', (job: Job) => {
    metrics.busy.inc();
    started.set(job.id!, Date.now());
  });
  worker.on('progress', (job: Job, progress: unknown) => {
    if (job.name !== 'trial' || typeof progress !== 'object' || progress === null) return;
    if (Object.hasOwn(progress, Object.keys(HANDED_BACK_PROGRESS)[0])) return ended(job, null);
    const p = progress as TrialProgress;
    const labels = trialLabels(job);
    metrics.epochSeconds.observe(p.trainSeconds);
    metrics.usersPerSecond.set(p.usersPerSecond);
    metrics.trialNdcg.set(labels, p.ndcg100);
    metrics.trialEpoch.set(labels, p.epoch);
    if (p.engine) {
      const series = {
        ...labels,
        engine: p.engine.name,
        provider: p.engine.provider,
        threads: String(p.engine.threads),
      };
      const before = engineSeries.get(job.id!);
      if (before) metrics.trialEngine.remove(before);
      engineSeries.set(job.id!, series);
      metrics.trialEngine.set(series, 1);
    }
  });
  /** A job that left this worker: with its outcome, or null when it was handed back unclaimed. */
  const ended = (job: Job | undefined, state: string | null) => {
    if (!job) return;
    metrics.busy.dec();
    const seconds = (Date.now() - (started.get(job.id!) ?? Date.now())) / 1000;
    started.delete(job.id!);
    if (state === null) return;
    if (job.name === 'trial') {
      metrics.trialsFinished.inc({ state });
      metrics.trialSeconds.observe({ state }, seconds);
      metrics.trialNdcg.remove(trialLabels(job));
      metrics.trialEpoch.remove(trialLabels(job));
      const series = engineSeries.get(job.id!);
      if (series) metrics.trialEngine.remove(series);
      engineSeries.delete(job.id!);
    } else if (job.name === 'prepare') {
      metrics.datasetSeconds.observe({ state }, seconds);
    }
  };
  // A trial's outcome ('completed', 'pruned', 'failed', 'cancelled') is its job's return value.
  worker.on('completed', (job: Job, result: unknown) =>
    ended(job, typeof result === 'string' ? result : 'completed'),
  );
  worker.on('failed', (job: Job | undefined) => ended(job, 'error'));
}

export async function serveWorkerMetrics(
  metrics: WorkerMetrics,
  server: MetricsServerOptions,
  queues: Queue[],
  store: SweepStore,
): Promise<MetricsServer> {
  return startMetricsServer(metrics.registry, server, async () => {
    await refreshSweepGauges(store, metrics);
    await refreshFencedWrites(store, metrics);
    for (const q of queues) {
      const counts = await q.getJobCounts(...JOB_STATES);
      for (const state of JOB_STATES) metrics.queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
    }
  });
}

function trialLabels(job: Job): { sweep: string; trial: string } {
  const d = job.data as { sweepId: string; trialNo: number };
  return { sweep: d.sweepId, trial: String(d.trialNo) };
}
