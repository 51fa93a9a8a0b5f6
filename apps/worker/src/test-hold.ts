import type { Redis } from 'ioredis';

/**
 * A gate for tests, never set in production: with `WORKER_TEST_HOLD=<key>`
 * a trial process checks, after training each epoch and before that epoch's
 * first write (its fenced progress), the Redis hash `<key>`. While the field
 * named after the trial's sweep (the spec's `name`) holds a number smaller
 * than the epoch just trained, the trial waits there; deleting the field (or
 * raising it) lets it go on. A waiting trial is listed in the hash
 * `<key>:held` (`<sweepId>:<trialNo>` -> `<epoch> <workerId>`) so that a test
 * waits on that state, never on the clock: "hold sweep X after epoch 1,
 * cancel it, release it" is the same sequence however busy the machine is.
 * It also stops waiting when the trial's signal aborts (shutdown, lost lease),
 * and then goes on to the write as it would have without the gate.
 *
 * A second gate, `point: 'checkpoint'`, holds an epoch's checkpoint write
 * (in the background, while the next epoch trains: checkpoint-pipeline.ts)
 * before it writes any file: the field `<name>:checkpoint` and the entry
 * `<sweepId>:<trialNo>:checkpoint`, with the same rules.
 */
export type TrialHold = (
  at: {
    sweepId: string;
    sweepName: string | undefined;
    trialNo: number;
    epoch: number;
    point?: 'checkpoint';
  },
  signal?: AbortSignal,
) => Promise<void>;

/** How often a held trial looks at its gate again (a test's wait, not a production path). */
const POLL_MS = 25;

export function redisTrialHold(redis: Redis, key: string, workerId: string): TrialHold {
  return async ({ sweepId, sweepName, trialNo, epoch, point }, signal) => {
    if (!sweepName) return;
    const suffix = point ? `:${point}` : '';
    const held = `${sweepId}:${trialNo}${suffix}`;
    const holds = async () => {
      const upTo = await redis.hget(key, `${sweepName}${suffix}`);
      return upTo !== null && epoch > Number(upTo);
    };
    if (!(await untilAborted(holds(), signal))) return;
    await redis.hset(`${key}:held`, held, `${epoch} ${workerId}`);
    try {
      while (!signal?.aborted && (await untilAborted(holds(), signal))) {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      // Not awaited when aborted: a process cut off from Redis must not wait on it here.
      const cleared = redis.hdel(`${key}:held`, held).catch(() => undefined);
      if (!signal?.aborted) await cleared;
    }
  };
}

/** The answer of `p`, or false as soon as `signal` aborts (a hung Redis round trip included). */
function untilAborted(p: Promise<boolean>, signal?: AbortSignal): Promise<boolean> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
