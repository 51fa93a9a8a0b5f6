import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The metrics a worker process exposes on its /metrics, named by Prometheus
 * conventions (vaecf_ prefix, base units, _total counters). Labels stay
 * bounded: per-trial series exist only while the trial runs on this worker
 * and are removed when it ends; per-sweep series are removed with the sweep.
 * Trials run in child processes whose registries nobody scrapes, so the
 * parent fills these from the jobs' progress and completion events.
 */
export function createWorkerMetrics(opts: { worker: string; backend: string; registry?: Registry }) {
  const registry = opts.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    info: new Gauge({
      name: 'vaecf_worker_info',
      help: 'Always 1; labels say which worker this is and which TensorFlow.js backend it trains on',
      labelNames: ['worker', 'backend'] as const,
      registers: [registry],
    }),
    busy: new Gauge({
      name: 'vaecf_worker_busy_jobs',
      help: 'Jobs this worker is running now (0 = idle)',
      registers: [registry],
    }),
    trialsFinished: new Counter({
      name: 'vaecf_trials_finished_total',
      help: 'Trials this worker ended, by outcome',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    epochSeconds: new Histogram({
      name: 'vaecf_epoch_duration_seconds',
      help: 'Training time of one epoch (without validation)',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200],
      registers: [registry],
    }),
    trialSeconds: new Histogram({
      name: 'vaecf_trial_duration_seconds',
      help: 'Wall time of one trial job on this worker, by outcome',
      labelNames: ['state'] as const,
      buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600, 86400],
      registers: [registry],
    }),
    usersPerSecond: new Gauge({
      name: 'vaecf_worker_train_users_per_second',
      help: 'Training throughput of the last epoch this worker finished',
      registers: [registry],
    }),
    trialNdcg: new Gauge({
      name: 'vaecf_trial_validation_ndcg100',
      help: 'Latest validation NDCG@100 of each trial running on this worker',
      labelNames: ['sweep', 'trial'] as const,
      registers: [registry],
    }),
    trialEngine: new Gauge({
      name: 'vaecf_trial_engine_info',
      help:
        'Always 1: the compute engine, provider and threads of each trial running on this worker ' +
        '(series exist only while the trial runs here)',
      labelNames: ['sweep', 'trial', 'engine', 'provider', 'threads'] as const,
      registers: [registry],
    }),
    trialEpoch: new Gauge({
      name: 'vaecf_trial_epoch',
      help: 'Epochs finished by each trial running on this worker',
      labelNames: ['sweep', 'trial'] as const,
      registers: [registry],
    }),
    datasetSeconds: new Histogram({
      name: 'vaecf_dataset_prepare_duration_seconds',
      help: 'Time to prepare a dataset, by outcome',
      labelNames: ['state'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    sweepTrials: new Gauge({
      name: 'vaecf_sweep_trials',
      help: 'Trials of each active sweep by state, read from Redis at scrape time',
      labelNames: ['sweep', 'state'] as const,
      registers: [registry],
    }),
    sweepBest: new Gauge({
      name: 'vaecf_sweep_best_validation_ndcg100',
      help: 'Best validation NDCG@100 of each active sweep so far',
      labelNames: ['sweep'] as const,
      registers: [registry],
    }),
    fencedWrites: new Counter({
      name: 'vaecf_fenced_writes_total',
      help:
        'Writes of a trial refused because they came from a stale attempt (a worker that lost the trial), ' +
        'by sweep and kind; counted in Redis by the refusing script, read at scrape time (take max by over workers)',
      labelNames: ['sweep', 'kind'] as const,
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'vaecf_queue_jobs',
      help: 'Jobs in each queue by state, read from BullMQ at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
  };
  m.info.set({ worker: opts.worker, backend: opts.backend }, 1);
  return m;
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
