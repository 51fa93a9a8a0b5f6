import { readdirSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDatasetArtifact, resolveTrialConfig, Trainer, type EpochReport } from '@vaecf/cf';
import { FIRST_ATTEMPT } from '@vaecf/artifacts';
import { jobIds } from '@vaecf/orchestration';
import { describe, expect, it } from 'vitest';
import { alive, childrenOf, until } from './processes';
import { testHold } from './hold';
import { useWorkerFleet } from './worker-fleet';
import { testEngine } from './test-engines';

/**
 * A worker's life cycle with real worker processes, a real Redis and real
 * checkpoint files: rolling restarts, a worker killed outright, damaged
 * checkpoints. Every trial must end with the metrics of an undisturbed run.
 */
const fx = useWorkerFleet('lifecycle');

/** Each test's own queue and workers, with the attempts BullMQ counted for a trial. */
function setup() {
  const f = fx.fleet();
  /** BullMQ counts the attempt that completes a job too: 1 means nothing was spent before it. */
  const attemptsMade = async (id: string, trialNo: number) =>
    (await f.queue.getJob(jobIds.trial(id, trialNo)))?.attemptsMade;
  return { ...f, attemptsMade };
}

const completed = (id: string) =>
  until('the sweep to end', async () => {
    const s = await fx.store.getSweep(id);
    return s && ['completed', 'failed', 'cancelled'].includes(s.state) ? s : null;
  });

/** The per-epoch figures of a trial trained in this process without any interruption. */
async function undisturbed(id: string, trialNo: number): Promise<unknown[]> {
  const trial = (await fx.store.getTrial(id, trialNo))!;
  const data = await readDatasetArtifact(fx.artifacts.datasetDir('ds'));
  const trainer = await Trainer.create(data, resolveTrialConfig(trial.params), await testEngine());
  try {
    const out = [];
    while (!trainer.finished) out.push(figures(await trainer.runEpoch()));
    return out;
  } finally {
    await trainer.dispose();
  }
}

async function recorded(id: string, trialNo: number): Promise<unknown[]> {
  return (await fx.store.history<EpochReport>(id, trialNo)).map(figures);
}

function figures(r: EpochReport) {
  return { epoch: r.epoch, loss: r.loss, steps: r.steps, validation: r.validation };
}

describe('worker life cycle, with real worker processes and a real Redis', () => {
  it('a trial handed back by more rolling restarts than its attempts completes, spending no attempt', async () => {
    const t = setup();
    const hold = testHold(fx.redis);
    const name = `restarts-${Date.now()}`;
    const id = await t.submit({ lr: { type: 'choice', values: [1e-3] } }, 14, 1, name);
    // Trial jobs get 5 attempts: six hand-backs would have failed the trial. Each worker is held
    // after recording an epoch of its own (WORKER_TEST_HOLD), then stopped: on a machine of any
    // speed, every one of the six takes the trial over and hands it back mid-trial.
    for (let i = 1; i <= 6; i++) {
      const kept = (await fx.store.history(id, 0)).length;
      await hold.holdAfter(name, kept + 1);
      const w = t.start(`R${i}`, hold.env);
      await hold.waiting(id, 0, `R${i}`);
      expect(w.output()).toContain(`trial ${id}:0: attempt ${i} claimed by R${i}`);
      expect(await w.terminate()).toBe(0);
      expect(w.output()).toContain('handing running trials back');
    }
    await hold.release(name);
    t.start('last');
    const done = await completed(id);
    expect(done.state).toBe('completed');
    const trial = (await fx.store.getTrial(id, 0))!;
    expect(trial.state).toBe('completed');
    expect(await t.attemptsMade(id, 0)).toBe(1);
    expect(await recorded(id, 0)).toEqual(await undisturbed(id, 0));
    await hold.dispose();
    await t.close();
  }, 240_000); // real processes on a shared machine: minutes, not seconds

  it('kill -9 of a worker alone: its idle and busy trial processes die with it, and the trial completes elsewhere', async () => {
    const t = setup();
    const a = t.start('A', { WORKER_CONCURRENCY: '2' });
    // Trial 0 ends after one epoch (its process stays, idle); trial 1 trains on (busy).
    const id = await t.submit({ epochs: { type: 'choice', values: [1, 6] } }, null, 2);
    await until('trial 0 to complete and trial 1 to record an epoch', async () => {
      const [t0, t1] = await fx.store.listTrials(id);
      return t0?.state === 'completed' && (t1?.epochs ?? 0) >= 1;
    });
    const children = childrenOf(a.child.pid!);
    expect(children).toHaveLength(2);
    process.kill(a.child.pid!, 'SIGKILL'); // the worker only, not its process group
    await until('the worker processes to exit', async () => children.every((pid) => !alive(pid)), 10_000);
    // The busy child wrote nothing after its worker died: what is recorded is what is checkpointed.
    const kept = (await fx.store.getTrial(id, 1))!.epochs;
    t.start('B');
    const done = await completed(id);
    expect(done.state).toBe('completed');
    const history = await fx.store.history<{ worker: string }>(id, 1);
    expect(history.slice(0, kept).every((e) => e.worker === 'A')).toBe(true);
    expect(history.slice(kept).every((e) => e.worker === 'B')).toBe(true);
    expect(await recorded(id, 1)).toEqual(await undisturbed(id, 1));
    await t.close();
  }, 240_000); // real processes on a shared machine: minutes, not seconds

  it('corrupt and missing checkpoints: each trial restarts from epoch 0 and completes, spending no attempt', async () => {
    const t = setup();
    // Each trial is held after recording 2 epochs: none can finish before worker A stops, however
    // unevenly a busy machine runs the three (a trial that completed first would never restart).
    const hold = testHold(fx.redis);
    const name = `damaged-${Date.now()}`;
    await hold.holdAfter(name, 2);
    const a = t.start('A', { WORKER_CONCURRENCY: '3', ...hold.env });
    const id = await t.submit({ lr: { type: 'choice', values: [1e-3, 2e-3, 3e-3] } }, 5, 3, name);
    for (const n of [0, 1, 2]) await hold.waiting(id, n, 'A');
    expect(await a.terminate()).toBe(0);
    await hold.dispose();
    const [dir0, dir1, dir2] = [0, 1, 2].map((n) => fx.artifacts.checkpointWorkDir(id, n, FIRST_ATTEMPT));
    const stateFile = async (dir: string) =>
      join(
        dir,
        (await readdir(dir)).find((f) => f.startsWith('state-'))!,
      );
    // Trial 0: bytes flipped in its weights. Trial 1: its weights file is gone. Trial 2: all of it is gone.
    const state0 = await stateFile(dir0);
    const bytes = await readFile(state0);
    for (let i = 0; i < 64; i++) bytes[i * 7] ^= 0xff;
    await writeFile(state0, bytes);
    await rm(await stateFile(dir1));
    await rm(dir2, { recursive: true });
    const b = t.start('B', { WORKER_CONCURRENCY: '3' });
    const done = await completed(id);
    expect(done.state).toBe('completed');
    for (const n of [0, 1, 2]) {
      const trial = (await fx.store.getTrial(id, n))!;
      expect(trial.state).toBe('completed');
      expect(trial.checkpointRestarts).toBe(1);
      expect(await t.attemptsMade(id, n)).toBe(1);
      const history = await fx.store.history<{ worker: string }>(id, n);
      expect(history.every((e) => e.worker === 'B')).toBe(true); // truncated to the restart
      expect(await recorded(id, n)).toEqual(await undisturbed(id, n));
    }
    expect((await fx.store.getTrial(id, 0))!.checkpointNote).toMatch(
      /is corrupt .*moved aside to .*\.corrupt-\d+/,
    );
    expect((await fx.store.getTrial(id, 2))!.checkpointNote).toMatch(
      /missing, though \d+ epochs are recorded/,
    );
    // The damaged checkpoints are kept aside for inspection.
    const aside = readdirSync(join(dir0, '..', '..')).filter((f) => f.includes('.corrupt-'));
    expect(aside).toHaveLength(2);
    expect(b.output()).toMatch(/checkpoint .* is corrupt .* moved aside/);
    expect(b.output()).toMatch(/checkpoint .* missing state-.* moved aside/);
    await t.close();
  }, 240_000); // real processes on a shared machine: minutes, not seconds
});
