import { parseSweepSpec } from '@vaecf/sweep';
import { describe, expect, it } from 'vitest';
import { useCoreBed } from '../../../test/support/core-bed';

/** The bed's core: its controller reconciles the sweeps of its own trials queue. */
const bed = useCoreBed();

describe('SweepController.reconcile', () => {
  it('starts a sweep whose submitter died between storing it and enqueueing its trials', async () => {
    const { store, controller, trialsQueue: queue } = bed;
    const stuck = await store.createSweep(
      parseSweepSpec({
        dataset: 'ds',
        model: 'vae',
        space: { lr: { type: 'choice', values: [0.1, 0.2, 0.3] } },
      }),
      3,
      undefined,
      queue.name,
    );
    bed.track(stuck.id);
    expect(await store.listTrials(stuck.id)).toEqual([]);
    await controller.reconcile();
    expect((await store.listTrials(stuck.id)).map((t) => [t.no, t.params.lr, t.state])).toEqual([
      [0, 0.1, 'queued'],
      [1, 0.2, 'queued'],
      [2, 0.3, 'queued'],
    ]);
    expect((await queue.getJobCounts('waiting')).waiting).toBe(3);
  });
});
