import { randomUUID } from 'node:crypto';
import { ashaDecision, parseSweepSpec } from '@vaecf/sweep';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_STATES } from '../src/records';
import {
  IdempotencyKeyReusedError,
  specHash,
  StoredTrialParamsError,
  type SweepStore,
} from '../src/sweep-store';

/** One SweepStore under test, and how the suite reaches around it to leave what another version (or a hand) would. */
export interface SweepStoreHarness {
  readonly store: SweepStore;
  /** A second client of the same records over a connection of its own, as another process has. */
  otherClient(): Promise<{ readonly store: SweepStore; close(): Promise<void> }>;
  /** Stores an idempotency key as versions before spec hashes did: the sweep id alone. */
  plantUnhashedIdempotencyKey(key: string, sweepId: string): Promise<void>;
  /** Overwrites the stored text of a sweep's spec. */
  overwriteSpec(sweepId: string, text: string): Promise<void>;
  /** Overwrites the stored text of a trial's params. */
  overwriteTrialParams(sweepId: string, n: number, text: string): Promise<void>;
  /** What is left of a sweep where the store keeps it (names of whatever holds it; none once deleted). */
  leftovers(sweepId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** An engine as a trial records it. */
const WASM = { name: 'tfjs-wasm', provider: 'wasm', device: 'cpu', threads: 1 };

const spec = (fixed: Record<string, unknown> = {}) => parseSweepSpec({ dataset: 'ds', model: 'vae', fixed });

/**
 * The behaviour every SweepStore has, whatever keeps the records: run by
 * redis-sweep-store.test.ts over RedisSweepStore (and by any other
 * implementation's test over it).
 */
export function sweepStoreContract(name: string, open: () => Promise<SweepStoreHarness>): void {
  describe(`${name} SweepStore contract`, () => {
    let h: SweepStoreHarness;
    let store: SweepStore;
    const created: string[] = [];

    beforeAll(async () => {
      h = await open();
      store = h.store;
    });
    afterAll(async () => {
      for (const id of created) await store.deleteSweep(id);
      await h.close();
    });

    async function newSweep(planned = 4): Promise<string> {
      const { id } = await store.createSweep(spec(), planned);
      created.push(id);
      return id;
    }

    describe('sweeps and trials', () => {
      it('creates one sweep per idempotency key, even under concurrent submits', async () => {
        const key = randomUUID();
        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.createSweep(spec({ lr: 0.01 }), 3, key)),
        );
        const ids = new Set(results.map((r) => r.id));
        expect(ids.size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        created.push(...ids);
        const sweep = await store.getSweep([...ids][0]);
        expect(sweep).toMatchObject({
          state: 'running',
          planned: 3,
          nextTrial: 0,
          spec: { dataset: 'ds', fixed: { lr: 0.01 } },
        });
        // Without a key every submit is a new sweep.
        const a = await store.createSweep(spec(), 1);
        const b = await store.createSweep(spec(), 1);
        created.push(a.id, b.id);
        expect(a.id).not.toBe(b.id);
      });

      it('refuses the same idempotency key with another spec, and knows the same spec in any key order', async () => {
        const key = randomUUID();
        const first = await store.createSweep(spec({ lr: 0.01, epochs: 2 }), 1, key);
        created.push(first.id);
        // The same spec, its keys in another order: the first sweep.
        const same = await store.createSweep(spec({ epochs: 2, lr: 0.01 }), 1, key);
        expect(same).toEqual({ id: first.id, created: false });
        const other = store.createSweep(spec({ lr: 0.02, epochs: 2 }), 1, key);
        await expect(other).rejects.toThrow(IdempotencyKeyReusedError);
        await expect(other).rejects.toThrow(
          `Idempotency-Key: "${key}" was used for a different spec (sweep ${first.id})`,
        );
        // A key stored before hashes were (the sweep id alone) still returns its sweep.
        const legacy = randomUUID();
        await h.plantUnhashedIdempotencyKey(legacy, first.id);
        expect(await store.createSweep(spec({ lr: 0.5 }), 1, legacy)).toEqual({
          id: first.id,
          created: false,
        });
        expect(specHash(spec({ a: 1, b: 2 }))).toBe(specHash(spec({ b: 2, a: 1 })));
      });

      it('keeps trials, hands out numbers once, and lists them', async () => {
        const id = await newSweep();
        const nos = await Promise.all([0, 1, 2].map(() => store.claimTrialNumber(id)));
        expect(nos.sort()).toEqual([0, 1, 2]);
        expect(await store.createTrial(id, 0, { model: 'vae', lr: 0.1 })).toBe(true);
        expect(await store.createTrial(id, 0, { model: 'vae', lr: 0.2 })).toBe(false);
        await store.createTrial(id, 1, { model: 'vae', lr: 0.3 });
        await store.startTrial((await store.claimTrialAttempt(id, 1, 'w1'))!, WASM);
        await store.startTrial((await store.claimTrialAttempt(id, 1, 'w2'))!, WASM);
        const trials = await store.listTrials(id);
        expect(trials.map((t) => [t.no, t.params.lr, t.state, t.attempts])).toEqual([
          [0, 0.1, 'queued', 0],
          [1, 0.3, 'running', 2],
        ]);
        expect(trials[1].worker).toBe('w2');
        await store.finishTrial(id, 1, 'failed', 'diverged at epoch 3');
        expect(await store.getTrial(id, 1)).toMatchObject({ state: 'failed', reason: 'diverged at epoch 3' });
        expect(await store.getTrial(id, 9)).toBeNull();
      });

      it('appends each epoch once, tracks the best and the leaderboard', async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae' });
        await store.createTrial(id, 1, { model: 'vae' });
        const t0 = (await store.claimTrialAttempt(id, 0, 'w'))!;
        const t1 = (await store.claimTrialAttempt(id, 1, 'w'))!;
        expect(await store.recordEpoch(t0, 1, { epoch: 1 }, 0.2)).toBe(true);
        expect(await store.recordEpoch(t0, 1, { epoch: 1 }, 0.2)).toBe(false); // replay
        expect(await store.recordEpoch(t0, 3, { epoch: 3 }, 0.9)).toBe(false); // gap
        expect(await store.recordEpoch(t0, 2, { epoch: 2 }, 0.15)).toBe(true);
        expect(await store.recordEpoch(t1, 1, { epoch: 1 }, 0.3)).toBe(true);
        expect(await store.history(id, 0)).toEqual([{ epoch: 1 }, { epoch: 2 }]);
        expect(await store.getTrial(id, 0)).toMatchObject({ epochs: 2, best: 0.2 });
        expect(await store.leaderboard(id)).toEqual([
          { trial: 1, best: 0.3 },
          { trial: 0, best: 0.2 },
        ]);
        await store.truncateHistory(t0, 1);
        expect(await store.history(id, 0)).toEqual([{ epoch: 1 }]);
        expect(await store.recordEpoch(t0, 2, { epoch: 2, again: true }, 0.25)).toBe(true);
      });

      it('ASHA rung decisions in Redis equal the pure rule, in arrival order, under concurrency', async () => {
        const id = await newSweep();
        const values = Array.from({ length: 40 }, (_, k) => ((k * 37) % 41) / 41);
        // 40 trials reach rung 3 at once, each over its own connection.
        const clients = await Promise.all(values.map(() => h.otherClient()));
        const fences = await Promise.all(
          values.map(async (_, n) => {
            await store.createTrial(id, n, { model: 'vae' });
            return (await store.claimTrialAttempt(id, n, 'w'))!;
          }),
        );
        const decisions = await Promise.all(
          values.map((v, n) => clients[n].store.ashaRung(fences[n], 3, v, 3)),
        );
        await Promise.all(clients.map((c) => c.close()));
        const arrivals = await store.rungArrivals(id, 3);
        expect(arrivals).toHaveLength(40);
        arrivals.forEach((a, k) => {
          expect(a.decision).toBe(
            ashaDecision(
              arrivals.slice(0, k).map((p) => p.value),
              a.value,
              3,
            ),
          );
          expect(decisions[a.trial]).toBe(a.decision);
        });
        // Asking again gives the first answer, even with another value.
        const first = arrivals[5];
        expect(await store.ashaRung(fences[first.trial], 3, 1, 3)).toBe(first.decision);
      });

      it('deletes every key of a sweep', async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae' });
        const t0 = (await store.claimTrialAttempt(id, 0, 'w'))!;
        await store.recordEpoch(t0, 1, {}, 0.1);
        await store.ashaRung(t0, 1, 0.1, 3);
        await store.ashaRung({ ...t0, attempt: 0 }, 1, 0.1, 3).catch(() => undefined); // a refusal, counted
        await store.deleteSweep(id);
        expect(await h.leftovers(id)).toEqual([]);
        expect(await store.getSweep(id)).toBeNull();
      });

      it('notes an unfinished delete with its records removed, lists it until it is finished', async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae' });
        expect(await store.pendingDelete(id)).toBeNull();
        await store.deleteSweep(id, { trials: 4, queue: 'q-delete' });
        expect(await h.leftovers(id)).toEqual([]); // the note is not one of the sweep's own keys
        expect(await store.getSweep(id)).toBeNull();
        const pending = await store.pendingDelete(id);
        expect(pending).toMatchObject({ id, trials: 4, queue: 'q-delete' });
        expect(pending!.at).toBeGreaterThan(0);
        expect(await store.pendingDeletes()).toContainEqual(pending);
        expect((await store.finishedDeletes()).map((d) => d.id)).not.toContain(id);
        await store.deleteFinished(id);
        expect(await store.pendingDelete(id)).toBeNull();
        expect((await store.pendingDeletes()).map((d) => d.id)).not.toContain(id);
        // Kept as finished, with when, until its sweep-up forgets it.
        const finished = (await store.finishedDeletes()).find((d) => d.id === id);
        expect(finished).toMatchObject({ id, trials: 4, queue: 'q-delete' });
        expect(finished!.at).toBeGreaterThanOrEqual(pending!.at);
        await store.deleteFinished(id); // twice (a retry beside a reconciler): no error, nothing changed
        expect((await store.finishedDeletes()).filter((d) => d.id === id)).toEqual([finished]);
        await store.forgetFinishedDelete(id);
        expect((await store.finishedDeletes()).map((d) => d.id)).not.toContain(id);
        await store.forgetFinishedDelete(id); // twice: no error
      });

      it('a delete without a note (a test clean-up) leaves no finished delete either', async () => {
        const id = await newSweep();
        await store.deleteSweep(id);
        await store.deleteFinished(id);
        expect((await store.finishedDeletes()).map((d) => d.id)).not.toContain(id);
      });
    });

    describe('sweep states', () => {
      it('index sweeps by state, move them atomically, and never resurrect a deleted sweep', async () => {
        const id = await newSweep();
        expect(await store.listSweepIdsInState('running', 0, 10_000)).toContain(id);
        expect(await store.setSweepState(id, 'finalizing', {}, ['running'])).toBe(true);
        expect(await store.setSweepState(id, 'cancelled', {}, ['running'])).toBe(false); // not from finalizing
        expect(await store.setSweepState(id, 'completed', { bestTrial: 2 }, ['finalizing'])).toBe(true);
        expect(await store.getSweep(id)).toMatchObject({ state: 'completed', bestTrial: 2 });
        expect(await store.listSweepIdsInState('running', 0, 10_000)).not.toContain(id);
        expect(await store.listSweepIdsInState('completed', 0, 10_000)).toContain(id);
        await store.deleteSweep(id);
        // A late writer (a finalize job, a cancel) after the delete changes nothing.
        expect(await store.setSweepState(id, 'failed', { error: 'late' })).toBe(false);
        await store.addEvent(id, { at: 1, action: 'cancelled' });
        await store.noteTrialCheckpoint(id, 0, 'checkpoint missing');
        await store.finishTrial(id, 0, 'cancelled');
        expect(await h.leftovers(id)).toEqual([]);
        for (const state of SWEEP_STATES)
          expect(await store.listSweepIdsInState(state, 0, 10_000)).not.toContain(id);
      });

      it("reads a sweep's state alone in one HGET, without the record or its spec", async () => {
        const id = await newSweep();
        expect(await store.sweepState(id)).toBe('running');
        await store.setSweepState(id, 'cancelled', {}, ['running']);
        expect(await store.sweepState(id)).toBe('cancelled');
        // A spec this version could not parse does not matter to it: the spec is never read.
        await h.overwriteSpec(id, '{not json');
        await expect(store.getSweep(id)).rejects.toThrow();
        expect(await store.sweepState(id)).toBe('cancelled');
        await store.deleteSweep(id);
        expect(await store.sweepState(id)).toBeNull();
      });

      it('records the configuration a trial runs (limits.repeats) and reads it back', async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae', lr: 0.1 });
        await store.createTrial(id, 3, { model: 'vae', lr: 0.1 }, 1);
        expect((await store.getTrial(id, 0))!.configuration).toBe(0);
        expect((await store.getTrial(id, 3))!.configuration).toBe(1);
      });

      it('snapshots every trial with its curve in one call', async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae', lr: 0.1 });
        await store.createTrial(id, 1, { model: 'vae', lr: 0.2 });
        const t0 = (await store.claimTrialAttempt(id, 0, 'w'))!;
        await store.recordEpoch(t0, 1, { validation: { ndcg100: 0.1 } }, 0.1);
        await store.recordEpoch(t0, 2, { validation: { ndcg100: 0.3 } }, 0.3);
        expect(await store.trialSnapshots(id)).toEqual([
          {
            number: 0,
            params: { model: 'vae', lr: 0.1 },
            state: 'queued',
            values: [0.1, 0.3],
            betas: [NaN, NaN],
          },
          { number: 1, params: { model: 'vae', lr: 0.2 }, state: 'queued', values: [], betas: [] },
        ]);
      });
    });

    describe('trial records', () => {
      it("records a trial's engine, its engine changes and why it waits for an engine", async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae' });
        await store.noteEngineWait(id, 0, 'worker V cannot load engine onnxruntime-cuda');
        expect((await store.getTrial(id, 0))!.engineWait).toBe(
          'worker V cannot load engine onnxruntime-cuda',
        );
        await store.startTrial((await store.claimTrialAttempt(id, 0, 'w1'))!, WASM);
        let t = (await store.getTrial(id, 0))!;
        expect([t.engine, t.backend, t.engineChanges, t.engineWait]).toEqual([
          WASM,
          'tfjs-wasm',
          undefined,
          undefined,
        ]);
        const ort = { name: 'onnxruntime', provider: 'cpu', device: 'cpu', threads: 2 };
        const change = { attempt: 2, at: 1, worker: 'w2', from: WASM, to: ort };
        await store.startTrial((await store.claimTrialAttempt(id, 0, 'w2'))!, ort, [change]);
        t = (await store.getTrial(id, 0))!;
        expect([t.engine, t.backend, t.engineChanges]).toEqual([ort, 'onnxruntime', [change]]);
        // Not on a trial that has ended, nor on one that is gone (no record recreated).
        await store.finishTrial(id, 0, 'completed');
        await store.noteEngineWait(id, 0, 'late');
        expect((await store.getTrial(id, 0))!.engineWait).toBeUndefined();
        await store.noteEngineWait(id, 9, 'gone');
        expect(await store.getTrial(id, 9)).toBeNull();
      });

      it('hands out typed params, and refuses stored params that no longer parse naming the sweep and trial', async () => {
        const id = await newSweep();
        await store.createTrial(id, 0, { model: 'vae', lr: 0.1, dims: [64, 8] });
        expect((await store.getTrial(id, 0))!.params).toEqual({ model: 'vae', lr: 0.1, dims: [64, 8] });
        // As another version (or a hand) could have left them: a string where a number belongs.
        await h.overwriteTrialParams(id, 0, JSON.stringify({ model: 'vae', lr: 'fast' }));
        const read = store.getTrial(id, 0);
        await expect(read).rejects.toBeInstanceOf(StoredTrialParamsError);
        await expect(read).rejects.toThrow(`sweep ${id} trial 0: stored params no longer parse: lr:`);
        await expect(store.listTrials(id)).rejects.toThrow(
          `sweep ${id} trial 0: stored params no longer parse`,
        );
        // An unknown key, a missing model and text that is not JSON are refused the same way.
        await h.overwriteTrialParams(id, 0, JSON.stringify({ model: 'vae', learningRate: 0.1 }));
        await expect(store.getTrial(id, 0)).rejects.toThrow(
          /trial 0: stored params no longer parse: .*learningRate/,
        );
        await h.overwriteTrialParams(id, 0, JSON.stringify({ lr: 0.1 }));
        await expect(store.getTrial(id, 0)).rejects.toThrow(
          `sweep ${id} trial 0: stored params no longer parse: model:`,
        );
        await h.overwriteTrialParams(id, 0, '{lr:');
        await expect(store.getTrial(id, 0)).rejects.toThrow(
          `sweep ${id} trial 0: stored params no longer parse: not JSON ("{lr:")`,
        );
      });
    });
  });
}
