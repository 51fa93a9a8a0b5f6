import { InputError } from '@vaecf/errors';
import { parseSweepSpec, parseSweepSpecText, SpecError } from '@vaecf/sweep';
import { describe, expect, it } from 'vitest';
import { engineAvailabilityWarning } from '../src/engine-availability';
import { checkTrialSpace, normalizeRunSettings, type DatasetShape } from '../src/spec-checks';
import type { WorkerEntry } from '@vaecf/store';

const GB = 2 ** 30;
const ml20m: DatasetShape = { items: 20_108, trainUsers: 116_677, evalUsers: 10_000 };

/** The spec through both checks, as submit runs them. */
function check(input: Record<string, unknown>, dataset: DatasetShape | null = ml20m, limit = 4 * GB) {
  checkTrialSpace(parseSweepSpec({ dataset: 'ds', model: 'vae', ...input }), dataset ?? undefined, limit);
}

describe('checkTrialSpace: every trial a sweep can produce is checked at submit', () => {
  it("checks RecVAE's own hyperparameters, and refuses them on Mult-VAE", () => {
    const recvae = (over: Record<string, unknown>) =>
      checkTrialSpace(parseSweepSpec({ dataset: 'ds', model: 'recvae', ...over }), ml20m, 4 * GB);
    expect(() =>
      recvae({
        fixed: { epochs: 10, dims: [600, 200] },
        space: {
          klGamma: { type: 'loguniform', low: 1e-3, high: 1e-2 },
          encoderPasses: { type: 'choice', values: [1, 3] },
        },
        search: { method: 'random', trials: 4 },
      }),
    ).not.toThrow();
    expect(() => recvae({ fixed: { dims: [600] } })).toThrow(
      /fixed\.dims: RecVAE takes exactly \[hidden, latent\]/,
    );
    expect(() => recvae({ space: { encoderPasses: { type: 'choice', values: [0, 3] } } })).toThrow(
      /space\.encoderPasses/,
    );
    expect(() => check({ fixed: { klGamma: 0.01 } })).toThrow(/fixed\.klGamma: applies to model recvae only/);
    // Its memory estimate counts its own layers (and the prior's copy): a huge hidden size is refused.
    expect(() => recvae({ fixed: { dims: [60_000, 200] } })).toThrow(/dims/);
  });

  it('accepts the quickstart-like spec and the paper setting', () => {
    expect(() =>
      check({
        fixed: { epochs: 12, totalAnnealSteps: 2000 },
        space: {
          annealCap: { type: 'uniform', low: 0.1, high: 0.5 },
          lr: { type: 'loguniform', low: 1e-4, high: 1e-2 },
          dims: { type: 'choice', values: [[600, 200], [200]] },
          batchSize: { type: 'int', low: 100, high: 1000, step: 100 },
          keepProb: { type: 'uniform', low: 0.3, high: 0.8, q: 0.1 },
        },
        search: { method: 'random', trials: 12 },
      }),
    ).not.toThrow();
  });

  it.each([
    [{ fixed: { annealcap: 0.2 } }, 'fixed.annealcap', 'did you mean "annealCap"?'],
    [{ fixed: { keep_prob: 0.5 } }, 'fixed.keep_prob', 'did you mean "keepProb"?'],
    [{ space: { batch_size: { type: 'choice', values: [100] } } }, 'space.batch_size', '"batchSize"'],
    [{ fixed: { learningRate: 0.1 } }, 'fixed.learningRate', 'unknown hyperparameter'],
    [{ fixed: { model: 'dae' } }, 'fixed.model', 'one sweep trains one model'],
    [{ fixed: { selectBy: 'recall20' } }, 'fixed.selectBy', '`objective.metric`'],
    [{ space: { model: { type: 'choice', values: ['dae'] } } }, 'space.model', 'top-level `model`'],
    [{ fixed: { dims: [1_000_000] } }, 'fixed.dims.0', '100000'],
    [{ fixed: { dims: [0] } }, 'fixed.dims.0', ''],
    [{ fixed: { dims: [-5] } }, 'fixed.dims.0', ''],
    [{ fixed: { dims: [] } }, 'fixed.dims', ''],
    [{ fixed: { dims: 'abc' } }, 'fixed.dims', 'abc'],
    [{ fixed: { batchSize: 0 } }, 'fixed.batchSize', ''],
    [{ fixed: { batchSize: 1e9 } }, 'fixed.batchSize', ''],
    [{ fixed: { epochs: 1e9 } }, 'fixed.epochs', ''],
    [{ fixed: { lr: -1 } }, 'fixed.lr', ''],
    [{ fixed: { lr: null } }, 'fixed.lr', ''],
    [
      { space: { lr: { type: 'uniform', low: -1, high: 0.1 } }, search: { method: 'random', trials: 2 } },
      'space.lr',
      'a value this distribution can produce',
    ],
    [
      {
        space: { batchSize: { type: 'uniform', low: 100, high: 500 } },
        search: { method: 'random', trials: 2 },
      },
      'space.batchSize',
      'expected int',
    ],
    [{ space: { dims: { type: 'choice', values: [[600, 200], [0]] } } }, 'space.dims (dims.0)', ''],
    [
      {
        space: { epochs: { type: 'int', low: 1, high: 1_000_000 } },
        search: { method: 'random', trials: 2 },
      },
      'space.epochs',
      '',
    ],
  ])('refuses %j naming %s', (input, field, words) => {
    let error: unknown;
    try {
      check(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as SpecError).field).toBe(field);
    expect((error as SpecError).message).toContain(words);
  });

  it('refuses NaN and infinities written in YAML (they must not be stored as null)', () => {
    for (const v of ['.nan', '.inf', '-.inf']) {
      const spec = parseSweepSpecText(`dataset: ds\nmodel: vae\nfixed:\n  lr: ${v}\n`);
      expect(() => checkTrialSpace(spec, ml20m, 4 * GB)).toThrow(/fixed\.lr/);
    }
  });

  it('refuses a configuration whose weights and Adam state cannot fit, saying the estimate and the limit', () => {
    expect(() => check({ fixed: { dims: [100_000, 100_000] } })).toThrow(
      /fixed\.dims: a trial with dims \[100000,100000\] .* needs at least [\d.]+ GB .* limit of 4\.0 GB/,
    );
    expect(() =>
      check({ space: { dims: { type: 'choice', values: [[200], [60_000, 20_000]] } } }, ml20m, 4 * GB),
    ).toThrow(/space\.dims: a trial with dims \[60000,20000\]/);
    // The same spec fits where the limit is larger, and the check needs the dataset's shape.
    expect(() => check({ fixed: { dims: [20_000] } }, ml20m, 64 * GB)).not.toThrow();
    expect(() => check({ fixed: { dims: [100_000, 100_000] } }, null)).not.toThrow();
  });

  it('bounds a huge batch by the users the split has', () => {
    expect(() =>
      check({ fixed: { batchSize: 100_000 } }, { items: 20_000, trainUsers: 2_000 }, 2 * GB),
    ).not.toThrow();
    expect(() => check({ fixed: { batchSize: 100_000 } }, { items: 20_000 }, 2 * GB)).toThrow(
      /fixed\.batchSize: .*needs at least/,
    );
  });
});

describe('run settings in fixed: the engine and its threads', () => {
  it('accepts an engine name, an old --backend name and threads (a number or auto), and are no trial params', () => {
    for (const fixed of [
      { engine: 'onnxruntime', threads: 4 },
      { engine: 'tfjs-wasm' },
      { engine: 'wasm', threads: 'auto' },
      { threads: '2' },
    ])
      expect(() => check({ fixed })).not.toThrow();
    const spec = normalizeRunSettings(
      parseSweepSpec({ dataset: 'ds', model: 'vae', fixed: { engine: 'wasm', threads: '2', lr: 1e-3 } }),
    );
    expect(spec.fixed).toEqual({ engine: 'tfjs-wasm', threads: 2, lr: 1e-3 });
  });

  it.each([
    [{ fixed: { engine: 'torch' } }, 'fixed.engine', 'must be one of auto, onnxruntime'],
    [{ fixed: { engine: 'auto' } }, 'fixed.engine', 'leave it out to let each worker choose'],
    [{ fixed: { engine: 3 } }, 'fixed.engine', 'must be an engine name (got 3)'],
    [{ fixed: { threads: 0 } }, 'fixed.threads', 'must be a whole number from 1 to 256, or auto; got "0"'],
    [{ fixed: { threads: 1.5 } }, 'fixed.threads', 'must be a whole number'],
    [{ fixed: { threads: [2] } }, 'fixed.threads', 'must be a whole number or "auto" (got [2])'],
    [
      { space: { engine: { type: 'choice', values: ['onnxruntime', 'tfjs-wasm'] } } },
      'space.engine',
      'a run setting, not a hyperparameter: give it in fixed',
    ],
    [{ space: { threads: { type: 'choice', values: [1, 2] } } }, 'space.threads', 'give it in fixed'],
  ])('refuses %j naming %s', (input, field, problem) => {
    let caught: unknown;
    try {
      check(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SpecError);
    expect((caught as SpecError).field).toBe(field);
    expect((caught as SpecError).message).toContain(problem);
  });
});

describe('engineAvailabilityWarning: the submit answer when no live worker can load a fixed engine', () => {
  const worker = (id: string, engines: string[] | undefined, queue = 'q') =>
    ({
      id,
      metrics: null,
      backend: 'onnxruntime',
      engines,
      queue,
      pid: 1,
      startedAt: 0,
      expiresAt: 1,
    }) as WorkerEntry;

  it('is null without a fixed engine, or when a worker of the queue announces it', () => {
    expect(engineAvailabilityWarning(undefined, 'q', [])).toBeNull();
    expect(
      engineAvailabilityWarning('tfjs-wasm', 'q', [worker('a', ['onnxruntime', 'tfjs-wasm'])]),
    ).toBeNull();
  });

  it('names the engine and what the live workers of the queue can load; workers of other queues do not count', () => {
    const w = engineAvailabilityWarning('onnxruntime-cuda', 'q', [
      worker('a', ['onnxruntime', 'tfjs-wasm']),
      worker('b', undefined),
      worker('c', ['onnxruntime-cuda'], 'other'),
    ]);
    expect(w).toBe(
      'fixed.engine onnxruntime-cuda: no registered worker can load it (the 2 live workers of queue q can load ' +
        'onnxruntime, tfjs-wasm); its trials wait until a worker that can joins',
    );
    expect(engineAvailabilityWarning('onnxruntime', 'q', [])).toMatch(/\(no worker of queue q is live\)/);
  });
});
