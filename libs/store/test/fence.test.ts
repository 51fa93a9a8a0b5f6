import { parseSweepSpec } from '@vaecf/sweep';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FENCED_WRITE_KINDS, FencedWriteError, type TrialFence } from '../src/fence';
import { keys } from '../src/keys';
import { RedisSweepStore } from '../src/redis-sweep-store';
import type { SweepStore } from '../src/sweep-store';
import { connect } from './redis';

/** An engine as a trial records it. */
const WASM = { name: 'tfjs-wasm', provider: 'wasm', device: 'cpu', threads: 1 };

let redis: Redis;
let store: SweepStore;
const created: string[] = [];

beforeAll(() => {
  redis = connect();
  store = new RedisSweepStore(redis);
});
afterAll(async () => {
  for (const id of created) await store.deleteSweep(id);
  await redis.quit();
});

/** A sweep with one trial, and a snapshot of everything Redis holds of that trial. */
async function oneTrial() {
  const { id } = await store.createSweep(parseSweepSpec({ dataset: 'ds', model: 'vae' }), 1);
  created.push(id);
  await store.createTrial(id, 0, { model: 'vae', lr: 0.1 });
  const snapshot = async () => ({
    trial: await redis.hgetall(keys.trial(id, 0)),
    history: await redis.lrange(keys.history(id, 0), 0, -1),
    board: await redis.zrange(keys.leaderboard(id), 0, -1, 'WITHSCORES'),
    rung: await redis.hgetall(keys.rung(id, 1)),
  });
  return { id, snapshot };
}

/** Every kind of write a trial's owner makes, each as the given fence. */
function everyWrite(fence: TrialFence): Record<(typeof FENCED_WRITE_KINDS)[number], () => Promise<unknown>> {
  return {
    start: () => store.startTrial(fence, WASM),
    truncate: () => store.truncateHistory(fence, 0),
    restart: () => store.restartTrialFromScratch(fence, 'checkpoint unusable'),
    epoch: () => store.recordEpoch(fence, 2, { epoch: 2, by: fence.owner }, 0.9, true),
    progress: () => store.recordProgress(fence, { epoch: 2 }),
    rung: () => store.ashaRung(fence, 1, 0.9, 3),
    finish: () => store.finishOwnedTrial(fence, 'completed'),
  };
}

describe('fenced trial writes, on a real Redis', () => {
  it('hands out each attempt once, however many workers claim at the same moment', async () => {
    const { id } = await oneTrial();
    const conns = Array.from({ length: 12 }, () => connect());
    const fences = await Promise.all(
      conns.map((c, k) => new RedisSweepStore(c).claimTrialAttempt(id, 0, `w${k}`)),
    );
    await Promise.all(conns.map((c) => c.quit()));
    expect(fences.map((f) => f!.attempt).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, k) => k + 1),
    );
    const last = fences.find((f) => f!.attempt === 12)!;
    expect(await store.getTrial(id, 0)).toMatchObject({ attempt: 12, attempts: 12, owner: last.owner });
    expect(await store.claimTrialAttempt(id, 7, 'w')).toBeNull(); // no such trial
  });

  it('refuses and counts every kind of write of the older attempt, and takes the newer one', async () => {
    const { id, snapshot } = await oneTrial();
    const a = (await store.claimTrialAttempt(id, 0, 'A'))!;
    await store.startTrial(a, WASM);
    expect(await store.recordEpoch(a, 1, { epoch: 1, by: 'A' }, 0.5, true)).toBe(true);
    expect((await store.getTrial(id, 0))!.checkpoint).toEqual({ attempt: 1, epoch: 1 });

    const b = (await store.claimTrialAttempt(id, 0, 'B'))!;
    expect(b.attempt).toBe(2);
    const before = await snapshot();
    for (const [kind, write] of Object.entries(everyWrite(a))) {
      const refused = await write().then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused, kind).toBeInstanceOf(FencedWriteError);
      expect(refused).toMatchObject({ kind, fence: a, current: { attempt: 2, owner: 'B' } });
      expect((refused as Error).message).toContain('attempt 1 (A) refused; the trial is now attempt 2 of B');
    }
    // Nothing of A's reached the trial: its record, history, leaderboard and rung are as B found them.
    expect(await snapshot()).toEqual(before);
    expect(await store.fencedWrites(id)).toEqual(Object.fromEntries(FENCED_WRITE_KINDS.map((k) => [k, 1])));

    // B's writes go through, and the checkpoint pointer moves to B's attempt.
    await store.startTrial(b, WASM);
    await store.recordProgress(b, { epoch: 2 });
    expect(await store.recordEpoch(b, 2, { epoch: 2, by: 'B' }, 0.9, true)).toBe(true);
    expect(await store.ashaRung(b, 1, 0.9, 3)).toBe('continue');
    await store.finishOwnedTrial(b, 'completed');
    const trial = (await store.getTrial(id, 0))!;
    expect(trial).toMatchObject({ state: 'completed', worker: 'B', epochs: 2, best: 0.9, owner: 'B' });
    expect(trial.checkpoint).toEqual({ attempt: 2, epoch: 2 });
    expect(await store.history(id, 0)).toEqual([
      { epoch: 1, by: 'A' },
      { epoch: 2, by: 'B' },
    ]);
    // Refusals stay counted: B's writes added none.
    expect((await store.fencedWrites(id)).epoch).toBe(1);
  });

  it('never moves the checkpoint pointer back to a stale attempt, even racing the new owner', async () => {
    const { id } = await oneTrial();
    const a = (await store.claimTrialAttempt(id, 0, 'A'))!;
    await store.recordEpoch(a, 1, { epoch: 1 }, 0.1, true);
    const b = (await store.claimTrialAttempt(id, 0, 'B'))!;
    // Both report epoch 2 with a checkpoint at once, over their own connections.
    const [ca, cb] = [connect(), connect()];
    const results = await Promise.allSettled([
      new RedisSweepStore(ca).recordEpoch(a, 2, { epoch: 2, by: 'A' }, 0.2, true),
      new RedisSweepStore(cb).recordEpoch(b, 2, { epoch: 2, by: 'B' }, 0.2, true),
    ]);
    await Promise.all([ca.quit(), cb.quit()]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(FencedWriteError) });
    expect(results[1]).toEqual({ status: 'fulfilled', value: true });
    expect((await store.getTrial(id, 0))!.checkpoint).toEqual({ attempt: 2, epoch: 2 });
    expect(await store.history(id, 0)).toEqual([{ epoch: 1 }, { epoch: 2, by: 'B' }]);
  });

  it('an epoch re-reported from a checkpoint leaves the pointer where it is; a restart clears it', async () => {
    const { id } = await oneTrial();
    const a = (await store.claimTrialAttempt(id, 0, 'A'))!;
    await store.recordEpoch(a, 1, { epoch: 1 }, 0.1, true);
    await store.recordEpoch(a, 2, { epoch: 2 }, 0.2, true);
    const b = (await store.claimTrialAttempt(id, 0, 'B'))!;
    await store.truncateHistory(b, 2);
    expect(await store.recordEpoch(b, 2, { epoch: 2 }, 0.2)).toBe(false);
    expect((await store.getTrial(id, 0))!.checkpoint).toEqual({ attempt: 1, epoch: 2 });
    await store.restartTrialFromScratch(b, 'checkpoint of attempt 1 unusable');
    const trial = (await store.getTrial(id, 0))!;
    expect(trial.checkpoint).toBeUndefined();
    expect(trial).toMatchObject({ epochs: 0, best: undefined, checkpointRestarts: 1 });
    expect(await store.leaderboard(id)).toEqual([]);
  });

  it('a deleted sweep takes no write and counts no refusal', async () => {
    const { id } = await oneTrial();
    const a = (await store.claimTrialAttempt(id, 0, 'A'))!;
    await store.deleteSweep(id);
    for (const write of Object.values(everyWrite(a))) await write();
    expect(await redis.keys(`vaecf:sweep:{${id}}*`)).toEqual([]);
  });
});
