import { randomBytes } from 'node:crypto';
import { ConfigError, parseTrialConfigInput, type TrialConfigInput } from '@vaecf/cf';
import { preview } from '@vaecf/errors';
import {
  parseSweepSpec,
  type Decision,
  type ObjectiveMetric,
  type SweepSpec,
  type TrialSnapshot,
  type TrialState,
} from '@vaecf/sweep';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { QUEUES } from './queue-names';
import { IDEMPOTENCY_TTL_SECONDS, keys } from './keys';
import type {
  EngineChange,
  BaselineRecord,
  BestConfigurationRecord,
  StoredComparison,
  StoredMetrics,
  SweepEvent,
  SweepRecord,
  SweepState,
  TrialEngine,
  TrialRecord,
} from './records';
import { SWEEP_STATES } from './records';
import { evalFenced, FENCED_WRITE_KINDS, GONE, type FencedWriteKind, type TrialFence } from './fence';
import {
  ADD_EVENT,
  ASHA_RUNG,
  CLAIM_TRIAL_ATTEMPT,
  CREATE_SWEEP,
  FINISH_OWNED_TRIAL,
  FINISH_TRIAL,
  RECORD_EPOCH,
  RECORD_PROGRESS,
  REOPEN_SWEEP,
  REQUEUE_TRIAL,
  RESTART_TRIAL,
  SET_SWEEP_STATE,
  START_TRIAL,
  NOTE_ENGINE_WAIT,
  NOTE_TRIAL_CHECKPOINT,
  TRUNCATE_HISTORY,
} from './scripts';
import {
  IdempotencyKeyReusedError,
  specHash,
  StoredTrialParamsError,
  type PendingDelete,
  type SweepStore,
  type UnfinishedDelete,
} from './sweep-store';

/**
 * Sweep and trial records in Redis (layout in keys.ts). Every write that
 * must not be split or repeated (creating a sweep under a client key,
 * appending an epoch, an ASHA rung decision) is one Lua script. Every write
 * of a trial's owner carries its fence (fence.ts) and throws
 * FencedWriteError once the trial has changed hands.
 */
export class RedisSweepStore implements SweepStore {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates a sweep; with an idempotency key, a second call with the same
   * spec returns the first sweep, and one with another spec is refused
   * (IdempotencyKeyReusedError): the key is stored with the spec's hash.
   */
  async createSweep(
    spec: SweepSpec,
    planned: number,
    idempotencyKey?: string,
    queue: string = QUEUES.trials,
  ): Promise<{ id: string; created: boolean }> {
    const id = `sw_${randomBytes(6).toString('hex')}`;
    const hash = specHash(spec);
    const [sweepId, created, storedHash] = (await CREATE_SWEEP.run(
      this.redis,
      [
        idempotencyKey ? keys.idempotency(idempotencyKey) : keys.sweep(id),
        keys.sweep(id),
        keys.sweeps,
        keys.sweepsInState('running'),
      ],
      [
        id,
        JSON.stringify(spec),
        this.now(),
        planned,
        IDEMPOTENCY_TTL_SECONDS,
        idempotencyKey ? '1' : '0',
        queue,
        hash,
      ],
    )) as [string, number, string];
    // A key stored before hashes were (storedHash '') cannot be compared: the first sweep, as then.
    if (idempotencyKey && created !== 1 && storedHash !== '' && storedHash !== hash)
      throw new IdempotencyKeyReusedError(idempotencyKey, sweepId);
    return { id: sweepId, created: created === 1 };
  }

  async getSweep(id: string): Promise<SweepRecord | null> {
    const h = await this.redis.hgetall(keys.sweep(id));
    if (!h.id) return null;
    return {
      id: h.id,
      // The store is the boundary: records come out typed, their spec parsed here and nowhere else.
      spec: parseSweepSpec(JSON.parse(h.spec)),
      state: h.state as SweepState,
      createdAt: Number(h.createdAt),
      updatedAt: Number(h.updatedAt),
      planned: Number(h.planned),
      queue: h.queue ?? QUEUES.trials,
      nextTrial: Number(h.nextTrial),
      bestTrial: h.bestTrial === undefined ? undefined : Number(h.bestTrial),
      test: h.test ? (JSON.parse(h.test) as StoredMetrics) : undefined,
      error: h.error,
      note: h.note,
      baselines: h.baselines ? (JSON.parse(h.baselines) as BaselineRecord[]) : undefined,
      split: h.split,
      comparisons: h.comparisons ? (JSON.parse(h.comparisons) as StoredComparison[]) : undefined,
      bestConfiguration: h.bestConfiguration
        ? (JSON.parse(h.bestConfiguration) as BestConfigurationRecord)
        : undefined,
    };
  }

  /**
   * A sweep's state alone (null: no such sweep), in one HGET: the trial
   * runner asks it after every epoch, where getSweep would read and parse
   * the whole record and its spec.
   */
  async sweepState(id: string): Promise<SweepState | null> {
    const state = await this.redis.hget(keys.sweep(id), 'state');
    return state === null ? null : (state as SweepState);
  }

  /** Sweep ids, newest first. */
  async listSweepIds(limit = 100): Promise<string[]> {
    return this.redis.zrevrange(keys.sweeps, 0, limit - 1);
  }

  /**
   * Moves a sweep to `state` (with its extra fields) in one step. With `from`,
   * only out of one of those states (cancel never undoes a completion).
   * Never recreates a deleted sweep. Returns whether the sweep changed.
   */
  async setSweepState(
    id: string,
    state: SweepState,
    extra: {
      test?: StoredMetrics;
      bestTrial?: number;
      error?: string;
      note?: string;
      baselines?: readonly BaselineRecord[];
      split?: string;
      comparisons?: readonly StoredComparison[];
      bestConfiguration?: BestConfigurationRecord;
    } = {},
    from: readonly SweepState[] = [],
  ): Promise<boolean> {
    const fields: (string | number)[] = ['updatedAt', this.now()];
    if (extra.test) fields.push('test', JSON.stringify(extra.test));
    if (extra.bestTrial !== undefined) fields.push('bestTrial', extra.bestTrial);
    if (extra.error !== undefined) fields.push('error', extra.error);
    if (extra.note !== undefined) fields.push('note', extra.note);
    if (extra.baselines) fields.push('baselines', JSON.stringify(extra.baselines));
    if (extra.split !== undefined) fields.push('split', extra.split);
    if (extra.comparisons) fields.push('comparisons', JSON.stringify(extra.comparisons));
    if (extra.bestConfiguration) fields.push('bestConfiguration', JSON.stringify(extra.bestConfiguration));
    const indexes = [state, ...SWEEP_STATES.filter((s) => s !== state)].map(keys.sweepsInState);
    const changed = await SET_SWEEP_STATE.run(
      this.redis,
      [keys.sweep(id), ...indexes],
      [state, from.join(','), id, ...fields],
    );
    return changed === 1;
  }

  /** Sweep ids, newest first, a page at a time. */
  async listSweepIdsPage(offset = 0, limit = 100): Promise<string[]> {
    return this.redis.zrevrange(keys.sweeps, offset, offset + limit - 1);
  }

  /** How many sweeps there are (in one state). */
  async countSweeps(state?: SweepState): Promise<number> {
    return this.redis.zcard(state ? keys.sweepsInState(state) : keys.sweeps);
  }

  /**
   * Puts sweeps stored before the state indexes existed into them (an
   * upgrade: records written by an older version). Idempotent; returns how
   * many it indexed.
   */
  async indexUnindexedSweeps(): Promise<number> {
    const ids = await this.redis.zrange(keys.sweeps, 0, -1);
    let indexed = 0;
    for (const id of ids) {
      const [state, createdAt] = await this.redis.hmget(keys.sweep(id), 'state', 'createdAt');
      if (!state || (await this.redis.zscore(keys.sweepsInState(state), id)) !== null) continue;
      await this.redis.zadd(keys.sweepsInState(state), Number(createdAt) || 0, id);
      indexed++;
    }
    return indexed;
  }

  /** Sweep ids in one state, newest first, a page at a time. */
  async listSweepIdsInState(state: SweepState, offset = 0, limit = 100): Promise<string[]> {
    return this.redis.zrevrange(keys.sweepsInState(state), offset, offset + limit - 1);
  }

  /** Ends the plan at `planned` trials (the sampler ran out of proposals before it). */
  async setPlanned(id: string, planned: number): Promise<void> {
    if (await this.redis.exists(keys.sweep(id))) await this.redis.hset(keys.sweep(id), 'planned', planned);
  }

  /** Hands out the next trial number (a counter on the sweep). */
  async claimTrialNumber(id: string): Promise<number> {
    return (await this.redis.hincrby(keys.sweep(id), 'nextTrial', 1)) - 1;
  }

  /**
   * Creates trial n as queued, running `configuration` (the configuration it
   * replicates with its own seed; default n, one seed a configuration); a
   * second call for the same n changes nothing. Returns whether it was new.
   */
  async createTrial(id: string, n: number, params: TrialConfigInput, configuration = n): Promise<boolean> {
    const created = await this.redis.hsetnx(keys.trial(id, n), 'no', n);
    if (!created) return false;
    await this.redis
      .multi()
      .hset(keys.trial(id, n), {
        params: JSON.stringify(params),
        configuration,
        state: 'queued',
        createdAt: this.now(),
        epochs: 0,
        attempt: 0,
      })
      .zadd(keys.trials(id), n, String(n))
      .exec();
    return true;
  }

  async getTrial(id: string, n: number): Promise<TrialRecord | null> {
    const h = await this.redis.hgetall(keys.trial(id, n));
    return h.no === undefined || h.params === undefined ? null : parseTrial(id, h);
  }

  async listTrials(id: string): Promise<TrialRecord[]> {
    const nos = await this.redis.zrange(keys.trials(id), 0, -1);
    const pipe = this.redis.pipeline();
    for (const n of nos) pipe.hgetall(keys.trial(id, Number(n)));
    const rows = (await pipe.exec()) ?? [];
    return rows.map(([, h]) => parseTrial(id, h as Record<string, string>));
  }

  /**
   * Takes the next attempt of trial n for `owner` (a worker starting or
   * resuming it): the fence its writes carry, which makes every earlier
   * attempt's writes refused. Null if the trial is gone.
   */
  async claimTrialAttempt(id: string, n: number, owner: string): Promise<TrialFence | null> {
    const attempt = Number(
      await CLAIM_TRIAL_ATTEMPT.run(this.redis, [keys.trial(id, n)], [owner, this.now()]),
    );
    return attempt > 0 ? { sweepId: id, trialNo: n, attempt, owner } : null;
  }

  /**
   * The trial is running on the fence's worker, on `engine`. `changes`, when
   * given, replaces the trial's list of engine changes (the caller appends
   * this attempt's change to the list it read after claiming the attempt:
   * the fence makes it the only writer).
   */
  async startTrial(fence: TrialFence, engine: TrialEngine, changes?: readonly EngineChange[]): Promise<void> {
    await evalFenced(
      this.redis,
      START_TRIAL,
      fence,
      'start',
      [],
      [this.now(), fence.owner, engine.name, JSON.stringify(engine), changes ? JSON.stringify(changes) : ''],
    );
  }

  /**
   * Why a trial waits: a worker that took it could not load its fixed engine
   * and handed it back unclaimed (no attempt, no fence: the note is all it
   * writes). The next start clears it.
   */
  async noteEngineWait(id: string, n: number, note: string): Promise<void> {
    // Only on a trial that still exists and has not started meanwhile: HSET would recreate a deleted one.
    await NOTE_ENGINE_WAIT.run(this.redis, [keys.trial(id, n)], [note]);
  }

  /**
   * Appends epoch `epoch` (1-based) unless it is already there; returns
   * whether it was appended. With `checkpointed`, the epoch's checkpoint is
   * committed under the fence's attempt and becomes the trial's in the same
   * step (`TrialRecord.checkpoint`).
   */
  async recordEpoch(
    fence: TrialFence,
    epoch: number,
    report: unknown,
    value: number,
    checkpointed = false,
  ): Promise<boolean> {
    const { sweepId: id, trialNo: n } = fence;
    const r = await evalFenced(
      this.redis,
      RECORD_EPOCH,
      fence,
      'epoch',
      [keys.history(id, n), keys.leaderboard(id)],
      [epoch, JSON.stringify(report), String(value), n, checkpointed ? '1' : '0'],
    );
    return r === 1;
  }

  /**
   * The trial's latest progress (written before each epoch's checkpoint: see scripts.ts).
   * False when the trial no longer exists (its sweep was deleted): nothing was written.
   */
  async recordProgress(fence: TrialFence, progress: object): Promise<boolean> {
    const r = await evalFenced(
      this.redis,
      RECORD_PROGRESS,
      fence,
      'progress',
      [],
      [JSON.stringify(progress)],
    );
    return r !== GONE;
  }

  /**
   * Who holds the trial now, in one round trip: its current attempt and
   * owner and, given the BullMQ job lock (`<prefix>:<queue>:<jobId>:lock`)
   * and the token it was taken with, whether that lock is still the same.
   * The lease watcher of a trial process asks this.
   */
  async trialOwnership(
    fence: TrialFence,
    lock?: { key: string; token: string },
  ): Promise<{ attempt: number; owner: string; lockHeld: boolean }> {
    const pipe = this.redis.pipeline().hmget(keys.trial(fence.sweepId, fence.trialNo), 'attempt', 'owner');
    if (lock) pipe.get(lock.key);
    const rows = (await pipe.exec()) ?? [];
    for (const [err] of rows) if (err) throw err;
    const [attempt, owner] = rows[0][1] as (string | null)[];
    return {
      attempt: Number(attempt ?? 0),
      owner: owner ?? '',
      lockHeld: lock ? rows[1][1] === lock.token : true,
    };
  }

  /** Writes refused to stale attempts in a sweep, by kind (every kind present, zeros included). */
  async fencedWrites(id: string): Promise<Record<FencedWriteKind, number>> {
    const h = await this.redis.hgetall(keys.fenced(id));
    return Object.fromEntries(FENCED_WRITE_KINDS.map((k) => [k, Number(h[k] ?? 0)])) as Record<
      FencedWriteKind,
      number
    >;
  }

  /**
   * What samplers and schedulers may know of every trial: its params, state
   * and the objective's validation metric after each epoch (histories read
   * in one round trip).
   */
  async trialSnapshots(id: string, metric: ObjectiveMetric = 'ndcg100'): Promise<TrialSnapshot[]> {
    const trials = await this.listTrials(id);
    const pipe = this.redis.pipeline();
    for (const t of trials) pipe.lrange(keys.history(id, t.no), 0, -1);
    const rows = (await pipe.exec()) ?? [];
    return trials.map((t, k) => {
      type Report = { validation?: Partial<Record<ObjectiveMetric, number>>; beta?: number };
      const reports = ((rows[k]?.[1] as string[] | undefined) ?? []).map((s) => JSON.parse(s) as Report);
      return {
        number: t.no,
        params: t.params,
        state: t.state,
        values: reports.map((r) => r.validation?.[metric] ?? NaN),
        betas: reports.map((r) => r.beta ?? NaN),
      };
    });
  }

  async history<T = unknown>(id: string, n: number): Promise<T[]> {
    return (await this.redis.lrange(keys.history(id, n), 0, -1)).map((s) => JSON.parse(s) as T);
  }

  /** Drops epochs after `epochs` (a trial resumed from an older checkpoint re-reports them). */
  async truncateHistory(fence: TrialFence, epochs: number): Promise<void> {
    const { sweepId: id, trialNo: n } = fence;
    await evalFenced(this.redis, TRUNCATE_HISTORY, fence, 'truncate', [keys.history(id, n)], [epochs]);
  }

  /**
   * A trial whose checkpoint was unusable starts again from epoch 0: its
   * history, best value, checkpoint pointer and leaderboard entry go, and the
   * record notes why.
   */
  async restartTrialFromScratch(fence: TrialFence, note: string): Promise<void> {
    const { sweepId: id, trialNo: n } = fence;
    await evalFenced(
      this.redis,
      RESTART_TRIAL,
      fence,
      'restart',
      [keys.history(id, n), keys.leaderboard(id)],
      [note, n],
    );
  }

  /** Notes a problem with an ended trial's checkpoint (found at finalize). */
  async noteTrialCheckpoint(id: string, n: number, note: string): Promise<void> {
    // Only on a trial that still exists: HSET would recreate one of a deleted sweep.
    await NOTE_TRIAL_CHECKPOINT.run(this.redis, [keys.trial(id, n)], [note]);
  }

  async finishTrial(
    id: string,
    n: number,
    state: Exclude<TrialState, 'queued' | 'running'>,
    reason?: string,
  ): Promise<void> {
    await FINISH_TRIAL.run(
      this.redis,
      [keys.trial(id, n), keys.leaderboard(id)],
      [state, this.now(), reason ?? '', n],
    );
  }

  /** Ends the trial as its owner (the fenced twin of finishTrial). */
  async finishOwnedTrial(
    fence: TrialFence,
    state: Exclude<TrialState, 'queued' | 'running'>,
    reason?: string,
  ): Promise<void> {
    const { sweepId: id, trialNo: n } = fence;
    await evalFenced(
      this.redis,
      FINISH_OWNED_TRIAL,
      fence,
      'finish',
      [keys.leaderboard(id)],
      [state, this.now(), reason ?? '', n],
    );
  }

  /**
   * Puts an ended sweep back to running with a new spec and plan (extend,
   * resume), recording the event. Fails with `false` when the sweep changed
   * since `seen` was read (a concurrent extend, cancel or finalize).
   */
  async reopenSweep(
    seen: SweepRecord,
    spec: SweepSpec,
    planned: number,
    event: SweepEvent,
  ): Promise<boolean> {
    const indexes = ['running' as const, ...SWEEP_STATES.filter((s) => s !== 'running')].map(
      keys.sweepsInState,
    );
    const r = await REOPEN_SWEEP.run(
      this.redis,
      [keys.sweep(seen.id), keys.events(seen.id), ...indexes],
      [String(seen.updatedAt), this.now(), JSON.stringify(spec), planned, JSON.stringify(event), seen.id],
    );
    return r === 1;
  }

  /** A cancelled trial back to queued (resume); returns whether it was cancelled. */
  async requeueTrial(id: string, n: number): Promise<boolean> {
    return (await REQUEUE_TRIAL.run(this.redis, [keys.trial(id, n), keys.leaderboard(id)], [n])) === 1;
  }

  /** Appends to the sweep's record of what was done to it (not to a deleted sweep's). */
  async addEvent(id: string, event: SweepEvent): Promise<void> {
    await ADD_EVENT.run(this.redis, [keys.sweep(id), keys.events(id)], [JSON.stringify(event)]);
  }

  async events(id: string): Promise<SweepEvent[]> {
    return (await this.redis.lrange(keys.events(id), 0, -1)).map((e) => JSON.parse(e) as SweepEvent);
  }

  /**
   * One atomic ASHA arrival of the fence's trial at the rung `epoch` (see
   * scripts.ts). A trial gone meanwhile is told to stop.
   */
  async ashaRung(
    fence: TrialFence,
    epoch: number,
    value: number,
    reductionFactor: number,
  ): Promise<Decision> {
    const r = await evalFenced(
      this.redis,
      ASHA_RUNG,
      fence,
      'rung',
      [keys.rung(fence.sweepId, epoch)],
      [fence.trialNo, String(value), reductionFactor],
    );
    return r === GONE ? 'stop' : (r as Decision);
  }

  /** The arrivals recorded at a rung, in arrival order. */
  async rungArrivals(
    id: string,
    epoch: number,
  ): Promise<{ trial: number; value: number; decision: Decision }[]> {
    const h = await this.redis.hgetall(keys.rung(id, epoch));
    return Object.entries(h)
      .map(([trial, v]) => {
        const [arrival, value, decision] = v.split(' ');
        return {
          arrival: Number(arrival),
          trial: Number(trial),
          value: Number(value),
          decision: decision as Decision,
        };
      })
      .sort((a, b) => a.arrival - b.arrival)
      .map(({ trial, value, decision }) => ({ trial, value, decision }));
  }

  /** Trials by best validation NDCG@100, best first. */
  async leaderboard(id: string, limit = 100): Promise<{ trial: number; best: number }[]> {
    const flat = await this.redis.zrevrange(keys.leaderboard(id), 0, limit - 1, 'WITHSCORES');
    const out: { trial: number; best: number }[] = [];
    for (let k = 0; k < flat.length; k += 2) out.push({ trial: Number(flat[k]), best: Number(flat[k + 1]) });
    return out;
  }

  async deleteSweep(id: string, unfinished?: UnfinishedDelete): Promise<void> {
    const nos = await this.redis.zrange(keys.trials(id), 0, -1);
    const rungs = await this.scanKeys(`vaecf:sweep:{${id}}:rung:*`);
    const doomed = [
      keys.sweep(id),
      keys.trials(id),
      keys.leaderboard(id),
      keys.events(id),
      keys.fenced(id),
      ...rungs,
    ];
    for (const n of nos) doomed.push(keys.trial(id, Number(n)), keys.history(id, Number(n)));
    const tx = this.redis
      .multi()
      .del(...doomed)
      .zrem(keys.sweeps, id);
    for (const state of SWEEP_STATES) tx.zrem(keys.sweepsInState(state), id);
    if (unfinished) tx.hset(keys.deletes, id, JSON.stringify({ ...unfinished, at: Date.now() }));
    await tx.exec();
  }

  async pendingDeletes(): Promise<PendingDelete[]> {
    return this.deleteNotes(keys.deletes);
  }

  async pendingDelete(id: string): Promise<PendingDelete | null> {
    const raw = await this.redis.hget(keys.deletes, id);
    return raw === null ? null : parsePendingDelete(id, raw);
  }

  async deleteFinished(id: string): Promise<void> {
    const pending = await this.pendingDelete(id);
    const tx = this.redis.multi().hdel(keys.deletes, id);
    // Finished twice at once (a retried DELETE beside a reconciler): the second sees no note.
    if (pending) {
      const { trials, queue } = pending;
      tx.hset(keys.deletesFinished, id, JSON.stringify({ trials, queue, at: Date.now() }));
    }
    await tx.exec();
  }

  async finishedDeletes(): Promise<PendingDelete[]> {
    return this.deleteNotes(keys.deletesFinished);
  }

  /** Every note of one of the delete hashes (pending or finished), parsed. */
  private async deleteNotes(key: string): Promise<PendingDelete[]> {
    const all = await this.redis.hgetall(key);
    return Object.entries(all).map(([id, raw]) => parsePendingDelete(id, raw));
  }

  async forgetFinishedDelete(id: string): Promise<void> {
    await this.redis.hdel(keys.deletesFinished, id);
  }

  private async scanKeys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }
}

function parseTrial(sweepId: string, h: Record<string, string>): TrialRecord {
  return {
    no: Number(h.no),
    params: storedTrialParams(sweepId, h.no, h.params),
    configuration: h.configuration === undefined ? undefined : Number(h.configuration),
    state: h.state as TrialState,
    createdAt: Number(h.createdAt),
    startedAt: h.startedAt ? Number(h.startedAt) : undefined,
    endedAt: h.endedAt ? Number(h.endedAt) : undefined,
    worker: h.worker,
    backend: h.backend,
    engine: jsonField<TrialEngine>(h.engine, (v) => typeof v === 'object' && v !== null && 'name' in v),
    engineChanges: jsonField<EngineChange[]>(h.engineChanges, Array.isArray),
    engineWait: h.engineWait,
    epochs: Number(h.epochs ?? 0),
    best: h.best === undefined ? undefined : Number(h.best),
    reason: h.reason,
    attempt: Number(h.attempt ?? 0),
    owner: h.owner,
    attempts: Number(h.attempt ?? h.attempts ?? 0),
    checkpoint:
      h.checkpointAttempt === undefined
        ? undefined
        : { attempt: Number(h.checkpointAttempt), epoch: Number(h.checkpointEpoch) },
    checkpointRestarts: Number(h.checkpointRestarts ?? 0),
    checkpointNote: h.checkpointNote,
  };
}

/**
 * A trial's params, parsed once here with libs/cf's trial schema (the input
 * form: the sweep leaves unset fields to the model's defaults), so every
 * reader gets them typed. Params that no longer parse (written by another
 * version, or by hand) are refused naming the sweep and trial: unlike the
 * informational fields below, a trial cannot run or be shown without them.
 */
function storedTrialParams(
  sweepId: string,
  no: string | undefined,
  text: string | undefined,
): TrialConfigInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '{}');
  } catch {
    throw new StoredTrialParamsError(sweepId, no, `not JSON (${preview(text)})`);
  }
  try {
    return parseTrialConfigInput(raw);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new StoredTrialParamsError(sweepId, no, `${e.field}: ${e.problem} (got ${preview(e.value)})`);
    throw e;
  }
}

/**
 * A JSON field of a record, or undefined when absent or not of the shape
 * `valid` accepts: one odd field (written by another version) never makes a
 * whole listing, a scrape or a leaderboard fail.
 */
function jsonField<T>(text: string | undefined, valid: (v: unknown) => boolean): T | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return valid(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pending delete as stored; one that does not parse (written by hand, or by
 * a later version) still names its sweep, with no trial jobs to remove and
 * the default trials queue: its artifacts go, and a job left behind ends at
 * its worker, which finds the sweep gone.
 */
function parsePendingDelete(id: string, raw: string): PendingDelete {
  const v = jsonField<z.infer<typeof pendingDeleteSchema>>(
    raw,
    (x) => pendingDeleteSchema.safeParse(x).success,
  );
  return v ? { id, ...v } : { id, trials: 0, queue: QUEUES.trials, at: 0 };
}

const pendingDeleteSchema = z.object({
  trials: z.number().int().nonnegative(),
  queue: z.string().min(1),
  at: z.number(),
});
