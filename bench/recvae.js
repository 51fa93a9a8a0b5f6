// @ts-check
// RecVAE against Mult-VAE at the papers' defaults on the bundled data (examples/data), a short run:
// each model for --epochs epochs (default 20; the papers train RecVAE 50 and Mult-VAE 200; --vae-epochs
// sets Mult-VAE's apart), 3 seeds each, on one
// engine thread, then test NDCG@100 / Recall@20 / Recall@50 of each run's best-by-validation epoch,
// mean +- sd over the seeds. Mult-VAE's beta anneals over the run's own updates (the paper's
// 200,000 would leave it at about 0 in so short a run; the CLI gives the same advice).
// --generate USERS: a synthetic set from the project's generator (`vaecf generate --users USERS
// --items USERS/2`, seed 1) instead of the bundled data.
// Usage: npm run bench:recvae [-- --epochs 20 --vae-epochs 20 --seeds 3 --engine auto --generate 4000]
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { loadEngine } = require('../libs/engine/dist');
const { readDatasetArtifact, resolveTrialConfig, Trainer } = require('../libs/cf/dist');

const BUNDLED = join(__dirname, '../examples/data/synthetic-ml.csv.gz');
const CLI = join(__dirname, '../apps/cli/dist/main.js');

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '20' },
    'vae-epochs': { type: 'string' },
    seeds: { type: 'string', default: '3' },
    engine: { type: 'string', default: 'auto' },
    generate: { type: 'string' },
  },
});
const EPOCHS = Number(args.epochs);
const VAE_EPOCHS = Number(args['vae-epochs'] ?? args.epochs);
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, k) => 1 + k);

const stats = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, values: xs };
};

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'vaecf-bench-recvae-'));
  try {
    const ds = join(work, 'ds');
    let source = BUNDLED;
    let dataName = 'examples/data/synthetic-ml.csv.gz (prepared with the defaults)';
    if (args.generate) {
      const users = Number(args.generate);
      source = join(work, 'generated.csv');
      const gen = ['generate', source, '--users', String(users), '--items', String(Math.round(users / 2))];
      execFileSync(process.execPath, [CLI, ...gen, '--seed', '1'], { stdio: 'ignore' });
      dataName = `vaecf generate --users ${users} --items ${Math.round(users / 2)} --seed 1 (prepared with the defaults)`;
    }
    execFileSync(process.execPath, [CLI, 'prepare', source, '--format', 'movielens-csv', '--out', ds], {
      stdio: 'ignore',
    });
    const data = await readDatasetArtifact(ds);
    const { engine } = await loadEngine({ engine: /** @type {any} */ (args.engine), threads: 1 });
    const updates = VAE_EPOCHS * Math.ceil(data.train.nRows / 500);
    const models = {
      recvae: (seed) => resolveTrialConfig({ model: 'recvae', epochs: EPOCHS, seed }),
      vae: (seed) =>
        resolveTrialConfig({ model: 'vae', epochs: VAE_EPOCHS, seed, totalAnnealSteps: updates }),
    };
    const runs = {};
    for (const [name, configOf] of Object.entries(models)) {
      runs[name] = [];
      for (const seed of SEEDS) {
        const config = configOf(seed);
        const t0 = performance.now();
        const trainer = await Trainer.create(data, config, engine);
        while (!trainer.finished) await trainer.runEpoch();
        const test = await trainer.evaluateBestOnTest();
        const seconds = (performance.now() - t0) / 1000;
        const best = trainer.bestSnapshot;
        const usersPerSecond = stats(trainer.history.map((r) => r.usersPerSecond)).mean;
        runs[name].push({ seed, bestEpoch: best?.epoch, test, seconds, usersPerSecond });
        console.log(
          `${name} seed ${seed}: test NDCG@100 ${test.ndcg100.toFixed(4)} R@20 ${test.recall20.toFixed(4)} R@50 ${test.recall50.toFixed(4)} (best epoch ${best?.epoch}, ${seconds.toFixed(0)} s, ${usersPerSecond.toFixed(0)} users/s a pass)`,
        );
        await trainer.dispose();
      }
    }
    const summary = Object.fromEntries(
      Object.entries(runs).map(([name, rs]) => [
        name,
        {
          ndcg100: stats(rs.map((r) => r.test.ndcg100)),
          recall20: stats(rs.map((r) => r.test.recall20)),
          recall50: stats(rs.map((r) => r.test.recall50)),
        },
      ]),
    );
    for (const [name, s] of Object.entries(summary))
      console.log(
        `${name.padEnd(7)} test NDCG@100 ${s.ndcg100.mean.toFixed(4)} +- ${s.ndcg100.sd.toFixed(4)}, ` +
          `Recall@20 ${s.recall20.mean.toFixed(4)} +- ${s.recall20.sd.toFixed(4)}, Recall@50 ${s.recall50.mean.toFixed(4)} +- ${s.recall50.sd.toFixed(4)} (${SEEDS.length} seeds)`,
      );
    const out = join(__dirname, 'results');
    mkdirSync(out, { recursive: true });
    const tag = args.generate ? `generated-${args.generate}-` : '';
    const file = join(out, `recvae-${tag}${EPOCHS}ep-vae-${VAE_EPOCHS}ep.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          data: dataName,
          users: { train: data.train.nRows },
          items: data.nItems,
          engine: engine.info,
          epochs: { recvae: EPOCHS, vae: VAE_EPOCHS },
          seeds: SEEDS,
          note: "papers' defaults; a short run (the papers train RecVAE 50 and Mult-VAE 200 epochs); Mult-VAE's beta anneals over the run's updates",
          summary,
          runs,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`wrote ${file}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
