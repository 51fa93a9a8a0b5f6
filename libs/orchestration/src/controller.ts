import { randomBytes } from 'node:crypto';
import { StateConflictError } from '@vaecf/errors';
import { defaultsFor } from '@vaecf/cf';
import {
  configurationOf,
  createSampler,
  FINAL_STATES,
  trialParams,
  trialReady,
  type TrialSnapshot,
} from '@vaecf/sweep';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIds, type TrialJobData, type FinalizeJobData } from './jobs';
import { keys, RELEASE_LOCK, type SweepStore } from '@vaecf/store';
import { typeProposal } from './trial-proposal';

export type TrialsQueue = Queue<TrialJobData | FinalizeJobData>;

/** The sweep's controller lock stayed held for 30 s (a long pass, or one whose process hung): HTTP 409. */
export class SweepBusyError extends StateConflictError {
  constructor(sweepId: string) {
    super(`sweep "${sweepId}" is busy: its controller lock is still held after 30 s; try again in a moment`);
  }
}

/**
 * Moves a sweep forward: enqueues new trials while fewer than maxConcurrent
 * are queued or running, re-enqueues queued trials whose job is missing (a
 * crash between the record and the add), and, once every planned trial has
 * ended, enqueues the finalize job. Called on submit and whenever a trial
 * ends, by any process; a per-sweep Redis lock makes one controller act at a
 * time, so no two processes ever sample the same trial number and an
 * adaptive sampler sees every result before proposing.
 */
export class SweepController {
  private indexed: Promise<number> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly store: SweepStore,
    private readonly queue: TrialsQueue,
  ) {}

  async advance(sweepId: string): Promise<void> {
    await this.exclusively(sweepId, () => this.advanceLocked(sweepId));
  }

  /**
   * Runs `fn` holding the sweep's controller lock: no pass of the controller
   * (which creates trials and enqueues their jobs) runs meanwhile. A delete
   * takes it too, so that no pass recreates what it removes.
   */
  async exclusively<T>(sweepId: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${keys.sweep(sweepId)}:lock`;
    const token = randomBytes(8).toString('hex');
    // Two workers ending trials of a sweep at once meet here at every trial's end: the second
    // asks again soon (5 ms, doubling to 100 ms) rather than sleeping a fixed 100 ms each time.
    const deadline = Date.now() + 30_000;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      if (await this.redis.set(lock, token, 'PX', 30_000, 'NX')) break;
      if (Date.now() > deadline) throw new SweepBusyError(sweepId);
      await new Promise((r) => setTimeout(r, wait));
    }
    try {
      return await fn();
    } finally {
      await RELEASE_LOCK.run(this.redis, [lock], [token]);
    }
  }

  private async advanceLocked(sweepId: string): Promise<void> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep || sweep.state !== 'running') return;
    const { spec } = sweep;
    let trials = await this.store.listTrials(sweepId);
    for (const t of trials) {
      if (t.state === 'queued') await this.enqueueTrial(sweepId, t.no);
    }
    const active = trials.filter((t) => t.state === 'queued' || t.state === 'running').length;
    const sampler = createSampler(spec);
    const defaultSeed = defaultsFor(spec.model).seed;
    const free = spec.limits.maxConcurrent - active;
    const snapshots: TrialSnapshot[] =
      free > 0 && sweep.nextTrial < sweep.planned
        ? await this.store.trialSnapshots(sweepId, spec.objective.metric)
        : [];
    let next = sweep.nextTrial;
    let planned = sweep.planned;
    // Under the lock nothing else hands out numbers: propose for `next`, then claim it.
    for (let left = free; left > 0 && next < planned; left--) {
      if (!trialReady(spec, sampler, next, snapshots)) break; // waits for results (beta protocol)
      const params = trialParams(spec, sampler, next, snapshots, defaultSeed);
      if (!params) {
        // The sampler has nothing more to propose: the plan ends here, so that the sweep can finalize.
        planned = next;
        await this.store.setPlanned(sweepId, planned);
        break;
      }
      const n = await this.store.claimTrialNumber(sweepId);
      const typed = typeProposal(params);
      await this.store.createTrial(sweepId, n, typed.params, configurationOf(n, spec.limits.repeats));
      if (typed.refused) {
        // Ended at birth: it takes no slot, so propose on (no worker's end of it would advance the sweep).
        await this.store.finishTrial(sweepId, n, 'failed', typed.refused.message);
        left++;
      } else {
        await this.enqueueTrial(sweepId, n);
      }
      // Seen by the next proposal of this pass: a replicate copies it, TPE's constant liar counts it.
      snapshots.push({ number: n, params, state: typed.refused ? 'failed' : 'queued', values: [] });
      next = n + 1;
    }
    trials = await this.store.listTrials(sweepId);
    const allEnded = trials.length > 0 && trials.every((t) => FINAL_STATES.has(t.state));
    if (allEnded && next >= planned) {
      await this.store.setSweepState(sweepId, 'finalizing', {}, ['running']);
      await this.enqueueFinalize(sweepId);
    }
  }

  /**
   * Moves on every sweep that is running or finalizing: a process that died
   * between storing a sweep and enqueueing its trials (or its finalize job)
   * leaves it waiting for an event that will never come. Workers call this
   * now and then; every step it takes is idempotent.
   */
  async reconcile(limit = 1000): Promise<void> {
    // Once per process: sweeps an older version stored have no state index entry yet.
    this.indexed ??= this.store.indexUnindexedSweeps();
    await this.indexed;
    for (const state of ['running', 'finalizing'] as const) {
      for (const id of await this.store.listSweepIdsInState(state, 0, limit)) {
        const sweep = await this.store.getSweep(id);
        if (sweep?.queue !== this.queue.name) continue; // another deployment's (or test's) queue
        if (state === 'running') await this.advance(id);
        else await this.enqueueFinalize(id);
      }
    }
  }

  /** The trials queue this controller feeds (a sweep remembers it). */
  get queueName(): string {
    return this.queue.name;
  }

  private async enqueueFinalize(sweepId: string): Promise<void> {
    await this.queue.add(
      'finalize',
      { sweepId },
      { jobId: jobIds.finalize(sweepId), attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
    );
  }

  private async enqueueTrial(sweepId: string, n: number): Promise<void> {
    await this.queue.add(
      'trial',
      { sweepId, trialNo: n },
      // A trial that crashes its worker is retried from its checkpoint; after 5 attempts it fails.
      {
        jobId: jobIds.trial(sweepId, n),
        attempts: 5,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }
}
