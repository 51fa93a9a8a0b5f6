import type { SweepStore, TrialFence } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCoreBed, type CoreBed } from '../../../test/support/core-bed';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server';
import { LeaseLostError, watchLease, type LeaseWatch } from '../src/lease-watch';

const LOCK_MS = 400;

let server: PrivateRedis;
let bed: CoreBed;
let redis: Redis;
let store: SweepStore;

beforeAll(async () => {
  // A Redis of this file's own: one test stops it.
  server = await startPrivateRedis();
  // As a worker connects: commands wait out an outage instead of failing.
  bed = openCoreBed({ url: server.url });
  ({ redis, store } = bed);
  redis.on('error', () => undefined); // refused reconnects while the test has Redis stopped
});
afterAll(async () => {
  await bed.close();
  await server.dispose();
});

async function claimedTrial(owner: string): Promise<TrialFence> {
  const { id } = await store.createSweep(parseSweepSpec({ dataset: 'ds', model: 'vae' }), 1);
  await store.createTrial(id, 0, { model: 'vae' });
  return (await store.claimTrialAttempt(id, 0, owner))!;
}

function lost(watch: LeaseWatch): Promise<LeaseLostError> {
  return new Promise((resolve) =>
    watch.signal.addEventListener('abort', () => resolve(watch.signal.reason as LeaseLostError), {
      once: true,
    }),
  );
}

describe('the lease watcher of a trial process, on a real Redis', () => {
  it('keeps the lease while Redis confirms it, and aborts once the trial changed hands', async () => {
    const a = await claimedTrial('A');
    let probes = 0;
    const watch = watchLease({
      fence: a,
      lockMs: LOCK_MS,
      probe: () => {
        probes++;
        return store.trialOwnership(a);
      },
    });
    const aborted = lost(watch);
    // Twice the lock time's worth of confirmations, and still ours.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => probes >= 8 && (clearInterval(t), resolve()), 10);
    });
    expect(watch.signal.aborted).toBe(false);
    await store.claimTrialAttempt(a.sweepId, a.trialNo, 'B');
    const reason = await aborted;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.message).toBe(
      `trial ${a.sweepId}:0: attempt 1 (A) lost its lease: the trial is now attempt 2 of B`,
    );
  });

  it('aborts when the job lock is no longer the token the job was given', async () => {
    const a = await claimedTrial('A');
    const lock = { key: `test-lease:${a.sweepId}:lock`, token: 'token-1' };
    await redis.set(lock.key, lock.token, 'PX', 60_000);
    const watch = watchLease({ fence: a, lockMs: LOCK_MS, probe: () => store.trialOwnership(a, lock) });
    const aborted = lost(watch);
    await redis.set(lock.key, 'token-of-another-worker', 'PX', 60_000);
    expect((await aborted).message).toContain('its job lock is gone or held by another worker');
    await redis.del(lock.key);
  });

  it('aborts, without asking, at its first tick after a pause longer than the lock', async () => {
    const a = await claimedTrial('A');
    let clock = Date.now();
    let probes = 0;
    const watch = watchLease({
      fence: a,
      lockMs: LOCK_MS,
      now: () => clock,
      probe: () => {
        probes++;
        return store.trialOwnership(a);
      },
    });
    const aborted = lost(watch);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => probes >= 2 && (clearInterval(t), resolve()), 10);
    });
    // The process slept (SIGSTOP) past the lock time: its clock jumps, its trial may be another's.
    clock += LOCK_MS + 1000;
    const seen = probes;
    expect((await aborted).message).toMatch(/ownership unconfirmed for \d+ ms \(lock 400 ms\)/);
    expect(probes).toBe(seen);
  });

  it('aborts when Redis stays unreachable for longer than the lock', async () => {
    const a = await claimedTrial('A');
    let answered = 0;
    const watch = watchLease({
      fence: a,
      lockMs: LOCK_MS,
      probe: async () => {
        const o = await store.trialOwnership(a);
        answered++;
        return o;
      },
    });
    const aborted = lost(watch);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => answered >= 2 && (clearInterval(t), resolve()), 10);
    });
    await server.stop();
    const reason = await aborted;
    // Nobody took the trial: it is the outage, not a new owner, that ended the lease.
    expect(reason.message).toMatch(/ownership unconfirmed for \d+ ms \(lock 400 ms\)/);
    await server.start();
  });
});
