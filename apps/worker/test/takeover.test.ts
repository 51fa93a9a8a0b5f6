import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readWorkerConfig } from '../src/config';
import { takeoverOptions, takeoverWindowMs } from '../src/takeover';
import { startWorker, until } from './processes';

/**
 * How soon a dead worker's trial is taken over is a matter of settings
 * (takeover.ts): checked here as the values BullMQ is given, not by timing a
 * death. The README says 10-30 s with the defaults.
 */
const env = { VAECF_ARTIFACTS_DIR: '/tmp/unused' };

describe("takeover of a dead worker's trial", () => {
  it('the defaults: lock 20 s renewed every 10 s, a stalled check every 10 s: taken over 10-30 s after', () => {
    const c = readWorkerConfig(env);
    expect(takeoverOptions(c)).toEqual({
      lockDuration: 20_000,
      lockRenewTime: 10_000,
      stalledInterval: 10_000,
      maxStalledCount: 5,
    });
    expect(takeoverWindowMs(c)).toEqual([10_000, 30_000]);
  });

  it('refuses a stalled check rarer than a lock renewal (the takeover could wait an extra interval)', () => {
    expect(() =>
      readWorkerConfig({ ...env, WORKER_LOCK_MS: '10000', WORKER_STALLED_CHECK_MS: '6000' }),
    ).toThrow(
      'invalid worker environment: WORKER_STALLED_CHECK_MS: must be at most WORKER_LOCK_MS / 2 (5000 ms)',
    );
    expect(
      readWorkerConfig({ ...env, WORKER_LOCK_MS: '10000', WORKER_STALLED_CHECK_MS: '5000' }),
    ).toMatchObject({
      WORKER_LOCK_MS: 10_000,
      WORKER_STALLED_CHECK_MS: 5000,
    });
  });

  it('a worker started with the defaults gives BullMQ exactly these values', async () => {
    const w = startWorker(`takeover-${randomUUID()}`, {
      VAECF_TRIALS_QUEUE: `test-${randomUUID()}`,
      VAECF_DATASETS_QUEUE: `test-${randomUUID()}`,
      WORKER_LOCK_MS: undefined,
      WORKER_STALLED_CHECK_MS: undefined,
    });
    try {
      await until('the worker to be ready', async () => /: ready/.test(w.output()), 60_000);
      expect(w.output()).toContain(
        "a dead worker's trial is taken over 10-30 s after it died (lock 20000 ms renewed every 10000 ms, " +
          'stalled check every 10000 ms)',
      );
    } finally {
      w.kill9();
    }
  }, 120_000);
});
