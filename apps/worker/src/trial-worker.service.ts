import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { finishPendingDeletes } from '@vaecf/orchestration';
import { WORKER_HEARTBEAT_SECONDS } from '@vaecf/store';
import { createWorkerMetrics, type MetricsServer, type WorkerMetrics } from '@vaecf/telemetry';
import type { Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { REDIS_OUTAGE, WORKER_CONFIG, WORKER_DEPS } from './tokens';
import type { RedisOutageLog } from './redis-outage';
import { RecyclingWorker } from './child-recycling';
import { childExecArgv } from './child-node-flags';
import { takeoverOptions, takeoverWindowMs } from './takeover';
import type { WorkerConfig } from './config';
import type { ClosableWorkerDeps } from './deps';
import { probedEnginesEnv } from './engines';
import { observeWorker, serveWorkerMetrics } from './worker-telemetry';

/**
 * Lock durations after a delete finished before its artifacts are swept up
 * once more (orchestration delete.ts SweepUpTiming): a trial process that
 * lost its lease stops within one; the rest is room for a checkpoint upload
 * it had in hand.
 */
export const SWEEP_UP_LOCKS = 3;

/**
 * Owns this process's BullMQ worker on the trials queue. Jobs run in forked
 * child processes (processor.ts) rather than in a Nest @Processor: training
 * is CPU-bound and, in this process, would starve the event loop that renews
 * the job locks. Shutdown aborts running trials at their next minibatch
 * (they are checkpointed every epoch and go back to the queue).
 */
@Injectable()
export class TrialWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('TrialWorker');
  private workers: Worker[] = [];
  /** The workers' connections: BullMQ closes only the connections it made, never one it is given. */
  private workerConnections: Redis[] = [];
  private metricsServer: MetricsServer | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconciler: NodeJS.Timeout | null = null;
  private metrics: WorkerMetrics | null = null;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_DEPS) private readonly deps: ClosableWorkerDeps,
    @Inject(REDIS_OUTAGE) private readonly outage: RedisOutageLog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    const { engines } = this.deps;
    this.log.log(
      `${c.WORKER_ID}: engine ${engines.default} (VAECF_ENGINE ${engines.settings.engine}, threads ${engines.settings.threads}), ` +
        `can load ${engines.loadable.join(', ')}` +
        `${engines.unavailable.length ? `; not available: ${engines.unavailable.join('; ')}` : ''}`,
    );
    this.log.log(
      `${c.WORKER_ID}: queues ${c.VAECF_TRIALS_QUEUE} + ${c.VAECF_DATASETS_QUEUE}, ` +
        `concurrency ${c.WORKER_CONCURRENCY}, artifacts ${this.deps.artifacts.describe()}, ` +
        `trial processes' node flags ${c.WORKER_CHILD_NODE_FLAGS.join(' ') || '(none)'}`,
    );
    this.metrics = createWorkerMetrics({ worker: c.WORKER_ID, backend: engines.default });
    this.workers = [
      this.startWorker(c.VAECF_TRIALS_QUEUE, c.WORKER_CONCURRENCY),
      this.startWorker(c.VAECF_DATASETS_QUEUE, 1),
    ];
    for (const w of this.workers) observeWorker(w, this.metrics);
    const o = this.workers[0].opts;
    const [soonest, latest] = takeoverWindowMs(c).map((ms) => ms / 1000);
    this.log.log(
      `${c.WORKER_ID}: a dead worker's trial is taken over ${soonest}-${latest} s after it died (lock ` +
        `${o.lockDuration} ms renewed every ${o.lockRenewTime} ms, stalled check every ${o.stalledInterval} ms)`,
    );
    if (c.WORKER_METRICS_PORT >= 0) {
      const { trialsQueue, datasetsQueue } = this.deps.core;
      this.metricsServer = await serveWorkerMetrics(
        this.metrics,
        {
          host: c.WORKER_METRICS_HOST,
          port: c.WORKER_METRICS_PORT,
          portCount: c.WORKER_METRICS_PORT_COUNT,
          token: c.METRICS_TOKEN,
        },
        [trialsQueue, datasetsQueue],
        this.deps.store,
      );
      this.log.log(
        `${c.WORKER_ID}: metrics on :${this.metricsServer.port}/metrics (host ${c.WORKER_METRICS_HOST}, ` +
          `${c.METRICS_TOKEN ? 'bearer token required' : 'no token'})`,
      );
    }
    await this.announce();
    this.startReconciler();
    this.log.log(`${c.WORKER_ID}: ready`);
  }

  /** Keeps this worker's entry in `vaecf:workers` (where its /metrics is) alive while it runs. */
  private async announce(): Promise<void> {
    const { registry } = this.deps.core;
    const entry = {
      id: this.config.WORKER_ID,
      metrics: this.metricsServer
        ? `${this.config.WORKER_ADVERTISE_HOST ?? advertisedHost(this.metricsServer.host)}:${this.metricsServer.port}`
        : null,
      backend: this.deps.engines.default,
      engines: this.deps.engines.loadable,
      queue: this.config.VAECF_TRIALS_QUEUE,
      pid: process.pid,
      startedAt: Date.now(),
    };
    const beat = () =>
      registry.heartbeat(entry).catch((e: Error) => this.log.warn(`heartbeat failed: ${e.message}`));
    await beat();
    this.heartbeat = setInterval(() => void beat(), WORKER_HEARTBEAT_SECONDS * 1000);
    this.heartbeat.unref();
  }

  private startWorker(queue: string, concurrency: number): Worker {
    const c = this.config;
    const connection = this.outage.watch(new Redis(c.REDIS_URL, { maxRetriesPerRequest: null }));
    this.workerConnections.push(connection);
    const worker = new RecyclingWorker(queue, join(__dirname, 'processor.js'), {
      connection,
      concurrency,
      useWorkerThreads: false,
      ...takeoverOptions(c),
      // The trial processes inherit the engine probe of this one (deps.ts workerEngines), and write
      // this worker's id (the one in vaecf:workers) as the trial's owner and on every epoch; left to
      // themselves they would default to their own pid-based name.
      workerForkOptions: {
        execArgv: childExecArgv(c.WORKER_CHILD_NODE_FLAGS),
        env: { ...process.env, ...probedEnginesEnv(this.deps.engines), WORKER_ID: c.WORKER_ID },
      },
    });
    // No attempt number here: BullMQ's attemptsMade is not the trial's attempt (a hand-back or a
    // takeover spends none). The trial process logs the attempt it claims (trial-runner.ts).
    worker.on('active', (job: Job) => this.log.log(`started ${job.name} ${job.id}`));
    worker.on('completed', (job: Job, result: unknown) => {
      this.log.log(`finished ${job.name} ${job.id}: ${String(result)}`);
      void this.removeIfSweepDeleted(job);
    });
    worker.on('failed', (job: Job | undefined, err: Error) => {
      if (!job) return;
      const tries = `${job.attemptsMade} of ${job.opts.attempts ?? 1} job tries`;
      this.log.warn(`${job.name} ${job.id} failed (${tries}): ${err.message}`);
      void this.onFinalFailure(job, err).catch((e: Error) =>
        this.log.error(`could not record the failure of ${job.id}: ${e.message}`),
      );
    });
    // Connection errors (its own connections' too) go to the outage log: one line per outage.
    worker.on('error', (err) => {
      if (!this.outage.error(err)) this.log.error(err.message);
    });
    return worker;
  }

  /**
   * Now and then, move on the sweeps of this worker's queue that wait for an
   * event that will never come (a submitter that died before enqueueing, a
   * lost finalize job), and finish the deletes of its queue's sweeps that
   * stopped after their records (the artifact store failed, or the API died:
   * libs/orchestration delete.ts). Every step of it is idempotent, so several
   * workers doing it at once is harmless.
   */
  private startReconciler(): void {
    const every = this.config.WORKER_RECONCILE_MS;
    if (every <= 0) return;
    const sweepUp = { afterMs: SWEEP_UP_LOCKS * this.config.WORKER_LOCK_MS };
    this.log.log(
      `${this.config.WORKER_ID}: reconciling every ${every} ms; a deleted sweep's artifacts are swept up ` +
        `once more ${sweepUp.afterMs / 1000} s after its delete (${SWEEP_UP_LOCKS} x WORKER_LOCK_MS)`,
    );
    let warned = new Set<string>(); // the deletes still failing: each logged once, not every pass
    const reconcile = async () => {
      await this.deps.controller
        .reconcile()
        .catch((e: Error) => this.log.warn(`reconcile failed: ${e.message}`));
      const { store, artifacts, core } = this.deps;
      // A finished delete's last sweep-up waits until every writer of the sweep has lost its lease.
      const deletes = await finishPendingDeletes(
        { store, artifacts, queue: core.trialsQueue },
        sweepUp,
      ).catch((e: Error) => {
        this.log.warn(`finishing pending deletes failed: ${e.message}`);
        return null;
      });
      if (!deletes) return;
      for (const id of deletes.finished)
        this.log.log(`finished the delete of sweep ${id}: its artifacts are removed`);
      for (const id of deletes.sweptUp)
        this.log.log(
          `swept up the artifacts of deleted sweep ${id} once more (files a dying writer added late)`,
        );
      for (const e of deletes.failed)
        if (!warned.has(e.sweepId)) this.log.warn(`${e.message}; retrying every ${every} ms`);
      warned = new Set(deletes.failed.map((e) => e.sweepId));
    };
    void reconcile(); // at start too: sweeps left waiting while no worker ran
    this.reconciler = setInterval(() => void reconcile(), every);
    this.reconciler.unref();
  }

  /** Hand running trials back, then close; the process exits after this. */
  async onApplicationShutdown(): Promise<void> {
    this.log.log('handing running trials back and closing');
    for (const w of this.workers) w.cancelAllJobs('worker shutting down');
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.workerConnections.map((r) => r.quit()));
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconciler) clearInterval(this.reconciler);
    await this.deps.core.registry.remove(this.config.WORKER_ID).catch(() => undefined);
    await this.metricsServer?.close();
    await this.deps.close(); // the core's queues (those /metrics counted), then its connection
    this.log.log('closed');
  }

  /**
   * A sweep's job that ended after the sweep was deleted (its worker held it
   * then, so DELETE /sweeps/:id left it: libs/orchestration delete.ts) goes
   * too: nothing of a deleted sweep stays in the queue.
   */
  private async removeIfSweepDeleted(job: Job): Promise<void> {
    if (job.name !== 'trial' && job.name !== 'finalize') return;
    const { sweepId } = job.data as { sweepId: string };
    try {
      if ((await this.deps.store.sweepState(sweepId)) === null) await job.remove();
    } catch (e) {
      this.log.warn(
        `could not remove ${job.name} ${job.id} of deleted sweep ${sweepId}: ${(e as Error).message}`,
      );
    }
  }

  /** A job out of attempts: its trial ends as failed and its sweep moves on, or its dataset fails. */
  private async onFinalFailure(job: Job, err: Error): Promise<void> {
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    if (job.name === 'prepare') {
      const { datasetId, generation } = job.data as { datasetId: string; generation: number };
      await this.deps.datasetStore.setState(datasetId, generation, 'failed', { error: err.message });
      return;
    }
    await this.removeIfSweepDeleted(job);
    if (job.name === 'finalize') {
      const { sweepId } = job.data as { sweepId: string };
      const error = `finalizing failed: ${err.message}`;
      await this.deps.store.setSweepState(sweepId, 'failed', { error }, ['finalizing']);
      return;
    }
    if (job.name !== 'trial') return;
    const { sweepId, trialNo } = job.data as { sweepId: string; trialNo: number };
    await this.deps.store.finishTrial(sweepId, trialNo, 'failed', err.message);
    await this.deps.controller.advance(sweepId);
  }
}

/** A wildcard bind is reachable by this machine's name (a container's name in compose). */
function advertisedHost(bound: string): string {
  return bound === '0.0.0.0' || bound === '::' ? hostname() : bound;
}
