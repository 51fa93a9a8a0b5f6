// @ts-check
// Do the engines train equally good models? Trains Mult-VAE with each engine over several seeds on
// the bundled data and on a larger synthetic set, and tests the mean test NDCG@100 of each engine
// against the first for equivalence within +-margin (two one-sided Welch t-tests, alpha 0.05: the
// 90% confidence interval of the difference must lie inside the margin). The engines round
// differently, so their trajectories part like different seeds: this is a benchmark, not a test.
// Usage: npm run bench:engines [-- --engines onnxruntime,tfjs-wasm --seeds 5 --margin 0.01]
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const tCdf = require('@stdlib/stats-base-dists-t-cdf');
const tQuantile = require('@stdlib/stats-base-dists-t-quantile');
const cf = require('@vaecf/cf');
const { loadEngine, parseEngineChoice } = require('@vaecf/engine');

const { values: args } = parseArgs({
  options: {
    engines: { type: 'string', default: 'onnxruntime,tfjs-wasm' },
    seeds: { type: 'string', default: '5' },
    margin: { type: 'string', default: '0.01' },
    epochs: { type: 'string', default: '20' },
  },
});
const seeds = Number(args.seeds);
const margin = Number(args.margin);
const epochs = Number(args.epochs);
if (!Number.isInteger(seeds) || seeds < 2 || !(margin > 0) || !Number.isInteger(epochs) || epochs < 1) {
  console.error(
    'bench:engines: --seeds must be a whole number >= 2, --margin positive, --epochs a whole number >= 1',
  );
  process.exit(2);
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1);

/**
 * Two one-sided tests of |difference| < margin from an estimate, its standard error and degrees of
 * freedom: the 90% interval and the larger one-sided p-value (equivalent when it is below 0.05).
 */
function equivalence(diff, se, df) {
  if (se === 0)
    return {
      diff,
      low: diff,
      high: diff,
      df,
      p: Math.abs(diff) < margin ? 0 : 1,
      equivalent: Math.abs(diff) < margin,
    };
  const q = tQuantile(0.95, df);
  const pLower = 1 - tCdf((diff + margin) / se, df); // H0: diff <= -margin
  const pUpper = tCdf((diff - margin) / se, df); // H0: diff >= +margin
  const p = Math.max(pLower, pUpper);
  return { diff, low: diff - q * se, high: diff + q * se, df, p, equivalent: p < 0.05 };
}

/** TOST with Welch's t on the difference of the two engines' means. */
function tost(a, b) {
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return equivalence(mean(a) - mean(b), Math.sqrt(va + vb), df);
}

/** TOST on the per-seed differences (the engines start each seed from the same weights and draws). */
function pairedTost(a, b) {
  const d = a.map((x, k) => x - b[k]);
  return equivalence(mean(d), Math.sqrt(variance(d) / d.length), d.length - 1);
}

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaecf-bench-engines-'));
  const larger = join(dir, 'larger.csv');
  await cf.generateSyntheticRatings(larger, { users: 6000, items: 2500, tastes: 40, seed: 7 });
  const datasets = [
    {
      name: 'bundled (2,000 users x 1,000 items)',
      data: await cf.prepareDataset(join(__dirname, '..', 'examples', 'data', 'synthetic-ml.csv.gz'), {
        format: 'movielens-csv',
        heldoutUsers: 200,
      }),
    },
    {
      name: 'synthetic (6,000 users x 2,500 items)',
      data: await cf.prepareDataset(larger, { format: 'movielens-csv', heldoutUsers: 500 }),
    },
  ];
  rmSync(dir, { recursive: true, force: true });
  const engineNames = String(args.engines)
    .split(',')
    .map((e) => parseEngineChoice(e, '--engines'));
  const engines = [];
  for (const name of engineNames) engines.push((await loadEngine({ engine: name, threads: 1 })).engine);
  const report = [];
  for (const { name, data } of datasets) {
    const updates = epochs * Math.ceil(data.train.nRows / 500);
    const scores = engines.map(() => /** @type {number[]} */ ([]));
    for (let seed = 1; seed <= seeds; seed++)
      for (const [k, engine] of engines.entries()) {
        // beta reaches the paper's cap 0.2 within the run (200,000 updates would leave it near 0 here).
        const config = cf.resolveTrialConfig({ model: 'vae', epochs, seed, totalAnnealSteps: updates });
        const t = await cf.Trainer.create(data, config, engine);
        while (!t.finished) await t.runEpoch();
        const test = await t.evaluateBestOnTest();
        await t.dispose();
        scores[k].push(test.ndcg100);
        console.error(
          `  ${name}: ${engine.info.name} seed ${seed}: test NDCG@100 ${test.ndcg100.toFixed(4)}`,
        );
      }
    for (let k = 1; k < engines.length; k++) {
      const r = tost(scores[0], scores[k]);
      const paired = pairedTost(scores[0], scores[k]);
      const row = {
        dataset: name,
        a: engines[0].info.name,
        b: engines[k].info.name,
        meanA: mean(scores[0]),
        meanB: mean(scores[k]),
        scoresA: scores[0],
        scoresB: scores[k],
        ...r,
        paired,
        margin,
      };
      report.push(row);
      console.log(
        `${name}: ${row.a} ${row.meanA.toFixed(4)} vs ${row.b} ${row.meanB.toFixed(4)} (${seeds} seeds each): ` +
          `difference ${r.diff.toFixed(4)}, 90% CI [${r.low.toFixed(4)}, ${r.high.toFixed(4)}], TOST p = ${r.p.toFixed(4)}: ` +
          (r.equivalent ? `equivalent within +-${margin}` : `NOT shown equivalent within +-${margin}`) +
          `; paired by seed: difference ${paired.diff.toFixed(5)}, 90% CI [${paired.low.toFixed(5)}, ${paired.high.toFixed(5)}], p = ${paired.p.toExponential(2)}`,
      );
    }
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const out = {
    bench: 'engines',
    date: new Date().toISOString(),
    node: process.version,
    epochs,
    seeds,
    margin,
    report,
  };
  writeFileSync(join(__dirname, 'results', 'engines.json'), JSON.stringify(out, null, 2) + '\n');
  console.log('-> bench/results/engines.json');
})();
