import {
  readDatasetArtifact,
  resolveTrialConfig,
  Trainer,
  type EpochReport,
  type TrialConfigInput,
} from '@vaecf/cf';
import { jobIds } from '@vaecf/orchestration';
import { describe, expect, it } from 'vitest';
import { startPartitionProxy } from './partition-proxy';
import { testHold } from './hold';
import { until } from './processes';
import { useWorkerFleet, type WorkerFleet } from './worker-fleet';
import { testEngine } from './test-engines';

/**
 * Two real workers and one trial: worker A is cut off from Redis (a
 * partition, by a relay only A talks through) for longer than its job lock,
 * worker B takes the trial over, then A's link heals and the writes A made
 * during the cut arrive late. They must be refused and counted, and the trial
 * must end as an undisturbed run would.
 */
const fx = useWorkerFleet('fencing');

type Recorded = EpochReport & { worker: string };

function figures(r: EpochReport) {
  return { epoch: r.epoch, loss: r.loss, steps: r.steps, validation: r.validation };
}

/** The per-epoch figures of the trial trained in this process without any interruption. */
async function undisturbed(params: TrialConfigInput): Promise<unknown[]> {
  const data = await readDatasetArtifact(fx.artifacts.datasetDir('ds'));
  const trainer = await Trainer.create(data, resolveTrialConfig(params), await testEngine());
  try {
    const out = [];
    while (!trainer.finished) out.push(figures(await trainer.runEpoch()));
    return out;
  } finally {
    await trainer.dispose();
  }
}

/** Two workers, a takeover and a 10-epoch trial, plus the reference run: generous on a busy machine. */
const E2E_TIMEOUT_MS = 180_000;

/**
 * A loses the job without spending an attempt or failing it over B: BullMQ
 * counts the attempt that completes a job too, so 1 means nothing was spent
 * before it, and A logged no failure.
 */
async function expectNothingSpent(f: WorkerFleet, id: string, aOutput: string): Promise<void> {
  expect((await f.queue.getJob(jobIds.trial(id, 0)))?.attemptsMade).toBe(1);
  expect(aOutput).not.toMatch(/trial \S+ failed/);
}

describe('fenced writers, with real worker processes and a real Redis', () => {
  it(
    'a worker cut off past its lock loses the trial: its late writes are refused and counted',
    async () => {
      const f = fx.fleet();
      const proxy = await startPartitionProxy(6379);
      try {
        // A records epochs 1-2 and is held before epoch 3's first write (a fenced one): cut off
        // there, that write waits for the link and is refused on heal, however busy the machine.
        const hold = testHold(fx.redis);
        const name = `fencing-${Date.now()}`;
        await hold.holdAfter(name, 2);
        const a = f.start('A', { REDIS_URL: proxy.url, ...hold.env });
        const id = await f.submit({ lr: { type: 'choice', values: [1e-3] } }, 10, 1, name);
        await hold.waiting(id, 0, 'A');
        proxy.cut();
        await hold.release(name);
        const b = f.start('B', hold.env);
        await until('worker B to take the trial over and record an epoch', async () =>
          (await fx.store.history<Recorded>(id, 0)).some((e) => e.worker === 'B'),
        );
        proxy.heal();
        await until(
          'the sweep to complete',
          async () => (await fx.store.getSweep(id))?.state === 'completed',
        );
        // A's first write after the heal was refused, in Redis, and A said by whom it was replaced.
        await until('worker A to log the refusal', async () =>
          a.output().includes(`attempt 1 (A) refused; the trial is now attempt 2 of B`),
        );
        expect(a.output()).toContain(`trial ${id}:0: `);
        const refused = await fx.store.fencedWrites(id);
        if (process.env.FENCE_DEBUG)
          console.log(
            refused,
            a
              .output()
              .split('\n')
              .filter((l) => /refused|lease/.test(l)),
          );
        expect(Object.values(refused).reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(1);

        const trial = (await fx.store.getTrial(id, 0))!;
        expect(trial).toMatchObject({ state: 'completed', attempt: 2, owner: 'B', checkpointRestarts: 0 });
        expect(trial.checkpoint).toEqual({ attempt: 2, epoch: 10 });
        const history = await fx.store.history<Recorded>(id, 0);
        // Every epoch once, A's before the takeover and B's after it: B resumed from A's checkpoint.
        expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const workers = history.map((e) => e.worker).join('');
        expect(workers).toMatch(/^A{2,}B+$/);
        expect(history.map(figures)).toEqual(await undisturbed(trial.params));
        await expectNothingSpent(f, id, a.output());

        // Every worker exports the count Redis holds.
        const port = await until('B metrics port', async () => b.metricsPort());
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        for (const [kind, n] of Object.entries(refused))
          if (n > 0) expect(text).toContain(`vaecf_fenced_writes_total{sweep="${id}",kind="${kind}"} ${n}`);
      } finally {
        proxy.heal();
        await f.close();
        await proxy.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a worker paused past its lock (SIGSTOP) loses the trial and, woken, writes nothing more to it',
    async () => {
      const f = fx.fleet();
      const a = f.start('A');
      const id = await f.submit({ lr: { type: 'choice', values: [2e-3] } }, 10, 1);
      await until(
        'worker A to record 2 epochs',
        async () => ((await fx.store.getTrial(id, 0))?.epochs ?? 0) >= 2,
      );
      // The whole worker, its trial process included, as a host that freezes.
      process.kill(-a.child.pid!, 'SIGSTOP');
      try {
        f.start('B');
        await until('worker B to take the trial over and record an epoch', async () =>
          (await fx.store.history<Recorded>(id, 0)).some((e) => e.worker === 'B'),
        );
      } finally {
        process.kill(-a.child.pid!, 'SIGCONT');
      }
      await until('the sweep to complete', async () => (await fx.store.getSweep(id))?.state === 'completed');
      // Woken, A's trial process stops: its watcher finds the lease lapsed (or a write of it is refused).
      const gaveUp = new RegExp(`trial ${id}:0: [^\\n]*attempt 1 \\(A\\) (lost its lease|refused)`);
      await until('worker A to give the trial up', async () => gaveUp.test(a.output()));
      const trial = (await fx.store.getTrial(id, 0))!;
      expect(trial).toMatchObject({
        state: 'completed',
        attempt: 2,
        owner: 'B',
        checkpoint: { attempt: 2, epoch: 10 },
      });
      const history = await fx.store.history<Recorded>(id, 0);
      expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(history.map((e) => e.worker).join('')).toMatch(/^A{2,}B+$/);
      expect(history.map(figures)).toEqual(await undisturbed(trial.params));
      await expectNothingSpent(f, id, a.output());
      await f.close();
    },
    E2E_TIMEOUT_MS,
  );
});
