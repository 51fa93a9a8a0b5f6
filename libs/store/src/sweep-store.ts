import { createHash } from 'node:crypto';
import type { TrialConfigInput } from '@vaecf/cf';
import { InputError } from '@vaecf/errors';
import type { Decision, ObjectiveMetric, SweepSpec, TrialSnapshot, TrialState } from '@vaecf/sweep';
import { stringify as canonicalJson } from 'safe-stable-stringify';
import type { FencedWriteKind, TrialFence } from './fence';
import type {
  BaselineRecord,
  BestConfigurationRecord,
  EngineChange,
  StoredComparison,
  StoredMetrics,
  SweepEvent,
  SweepRecord,
  SweepState,
  TrialEngine,
  TrialRecord,
} from './records';

/**
 * What the use cases (libs/orchestration) and the apps need of the sweep
 * records, apart from where they are kept: RedisSweepStore
 * (redis-sweep-store.ts) is the implementation, and test/sweep-store-contract.ts
 * the behaviour any implementation must have. It is the sum of the roles
 * below, so that a reader sees which part of the store a method belongs to.
 */
export interface SweepStore extends SweepRecords, TrialRecords, FencedTrialWrites, SweepEvents {}

/** Sweeps: their records, states and plan. */
export interface SweepRecords {
  /**
   * Creates a sweep running on `queue` (default: the trials queue); with an
   * idempotency key, a second call with the same spec returns the first
   * sweep, and one with another spec is refused (IdempotencyKeyReusedError).
   */
  createSweep(
    spec: SweepSpec,
    planned: number,
    idempotencyKey?: string,
    queue?: string,
  ): Promise<{ id: string; created: boolean }>;
  /** The record, its spec parsed (null: no such sweep). */
  getSweep(id: string): Promise<SweepRecord | null>;
  /** A sweep's state alone (null: no such sweep), without reading its record or spec. */
  sweepState(id: string): Promise<SweepState | null>;
  /** Sweep ids, newest first. */
  listSweepIds(limit?: number): Promise<string[]>;
  /** Sweep ids, newest first, a page at a time. */
  listSweepIdsPage(offset?: number, limit?: number): Promise<string[]>;
  /** Sweep ids in one state, newest first, a page at a time. */
  listSweepIdsInState(state: SweepState, offset?: number, limit?: number): Promise<string[]>;
  /** How many sweeps there are (in one state). */
  countSweeps(state?: SweepState): Promise<number>;
  /** Puts sweeps stored before the state indexes existed into them; returns how many it indexed. */
  indexUnindexedSweeps(): Promise<number>;
  /**
   * Moves a sweep to `state` (with its extra fields) in one step; with
   * `from`, only out of one of those states. Never recreates a deleted
   * sweep. Returns whether the sweep changed.
   */
  setSweepState(
    id: string,
    state: SweepState,
    extra?: {
      test?: StoredMetrics;
      bestTrial?: number;
      error?: string;
      note?: string;
      baselines?: readonly BaselineRecord[];
      split?: string;
      comparisons?: readonly StoredComparison[];
      bestConfiguration?: BestConfigurationRecord;
    },
    from?: readonly SweepState[],
  ): Promise<boolean>;
  /** Ends the plan at `planned` trials. */
  setPlanned(id: string, planned: number): Promise<void>;
  /** Hands out the next trial number. */
  claimTrialNumber(id: string): Promise<number>;
  /**
   * Puts an ended sweep back to running with a new spec and plan, recording
   * the event; `false` when the sweep changed since `seen` was read.
   */
  reopenSweep(seen: SweepRecord, spec: SweepSpec, planned: number, event: SweepEvent): Promise<boolean>;
  /**
   * Deletes a sweep's records (not its jobs, not its artifacts). With
   * `unfinished`, notes in the same step that the rest of the delete (the
   * jobs of its first `trials` trials, its artifacts) is still to be done, so
   * that a delete that fails or dies after this step can be finished later
   * (pendingDeletes); DELETE /sweeps/:id passes it, test clean-ups do not.
   * The note is not one of the sweep's keys: it outlives them.
   */
  deleteSweep(id: string, unfinished?: UnfinishedDelete): Promise<void>;
  /** The deletes whose records are gone and whose jobs and artifacts may not be. */
  pendingDeletes(): Promise<PendingDelete[]>;
  /** One sweep's unfinished delete (null: none is pending). */
  pendingDelete(id: string): Promise<PendingDelete | null>;
  /**
   * The delete of `id` has removed everything: it is no longer pending, and
   * is kept as finished (finishedDeletes) until a last sweep-up of its
   * artifacts, for files a writer that was dying meanwhile may have added.
   */
  deleteFinished(id: string): Promise<void>;
  /** Finished deletes awaiting their sweep-up; `at` is when each finished. */
  finishedDeletes(): Promise<PendingDelete[]>;
  /** The sweep-up of `id` is done: forget its delete altogether. */
  forgetFinishedDelete(id: string): Promise<void>;
}

/** What a delete has yet to remove once the sweep's records are gone. */
export interface UnfinishedDelete {
  /** Trials the sweep numbered: its trial jobs are those of 0..trials-1. */
  trials: number;
  /** The trials queue it ran on (SweepRecord.queue): a worker finishes only its own queue's deletes. */
  queue: string;
}

/** A delete noted as unfinished, and since when (ms since the epoch). */
export interface PendingDelete extends UnfinishedDelete {
  id: string;
  at: number;
}

/** Trials as anyone may read and change them, without owning them. */
export interface TrialRecords {
  /**
   * Creates trial n as queued, running `configuration` (default n); a second
   * call for the same n changes nothing. Returns whether it was new.
   */
  createTrial(id: string, n: number, params: TrialConfigInput, configuration?: number): Promise<boolean>;
  getTrial(id: string, n: number): Promise<TrialRecord | null>;
  listTrials(id: string): Promise<TrialRecord[]>;
  /** A trial's epoch reports, in order. */
  history<T = unknown>(id: string, n: number): Promise<T[]>;
  /** What samplers and schedulers may know of every trial: params, state and the metric after each epoch. */
  trialSnapshots(id: string, metric?: ObjectiveMetric): Promise<TrialSnapshot[]>;
  /** Trials by best objective value, best first. */
  leaderboard(id: string, limit?: number): Promise<{ trial: number; best: number }[]>;
  /** The arrivals recorded at an ASHA rung, in arrival order. */
  rungArrivals(id: string, epoch: number): Promise<{ trial: number; value: number; decision: Decision }[]>;
  /** Why a queued trial waits: a worker could not load its fixed engine (cleared by the next start). */
  noteEngineWait(id: string, n: number, note: string): Promise<void>;
  /** Notes a problem with an ended trial's checkpoint (found at finalize). */
  noteTrialCheckpoint(id: string, n: number, note: string): Promise<void>;
  finishTrial(
    id: string,
    n: number,
    state: Exclude<TrialState, 'queued' | 'running'>,
    reason?: string,
  ): Promise<void>;
  /** A cancelled trial back to queued (resume); returns whether it was cancelled. */
  requeueTrial(id: string, n: number): Promise<boolean>;
}

/**
 * The writes of a trial's owner: each carries the fence of the attempt it
 * claimed and throws FencedWriteError once the trial has changed hands.
 */
export interface FencedTrialWrites {
  /** Takes the next attempt of trial n for `owner`: the fence its writes carry. Null if the trial is gone. */
  claimTrialAttempt(id: string, n: number, owner: string): Promise<TrialFence | null>;
  /** The trial is running on the fence's worker, on `engine`; `changes` replaces its engine changes. */
  startTrial(fence: TrialFence, engine: TrialEngine, changes?: readonly EngineChange[]): Promise<void>;
  /**
   * Appends epoch `epoch` (1-based) unless it is already there; returns
   * whether it was appended. With `checkpointed`, the epoch's checkpoint
   * becomes the trial's in the same step.
   */
  recordEpoch(
    fence: TrialFence,
    epoch: number,
    report: unknown,
    value: number,
    checkpointed?: boolean,
  ): Promise<boolean>;
  /** The trial's latest progress; false when the trial no longer exists. */
  recordProgress(fence: TrialFence, progress: object): Promise<boolean>;
  /** Drops epochs after `epochs`. */
  truncateHistory(fence: TrialFence, epochs: number): Promise<void>;
  /** Starts the trial again from epoch 0 (its checkpoint was unusable), noting why. */
  restartTrialFromScratch(fence: TrialFence, note: string): Promise<void>;
  /** Ends the trial as its owner (the fenced twin of finishTrial). */
  finishOwnedTrial(
    fence: TrialFence,
    state: Exclude<TrialState, 'queued' | 'running'>,
    reason?: string,
  ): Promise<void>;
  /** One atomic ASHA arrival at the rung `epoch`; a trial gone meanwhile is told to stop. */
  ashaRung(fence: TrialFence, epoch: number, value: number, reductionFactor: number): Promise<Decision>;
  /**
   * Who holds the trial now: its current attempt and owner and, given the
   * BullMQ job lock and the token it was taken with, whether that lock is
   * still the same.
   */
  trialOwnership(
    fence: TrialFence,
    lock?: { key: string; token: string },
  ): Promise<{ attempt: number; owner: string; lockHeld: boolean }>;
  /** Writes refused to stale attempts in a sweep, by kind (every kind present, zeros included). */
  fencedWrites(id: string): Promise<Record<FencedWriteKind, number>>;
}

/** What was done to a sweep after its submit (cancel, extend, resume), in order. */
export interface SweepEvents {
  addEvent(id: string, event: SweepEvent): Promise<void>;
  events(id: string): Promise<SweepEvent[]>;
}

/**
 * The same Idempotency-Key with a different spec: a client bug (a key reused
 * for a new sweep) that would otherwise quietly get the first sweep back.
 * The API answers 422 naming the header, as payment APIs do.
 */
export class IdempotencyKeyReusedError extends InputError {
  constructor(
    readonly key: string,
    readonly sweepId: string,
  ) {
    super(
      `Idempotency-Key: "${key}" was used for a different spec (sweep ${sweepId}); ` +
        'send the same spec to get that sweep, or use a new key for a new sweep',
      'Idempotency-Key',
    );
  }
}

/**
 * A hash of the spec as parsed (defaults filled in, keys sorted): two bodies
 * that mean the same sweep (JSON or YAML, any key order, a default spelled
 * out or left out) hash alike.
 */
export function specHash(spec: SweepSpec): string {
  return createHash('sha256').update(canonicalJson(spec)!).digest('hex');
}

/** A stored trial record whose params no longer parse as a trial configuration. */
export class StoredTrialParamsError extends Error {
  constructor(
    readonly sweepId: string,
    readonly trialNo: string | undefined,
    problem: string,
  ) {
    super(`sweep ${sweepId} trial ${trialNo ?? '?'}: stored params no longer parse: ${problem}`);
    this.name = 'StoredTrialParamsError';
  }
}
