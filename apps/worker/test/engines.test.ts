import { jobIds } from '@vaecf/orchestration';
import { describe, expect, it } from 'vitest';
import { until, type WorkerProcess } from './processes';
import { useWorkerFleet } from './worker-fleet';

/**
 * Engine selection and claiming with real worker processes and a real
 * Redis: the worker's VAECF_ENGINE checks, a sweep's fixed.engine, the
 * registry's engine lists, the submit warning, and the hand-back of a trial
 * whose engine a worker cannot load.
 */
const fx = useWorkerFleet('engines');

const exited = (w: WorkerProcess) =>
  new Promise<number | null>((r) =>
    w.child.exitCode !== null ? r(w.child.exitCode) : w.child.once('exit', (code) => r(code)),
  );

async function registered(id: string) {
  return until(`worker ${id} in the registry`, async () =>
    (await fx.registry.live()).find((w) => w.id === id),
  );
}

const ended = (id: string) =>
  until('the sweep to end', async () => {
    const s = await fx.store.getSweep(id);
    return s && ['completed', 'failed', 'cancelled'].includes(s.state) ? s : null;
  });

describe('compute engines, with real worker processes and a real Redis', () => {
  it('refuses to start, in one line naming the variable, on a bad VAECF_ENGINE, VAECF_THREADS or VAECF_GPU', async () => {
    const f = fx.fleet();
    const cases: [Record<string, string>, RegExp][] = [
      [
        { VAECF_ENGINE: 'bogus' },
        /^worker: invalid worker environment: VAECF_ENGINE: must be one of auto, onnxruntime/,
      ],
      [
        { VAECF_THREADS: '0' },
        /^worker: invalid worker environment: VAECF_THREADS: must be a whole number from 1/,
      ],
      [{ VAECF_GPU: '-1' }, /^worker: invalid worker environment: VAECF_GPU: /],
    ];
    for (const [env, message] of cases) {
      const w = f.start('bad-engine', env);
      expect(await exited(w)).toBe(1);
      const lines = w.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
    await f.close();
  });

  it('refuses to start when VAECF_ENGINE names an engine that cannot load here, with the reason', async () => {
    const f = fx.fleet();
    // onnxruntime-cuda: npm ci never downloads its provider (.npmrc), so it cannot load on this machine.
    const w = f.start('cuda', { VAECF_ENGINE: 'onnxruntime-cuda' });
    expect(await exited(w)).toBe(1);
    const lines = w.output().trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^worker: invalid worker environment: VAECF_ENGINE: engine onnxruntime-cuda cannot be loaded: \S/,
    );
    await f.close();
  });

  it("runs a sweep's fixed engine (an old --backend name too) and records it on the trial; workers announce what they load", async () => {
    const f = fx.fleet();
    const w = f.start('W');
    const entry = await registered('W');
    expect(entry.engines).toEqual(expect.arrayContaining(['onnxruntime', 'tfjs-wasm', 'tfjs-cpu']));
    expect(entry.engines).not.toContain('onnxruntime-webgpu'); // GPU engines only when VAECF_ENGINE names one
    const { id, warnings } = await f.submitFixed({ engine: 'wasm', threads: 1 }, {}, 1);
    expect(warnings).toEqual([]);
    expect((await ended(id)).state).toBe('completed');
    const sweep = (await fx.store.getSweep(id))!;
    expect(sweep.spec.fixed.engine).toBe('tfjs-wasm'); // stored under its engine name
    const trial = (await fx.store.getTrial(id, 0))!;
    expect(trial.engine).toEqual({ name: 'tfjs-wasm', provider: 'wasm', device: 'cpu', threads: 1 });
    expect(trial.backend).toBe('tfjs-wasm');
    expect(trial.engineChanges).toBeUndefined();
    expect(trial.params).not.toHaveProperty('engine'); // a run setting, not a hyperparameter
    expect(trial.params).not.toHaveProperty('threads');
    expect(w.output()).toMatch(
      new RegExp(`trial ${id}:0: attempt 1 on engine tfjs-wasm \\(wasm, 1 thread\\)`),
    );
    await f.close();
  }, 180_000);

  it('a sweep whose engine no worker can load: the submit warns, and the worker hands its trial back unclaimed', async () => {
    const f = fx.fleet();
    f.start('V');
    await registered('V');
    const { id, warnings } = await f.submitFixed({ engine: 'onnxruntime-cuda' }, {}, 1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^fixed\.engine onnxruntime-cuda: no registered worker can load it \(the 1 live worker of queue \S+ can load .*onnxruntime/,
    );
    const trial = await until('the worker to hand the trial back', async () => {
      const t = await fx.store.getTrial(id, 0);
      return t?.engineWait ? t : null;
    });
    expect(trial.engineWait).toMatch(
      /^worker V cannot load engine onnxruntime-cuda \(it can load .*\); waiting for a worker that can$/,
    );
    // Unclaimed and unspent: no attempt on the trial, none on the job, which waits delayed for another worker.
    expect(trial.state).toBe('queued');
    expect(trial.attempts).toBe(0);
    const job = (await f.queue.getJob(jobIds.trial(id, 0)))!;
    expect(job.attemptsMade).toBe(0);
    expect(await job.getState()).toMatch(/^(delayed|waiting|active)$/);
    await f.close();
  }, 120_000);

  it('a trial resumed elsewhere continues on the engine it started with (bit-identical), though the new worker would pick another', async () => {
    const f = fx.fleet();
    const a = f.start('A', { VAECF_ENGINE: 'wasm' }); // the old VAECF_BACKEND value names tfjs-wasm
    const { id } = await f.submitFixed({ dims: [50, 20] }, {}, 3);
    await until(
      'worker A to finish an epoch',
      async () => ((await fx.store.getTrial(id, 0))?.epochs ?? 0) >= 1,
    );
    expect(await a.terminate()).toBe(0);
    const b = f.start('B'); // auto: onnxruntime for a trial of its own
    expect((await ended(id)).state).toBe('completed');
    const trial = (await fx.store.getTrial(id, 0))!;
    expect(trial.attempts).toBeGreaterThanOrEqual(2);
    expect(trial.engine).toEqual({ name: 'tfjs-wasm', provider: 'wasm', device: 'cpu', threads: 1 });
    expect(trial.engineChanges).toBeUndefined();
    expect(b.output()).toMatch(new RegExp(`trial ${id}:0: attempt \\d on engine tfjs-wasm`));
    await f.close();
  }, 240_000);
});
