// @ts-check
// Training throughput of one epoch: users/s and achieved GFLOP/s on the backend present.
// Usage: npm run bench:train [-- --items 20000 --users 5000 --models vae,dae]
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const cf = require('@vaecf/cf');

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '20000' },
    users: { type: 'string', default: '5000' },
    'mean-items': { type: 'string', default: '70' },
    models: { type: 'string', default: 'vae,dae' },
    epochs: { type: 'string', default: '2' },
  },
});
const I = Number(args.items);
const U = Number(args.users);

/** Users with log-normal activity (mean about --mean-items, as ML-20M after binarizing) over Zipf-popular items. */
function syntheticTrain(seed) {
  const rng = cf.Rng.fromSeed(seed);
  const cdf = new Float64Array(I);
  let acc = 0;
  for (let i = 0; i < I; i++) cdf[i] = acc += 1 / Math.pow(i + 1, 0.8);
  const rows = [];
  const sigma = 1;
  const mu = Math.log(Number(args['mean-items'])) - (sigma * sigma) / 2;
  for (let u = 0; u < U; u++) {
    const n = Math.max(5, Math.min(I / 2, Math.round(Math.exp(mu + sigma * rng.normal()))));
    const set = new Set();
    while (set.size < n) {
      const x = rng.float() * acc;
      let lo = 0;
      let hi = I - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      set.add(lo);
    }
    rows.push([...set]);
  }
  return cf.csrFromRows(I, rows);
}

/** Floating-point operations of one epoch as executed: sparse first layer (forward + weight gradient), 3 matMuls per dense layer. */
function executedFlops(arch, train) {
  const [first, ...dense] = arch.layers;
  const nnz = train.indptr[train.nRows];
  return 2 * 2 * nnz * first.units + 3 * 2 * train.nRows * dense.reduce((s, l) => s + l.inputs * l.units, 0);
}

(async () => {
  const backend = await cf.initBackend();
  const train = syntheticTrain(1);
  const holdout = cf.csrSelectRows(
    train,
    Int32Array.from({ length: 200 }, (_, k) => k),
  );
  const split = { foldIn: holdout, heldOut: holdout, userIds: [] };
  const data = {
    nItems: I,
    train,
    trainUserIds: [],
    validation: split,
    test: split,
    itemIds: [],
    meta: { formatVersion: 1, createdAt: '' },
  };
  const results = [];
  for (const model of String(args.models).split(',')) {
    const config = cf.resolveTrialConfig({
      model: /** @type {'vae'|'dae'} */ (model),
      epochs: Number(args.epochs),
    });
    const trainer = cf.Trainer.create(data, config);
    const flops = executedFlops(cf.architecture(config.model, I, config.dims), train);
    const epochs = [];
    while (!trainer.finished) {
      const r = await trainer.runEpoch();
      epochs.push({
        seconds: r.trainSeconds,
        usersPerSecond: r.usersPerSecond,
        gflops: flops / r.trainSeconds / 1e9,
      });
    }
    trainer.dispose();
    // The first epoch carries one-off costs (wasm warm-up, heap growth): report the best later one too.
    const steady = epochs.slice(1).length ? epochs.slice(1) : epochs;
    const best = steady.reduce((a, b) => (b.usersPerSecond > a.usersPerSecond ? b : a));
    results.push({
      model,
      dims: config.dims,
      batchSize: config.batchSize,
      epochs,
      usersPerSecond: best.usersPerSecond,
      gflops: best.gflops,
    });
    console.log(
      `${model} dims ${config.dims.join('-')}: ${best.usersPerSecond.toFixed(0)} users/s, ${best.gflops.toFixed(1)} GFLOP/s executed ` +
        `(epochs: ${epochs.map((e) => e.usersPerSecond.toFixed(0)).join(', ')} users/s)`,
    );
  }
  const out = {
    bench: 'train',
    date: new Date().toISOString(),
    backend: backend.name,
    node: process.version,
    items: I,
    users: U,
    nnz: train.indptr[train.nRows],
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    results,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'train.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(
    `backend ${backend.name}, ${I} items, ${U} users, peak RSS ${out.peakRssMB} MB -> bench/results/train.json`,
  );
})();
