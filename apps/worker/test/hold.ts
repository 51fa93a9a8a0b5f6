import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { until } from './processes';

/**
 * The test side of WORKER_TEST_HOLD (apps/worker/src/test-hold.ts): hold a
 * named sweep's trials after an epoch, see which trial waits where, let them
 * go. Tests wait on these states instead of racing a sweep's progress.
 */
export interface TestHold {
  /** The environment of workers that obey this hold. */
  readonly env: { WORKER_TEST_HOLD: string };
  /** Trials of sweep `name` may write epochs up to `epoch`, then wait (set it before submitting). */
  holdAfter(name: string, epoch: number): Promise<void>;
  release(name: string): Promise<void>;
  /** Checkpoints of sweep `name` may be written up to `epoch`'s; a later one waits before its first file. */
  holdCheckpointsAfter(name: string, epoch: number): Promise<void>;
  releaseCheckpoints(name: string): Promise<void>;
  /** Resolves once trial `trialNo` of the sweep (on `worker`, if given) waits at the gate: its epoch and worker. */
  waiting(
    sweepId: string,
    trialNo?: number,
    worker?: string,
  ): Promise<{ trialNo: number; epoch: number; worker: string }>;
  /** Resolves once a checkpoint of trial `trialNo` of the sweep waits at its gate: the checkpoint's epoch. */
  checkpointWaiting(sweepId: string, trialNo: number): Promise<{ epoch: number }>;
  /** Removes the hold's keys. */
  dispose(): Promise<void>;
}

export function testHold(redis: Redis): TestHold {
  const key = `vaecf:test-hold:${randomUUID()}`;
  return {
    env: { WORKER_TEST_HOLD: key },
    holdAfter: async (name, epoch) => {
      await redis.hset(key, name, String(epoch));
    },
    release: async (name) => {
      await redis.hdel(key, name);
    },
    holdCheckpointsAfter: async (name, epoch) => {
      await redis.hset(key, `${name}:checkpoint`, String(epoch));
    },
    releaseCheckpoints: async (name) => {
      await redis.hdel(key, `${name}:checkpoint`);
    },
    checkpointWaiting: (sweepId, trialNo) =>
      until(`a checkpoint of ${sweepId}:${trialNo} to wait at the test hold`, async () => {
        const value = await redis.hget(`${key}:held`, `${sweepId}:${trialNo}:checkpoint`);
        return value === null ? null : { epoch: Number(value.split(' ')[0]) };
      }),
    waiting: (sweepId, trialNo, onWorker) =>
      until(`a trial of ${sweepId} to wait at the test hold`, async () => {
        const held = await redis.hgetall(`${key}:held`);
        for (const [field, value] of Object.entries(held)) {
          const [sweep, no, point] = field.split(':');
          if (point !== undefined) continue; // a checkpoint held (checkpointWaiting)
          if (sweep !== sweepId || (trialNo !== undefined && Number(no) !== trialNo)) continue;
          const [epoch, worker] = value.split(' ');
          if (onWorker !== undefined && worker !== onWorker) continue;
          return { trialNo: Number(no), epoch: Number(epoch), worker };
        }
        return null;
      }),
    dispose: async () => {
      await redis.del(key, `${key}:held`);
    },
  };
}
