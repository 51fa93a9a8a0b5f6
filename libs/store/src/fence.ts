import type { Redis } from 'ioredis';
import { keys } from './keys';
import type { LuaScript } from './lua-script';

/**
 * The fencing token of a trial: the attempt a worker claimed
 * (`SweepStore.claimTrialAttempt`), which changes whenever the trial's job
 * changes hands. Every write the trial's owner makes carries it, and the
 * store's Lua scripts refuse a stale one in the same step as the write.
 */
export interface TrialFence {
  readonly sweepId: string;
  readonly trialNo: number;
  readonly attempt: number;
  /** The worker that claimed it (logs, the record's `owner`). */
  readonly owner: string;
}

/** What a trial's owner writes; each kind is counted apart when refused. */
export const FENCED_WRITE_KINDS = [
  'start',
  'truncate',
  'restart',
  'epoch',
  'progress',
  'rung',
  'finish',
] as const;
export type FencedWriteKind = (typeof FENCED_WRITE_KINDS)[number];

/**
 * A write refused because the trial has changed hands since `attempt` was
 * claimed: the writer no longer owns it and must write nothing more.
 */
export class FencedWriteError extends Error {
  override readonly name = 'FencedWriteError';
  constructor(
    readonly fence: TrialFence,
    readonly kind: FencedWriteKind,
    /** The trial's attempt now, and the worker that claimed it. */
    readonly current: { readonly attempt: number; readonly owner: string },
  ) {
    super(
      `trial ${fence.sweepId}:${fence.trialNo}: ${kind} write of attempt ${fence.attempt} (${fence.owner}) ` +
        `refused; the trial is now attempt ${current.attempt} of ${current.owner || 'nobody'}`,
    );
  }
}

/**
 * Runs one of the fenced scripts (scripts.ts, FENCE_CHECK first): KEYS[1] the
 * trial hash and KEYS[2] the sweep's refusal counts come first, ARGV[1] the
 * attempt and ARGV[2] the kind. Throws FencedWriteError when refused (the
 * refusal is already counted in Redis by then); `gone` when the trial no
 * longer exists (its sweep was deleted), which is not a refusal.
 */
export async function evalFenced(
  redis: Redis,
  script: LuaScript,
  fence: TrialFence,
  kind: FencedWriteKind,
  extraKeys: readonly string[],
  extraArgs: readonly (string | number)[],
): Promise<unknown> {
  const r = await script.run(
    redis,
    [keys.trial(fence.sweepId, fence.trialNo), keys.fenced(fence.sweepId), ...extraKeys],
    [fence.attempt, kind, ...extraArgs],
  );
  if (Array.isArray(r) && r[0] === 'fenced') {
    throw new FencedWriteError(fence, kind, { attempt: Number(r[1]), owner: String(r[2]) });
  }
  if (Array.isArray(r) && r[0] === 'gone') return GONE;
  return r;
}

/** The trial (and its sweep) no longer exists: nothing was written. */
export const GONE = Symbol('gone');
