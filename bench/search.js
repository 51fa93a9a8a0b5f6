// @ts-check
// Adaptive search against random search: TPE and random sweeps of one space on one small synthetic
// dataset, in-process (libs/cf Trainer, no Redis), several seeds each, the same epochs per trial, no
// pruning. Prints the median over seeds of the best validation NDCG@100 after 5, 10, 15, 20 and 30
// trials, and the PED-ANOVA importances of the space on all trials run. With --workers W > 1 a third
// method runs TPE as W parallel workers would: each trial is proposed while W - 1 others are still
// pending, and the pending ones finish in a shuffled order.
// Usage: npm run bench:search [-- --seeds 5 --trials 30 --epochs 5 --workers 4]
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { uniformInt } = require('pure-rand/distribution/uniformInt');
const { xoroshiro128plus } = require('pure-rand/generator/xoroshiro128plus');
const cf = require('@vaecf/cf');
const sweep = require('@vaecf/sweep');
const { loadEngine } = require('@vaecf/engine');

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    trials: { type: 'string', default: '30' },
    epochs: { type: 'string', default: '5' },
    workers: { type: 'string', default: '4' },
    users: { type: 'string', default: '1500' },
    items: { type: 'string', default: '600' },
    'beta-epochs': { type: 'string', default: '30' },
    'beta-only': { type: 'boolean', default: false },
  },
});
const SEEDS = Number(args.seeds);
const TRIALS = Number(args.trials);
const EPOCHS = Number(args.epochs);
const WORKERS = Number(args.workers);
const CHECKPOINTS = [5, 10, 15, 20, 30].filter((n) => n <= TRIALS);

/** A space as wide as a user who does not yet know good ranges would write. */
/** @type {import('@vaecf/sweep').SearchSpace} */
const SPACE = {
  lr: { type: 'loguniform', low: 1e-5, high: 1e-1 },
  keepProb: { type: 'uniform', low: 0.1, high: 1 },
  annealCap: { type: 'uniform', low: 0, high: 1 },
  dims: { type: 'choice', values: [[32], [64, 16], [128, 32], [200, 50]] },
  lam: { type: 'loguniform', low: 1e-8, high: 1e-1 },
};
const FIXED = { model: 'vae', batchSize: 100, epochs: EPOCHS, totalAnnealSteps: 40, seed: 1 };

async function makeDataset() {
  const dir = mkdtempSync(join(tmpdir(), 'vaecf-bench-search-'));
  try {
    const path = join(dir, 'ratings.csv');
    await cf.generateSyntheticRatings(path, {
      users: Number(args.users),
      items: Number(args.items),
      tastes: 12,
      meanItemsPerUser: 30,
      seed: 9,
    });
    // 250 validation users: less noise in each trial's NDCG@100 than the usual tenth
    const heldoutUsers = Math.round(Number(args.users) / 6);
    return await cf.prepareDataset(path, { format: 'movielens-csv', heldoutUsers, seed: 9 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Validation NDCG@100 after each epoch of one configuration. Training is
 * deterministic for a config, so a configuration two sweeps share (TPE's
 * startup trials are random search's) is trained once.
 */
function makeObjective(dataset) {
  /** @type {Map<string, number[]>} */
  const cache = new Map();
  let trained = 0;
  const run = async (/** @type {Record<string, unknown>} */ params) => {
    const key = JSON.stringify(params);
    const hit = cache.get(key);
    if (hit) return hit;
    const trainer = await cf.Trainer.create(
      dataset,
      cf.resolveTrialConfig(/** @type {any} */ ({ ...FIXED, ...params })),
      await benchEngine(),
    );
    const values = [];
    try {
      while (!trainer.finished) values.push((await trainer.runEpoch()).validation.ndcg100);
    } catch (e) {
      if (!(e instanceof cf.TrainingDivergedError)) throw e;
    } finally {
      await trainer.dispose();
    }
    trained++;
    cache.set(key, values);
    return values;
  };
  return { run, trained: () => trained };
}

/** The engine every trial of this bench trains on: VAECF_ENGINE (default auto), one thread. */
const benchEngine = async () =>
  (await loadEngine({ engine: /** @type {any} */ (process.env.VAECF_ENGINE ?? 'auto'), threads: 1 })).engine;

const best = (/** @type {number[]} */ values) => (values.length ? Math.max(...values) : -Infinity);

/** One sweep, trials finished one after another. Returns each trial's params and best value, in trial order. */
async function sequentialSweep(sampler, objective) {
  const done = [];
  for (let n = 0; n < TRIALS; n++) {
    const params = sampler.propose(n, done);
    const values = await objective.run(params);
    done.push({ number: n, params, state: values.length ? 'completed' : 'failed', values });
  }
  return done;
}

/**
 * One sweep as `WORKERS` workers run it: trial n is proposed while up to
 * WORKERS - 1 earlier trials are pending (shown to TPE as running), and which
 * pending trial finishes next is drawn at random.
 */
async function parallelSweep(sampler, objective, seed) {
  const gen = xoroshiro128plus(seed + 1000);
  const done = [];
  const pending = [];
  const finishOne = async () => {
    const [t] = pending.splice(uniformInt(gen, 0, pending.length - 1), 1);
    const values = await objective.run(t.params);
    done.push({ ...t, state: values.length ? 'completed' : 'failed', values });
  };
  for (let n = 0; n < TRIALS; n++) {
    if (pending.length === WORKERS) await finishOne();
    pending.push({
      number: n,
      params: sampler.propose(n, [...done, ...pending]),
      state: 'running',
      values: [],
    });
  }
  while (pending.length) await finishOne();
  return done.sort((a, b) => a.number - b.number);
}

/** Best value among the first k trials (by trial number). */
const bestAfter = (trials, k) => Math.max(...trials.slice(0, k).map((t) => best(t.values)));
const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The paper's beta protocol beside the fixed cap 0.2, on the same data and configuration: stage 1
 * anneals beta to 1 over the whole run, the beta at its best validation epoch is chosen
 * (libs/sweep chooseBeta, as the sweep's stage 2 does), stage 2 trains with that cap at the same
 * rate; each run's best epoch is evaluated once on the test split.
 */
async function betaProtocol(dataset) {
  const epochs = Number(args['beta-epochs']);
  const base = { model: 'vae', dims: [128, 32], batchSize: 100, epochs, seed: 1, lr: 1e-3 };
  const annealSteps = epochs * Math.ceil(dataset.train.nRows / base.batchSize) - 1;
  const train = async (annealCap) => {
    const trainer = await cf.Trainer.create(
      dataset,
      cf.resolveTrialConfig(/** @type {any} */ ({ ...base, annealCap, totalAnnealSteps: annealSteps })),
      await benchEngine(),
    );
    try {
      while (!trainer.finished) await trainer.runEpoch();
      const history = trainer.history;
      return {
        values: history.map((r) => r.validation.ndcg100),
        betas: history.map((r) => r.beta),
        test: (await trainer.evaluateBestOnTest()).ndcg100,
        bestEpoch: trainer.bestSnapshot?.epoch,
      };
    } finally {
      await trainer.dispose();
    }
  };
  const stage1 = await train(1);
  const choice = sweep.chooseBeta([{ number: 0, params: {}, state: 'completed', ...stage1 }]);
  if (!choice) throw new Error('stage 1 validated no epoch');
  const stage2 = await train(choice.beta);
  const fixed = await train(0.2);
  const result = {
    epochs,
    annealSteps,
    chosenBeta: choice.beta,
    stage1: { bestEpoch: stage1.bestEpoch, validation: choice.value, test: stage1.test },
    protocol: { annealCap: choice.beta, bestEpoch: stage2.bestEpoch, test: stage2.test },
    fixedCap02: { annealCap: 0.2, bestEpoch: fixed.bestEpoch, test: fixed.test },
  };
  console.log(
    `beta protocol: stage 1 (beta to 1 over ${epochs} epochs) chose beta ${choice.beta.toFixed(3)} ` +
      `(epoch ${stage1.bestEpoch}); test NDCG@100 with it ${stage2.test.toFixed(4)}, with the fixed cap 0.2 ${fixed.test.toFixed(4)}`,
  );
  return result;
}

async function main() {
  const backend = await benchEngine();
  const t0 = performance.now();
  const dataset = await makeDataset();
  const beta = await betaProtocol(dataset);
  if (args['beta-only']) {
    writeResults(
      { date: new Date().toISOString(), backend: backend.name, betaProtocol: beta },
      'search-beta.json',
    );
    return;
  }
  const objective = makeObjective(dataset);
  const methods = {
    random: (seed) => sequentialSweep(new sweep.RandomSampler(SPACE, seed, TRIALS), objective),
    tpe: (seed) => sequentialSweep(new sweep.TpeSampler(SPACE, seed, TRIALS), objective),
    ...(WORKERS > 1 && {
      [`tpe-${WORKERS}-workers`]: (seed) =>
        parallelSweep(new sweep.TpeSampler(SPACE, seed, TRIALS), objective, seed),
    }),
  };
  /** @type {Record<string, { medianBestAfter: Record<number, number>, bestAfterBySeed: Record<number, number[]> }>} */
  const results = {};
  const allTrials = [];
  for (const [method, runSweep] of Object.entries(methods)) {
    const bySeed = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const trials = await runSweep(seed);
      allTrials.push(...trials);
      bySeed.push(trials);
    }
    const bestAfterBySeed = Object.fromEntries(
      CHECKPOINTS.map((k) => [k, bySeed.map((t) => bestAfter(t, k))]),
    );
    const medianBestAfter = Object.fromEntries(CHECKPOINTS.map((k) => [k, median(bestAfterBySeed[k])]));
    results[method] = { medianBestAfter, bestAfterBySeed };
    console.log(
      `${method.padEnd(16)} median best NDCG@100 after ${CHECKPOINTS.map((k) => `${k}: ${medianBestAfter[k].toFixed(4)}`).join(', ')}`,
    );
  }
  const scored = allTrials
    .filter((t) => t.values.length)
    .map((t) => ({ params: t.params, value: best(t.values) }));
  const importance = sweep.pedAnovaImportance(scored, SPACE);
  console.log(
    `importance (PED-ANOVA, ${scored.length} trials): ${Object.entries(importance)
      .sort((a, b) => b[1] - a[1])
      .map(([name, v]) => `${name} ${v.toFixed(3)}`)
      .join(', ')}`,
  );
  const random30 = results.random.medianBestAfter[TRIALS];
  const tpe15 = results.tpe.medianBestAfter[Math.min(15, TRIALS)];
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `target: TPE after ${Math.min(15, TRIALS)} trials ${tpe15.toFixed(4)} vs random after ${TRIALS} ${random30.toFixed(4)}: ${tpe15 >= random30 ? 'met' : 'not met'}; ${objective.trained()} configurations trained in ${seconds.toFixed(0)} s on ${backend.name}`,
  );
  writeResults(
    {
      date: new Date().toISOString(),
      backend: backend.name,
      dataset: { users: Number(args.users), items: dataset.nItems, trainUsers: dataset.train.nRows },
      space: SPACE,
      fixed: FIXED,
      seeds: SEEDS,
      trials: TRIALS,
      workers: WORKERS,
      results,
      importance,
      targetMet: tpe15 >= random30,
      configurationsTrained: objective.trained(),
      seconds,
      betaProtocol: beta,
    },
    'search.json',
  );
}

function writeResults(value, file) {
  const out = join(__dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), `${JSON.stringify(value, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
