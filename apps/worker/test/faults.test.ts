import { describe, expect, it } from 'vitest';
import { testHold } from './hold';
import { until } from './processes';
import { useWorkerFleet } from './worker-fleet';

const fx = useWorkerFleet('faults');

/** Each test's own queue and workers; sweeps of `trials` learning rates, one trial at a time. */
function setup() {
  const f = fx.fleet();
  const lrs = [1e-3, 2e-3, 3e-3, 4e-3];
  const submit = (trials: number, epochs: number, name?: string) =>
    f.submit({ lr: { type: 'choice', values: lrs.slice(0, trials) } }, epochs, 1, name);
  return { start: f.start, submit, close: f.close };
}

type Epoch = { epoch: number; worker: string };

describe('faults, with real worker processes and a real Redis', () => {
  it('kill -9 mid-trial: another worker resumes from the last checkpoint and the sweep completes', async () => {
    const t = setup();
    // A is killed where it waits after training epoch 3, before reporting it (WORKER_TEST_HOLD): by
    // then epoch 2's checkpoint, written in the background, has been committed and recorded. A kill
    // at a moment of the clock's choosing could fall between a checkpoint's commit and its record,
    // where the trial rightly starts again from epoch 0 (checkpoint-recovery.ts), and the test
    // would assert a different story from run to run.
    const hold = testHold(fx.redis);
    const name = `kill9-${Date.now()}`;
    await hold.holdAfter(name, 2);
    const a = t.start('A', hold.env);
    const id = await t.submit(2, 6, name);
    expect(await hold.waiting(id, 0, 'A')).toMatchObject({ epoch: 3 });
    expect((await fx.store.getTrial(id, 0))?.checkpoint?.epoch).toBe(2);
    a.kill9();
    const b = t.start('B');
    const done = await until('the sweep to complete', async () => {
      const s = await fx.store.getSweep(id);
      return s?.state === 'completed' ? s : null;
    });
    const trials = await fx.store.listTrials(id);
    expect(trials.map((x) => [x.no, x.state, x.epochs])).toEqual([
      [0, 'completed', 6],
      [1, 'completed', 6],
    ]);
    const history = await fx.store.history<Epoch>(id, 0);
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    // Epochs A checkpointed stay A's: B went on from there, not from epoch 0.
    expect(history[0].worker).toBe('A');
    expect(history[1].worker).toBe('A');
    expect(history[5].worker).toBe('B');
    expect(done.test?.ndcg100).toBeGreaterThan(0);
    expect(b.output()).toContain('ready');
    await hold.dispose();
    await t.close();
  });

  it('SIGTERM: the worker hands its trial back, exits cleanly, and the trial resumes elsewhere', async () => {
    const t = setup();
    const a = t.start('A');
    const id = await t.submit(1, 5);
    await until(
      'worker A to finish an epoch',
      async () => ((await fx.store.getTrial(id, 0))?.epochs ?? 0) >= 1,
    );
    const code = await a.terminate();
    expect(code).toBe(0);
    expect(a.output()).toMatch(/SIGTERM received[\s\S]*handing running trials back and closing[\s\S]*closed/);
    const kept = (await fx.store.getTrial(id, 0))!.epochs;
    t.start('B');
    await until('the sweep to complete', async () => (await fx.store.getSweep(id))?.state === 'completed');
    const history = await fx.store.history<Epoch>(id, 0);
    expect(history).toHaveLength(5);
    expect(history.slice(0, kept).every((e) => e.worker === 'A')).toBe(true);
    expect(history.at(-1)!.worker).toBe('B');
    await t.close();
  });

  it('recycles a trial process that grew past its memory limit, and the sweep still completes', async () => {
    const t = setup();
    const w = t.start('R', { WORKER_CHILD_MAX_RSS_MB: '1' });
    const id = await t.submit(3, 1);
    await until('the sweep to complete', async () => (await fx.store.getSweep(id))?.state === 'completed');
    const trials = await fx.store.listTrials(id);
    expect(trials.map((x) => x.state)).toEqual(['completed', 'completed', 'completed']);
    expect(w.output().match(/recycling/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    await t.close();
  });

  it('exposes Prometheus metrics: backend info, epochs, trial outcomes, queue depth', async () => {
    const t = setup();
    // The trial is held after its first epoch (WORKER_TEST_HOLD): "while it runs" on any machine.
    const hold = testHold(fx.redis);
    const name = `metrics-${Date.now()}`;
    await hold.holdAfter(name, 1);
    const w = t.start('M', hold.env);
    const port = await until('the metrics port', async () => w.metricsPort());
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const id = await t.submit(2, 2, name);
    await hold.waiting(id, 0);
    // While a trial runs, its latest validation NDCG@100 is a series.
    await until('a running trial series', async () =>
      /vaecf_trial_validation_ndcg100\{sweep="sw_\w+",trial="\d"\} 0\.\d+/.test(await scrape()),
    );
    const during = await scrape();
    // ... and so is its engine (the worker's auto choice, one thread).
    expect(during).toMatch(
      /vaecf_trial_engine_info\{sweep="sw_\w+",trial="\d",engine="(onnxruntime|tfjs-\S+)",provider="\w+",threads="1"\} 1/,
    );
    // Every state has a series while the sweep runs (zeros included).
    for (const state of ['queued', 'running', 'completed', 'pruned', 'failed', 'cancelled']) {
      expect(during).toMatch(new RegExp(`vaecf_sweep_trials\\{sweep="${id}",state="${state}"\\} \\d`));
    }
    expect(during).toMatch(new RegExp(`vaecf_sweep_best_validation_ndcg100\\{sweep="${id}"\\} 0\\.\\d+`));
    await hold.release(name);
    await until('the sweep to complete', async () => (await fx.store.getSweep(id))?.state === 'completed');
    const text = await until('both trials counted', async () => {
      const m = await scrape();
      return m.includes('vaecf_trials_finished_total{state="completed"} 2') ? m : null;
    });
    expect(text).toMatch(
      /vaecf_worker_info\{worker="M",backend="(onnxruntime|tfjs-wasm|tfjs-node|tfjs-cpu)"\} 1/,
    );
    expect(text).toContain('vaecf_epoch_duration_seconds_count 4');
    expect(text).toMatch(/vaecf_queue_jobs\{queue="test-[\w-]+",state="completed"\} \d+/);
    expect(text).toContain('vaecf_worker_busy_jobs 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    // Trial-level series go when the trial ends.
    expect(text).not.toMatch(/vaecf_trial_validation_ndcg100\{/);
    expect(text).not.toMatch(/vaecf_trial_engine_info\{/);
    expect(text).not.toContain(`sweep="${id}"`); // the ended sweep's series are gone
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok' });
    await hold.dispose();
    await t.close();
  });
});
