import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { describe, expect, it, vi } from 'vitest';
import { useJobBed } from './job-bed';

/**
 * The trial runner's cancel check after each epoch reads the sweep's state
 * alone (SweepStore.sweepState, one HGET), never the whole record with its
 * spec parsed: counted on a real store, a 4-epoch trial reads the state three
 * times more than a 1-epoch one and the record as often. (Beside the epochs,
 * the trial's and the finalize job's writers read the state once each at their
 * end, to clean up after a delete: a fixed count, the same for any epochs.)
 * Real Redis, the job handler on a BullMQ worker here.
 */
const bed = useJobBed('epoch-state', 'ds', { users: 300, items: 120, seed: 7, heldoutUsers: 40 });

/** Runs a one-trial sweep of `epochs` epochs to its end; the store's counts during it. */
async function run(epochs: number): Promise<{ records: number; states: number }> {
  return bed.withJobLine(
    async ({ core, finalized }) => {
      // The line's store is the one its controller and its job handler were given: every read counts.
      const records = vi.spyOn(core.store, 'getSweep');
      const states = vi.spyOn(core.store, 'sweepState');
      const { id } = await submitSweep(
        parseSweepSpec({
          dataset: 'ds',
          model: 'vae',
          fixed: { dims: [32, 8], batchSize: 100, epochs, totalAnnealSteps: 20 },
          baselines: [],
        }),
        { store: core.store, controller: core.controller, checkDataset: async () => undefined },
      );
      bed.track(id);
      await finalized;
      expect((await core.store.getTrial(id, 0))!.epochs).toBe(epochs);
      return { records: records.mock.calls.length, states: states.mock.calls.length };
    },
    { baselineMemoryLimitBytes: 0 },
  );
}

describe("the trial runner's check after each epoch", () => {
  it('reads the state alone, once an epoch, and the whole record no more often for more epochs', async () => {
    const one = await run(1);
    const four = await run(4);
    expect(four.states - one.states).toBe(3);
    // The fixed part: the trial runner's and the finalize job's after-delete checks, no more.
    expect(one.states).toBeLessThanOrEqual(3);
    expect(four.records).toBe(one.records);
  });
});
