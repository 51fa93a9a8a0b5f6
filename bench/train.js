// @ts-check
// Training throughput on the backend present: users/s, executed GFLOP/s and, measured in the same
// run, the ceiling those GFLOP/s are judged against (plain matMuls of the model's three largest
// products), a per-phase breakdown of one step, the share of an epoch evaluation takes and peak RSS.
// Usage: npm run bench:train [-- --items 20000 --users 5000 --models vae,dae --epochs 2]
//        npm run bench:train -- --users 116677 --items 20108
//        (paper-scale smoke: from 50,000 users on, by default 200 minibatches of one epoch (of 234 at
//        ML-20M's size), the full epoch projected, written to train-paper.json so that train.json
//        stays the standard run)
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const tf = require('@tensorflow/tfjs-core');
const cf = require('@vaecf/cf');

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '20000' },
    users: { type: 'string', default: '5000' },
    'mean-items': { type: 'string', default: '70' },
    models: { type: 'string', default: 'vae,dae' },
    epochs: { type: 'string', default: '3' },
    // Run only the first epoch, stopped after this many minibatches, and project the full epoch;
    // 0 = --epochs whole epochs. Default: 200 from PAPER_SCALE users on, else 0.
    batches: { type: 'string' },
    // Validation users; by default in ML-20M's proportion (10,000 per 116,677 training users).
    'validation-users': { type: 'string' },
    // Result file under bench/results/; default train-paper.json from PAPER_SCALE users on, else train.json.
    out: { type: 'string' },
  },
});
const I = Number(args.items);
const U = Number(args.users);
const V = Number(args['validation-users'] ?? Math.max(100, Math.round((U * 10000) / 116677)));
/** From this many users on, whole epochs would take too long for a benchmark: a smoke run instead. */
const PAPER_SCALE = 50000;
const paperScale = U >= PAPER_SCALE;
const maxBatches = Number(args.batches ?? (paperScale ? 200 : 0));
const outFile = String(args.out ?? (paperScale ? 'train-paper.json' : 'train.json'));
for (const [name, value] of Object.entries({
  items: I,
  users: U,
  'validation-users': V,
  batches: maxBatches,
}))
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench:train: --${name} must be a whole number, got ${value}`);
    process.exit(2);
  }
/** About this many minibatches per model are followed by a sample of the ceiling (all three products). */
const CEILING_SAMPLES = 40;

/**
 * This process's CPU time in ms. The machine is shared: wall time swings with other people's work,
 * CPU time of a one-thread process much less, so every rate and ratio below is per CPU second.
 */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Users with log-normal activity (mean about --mean-items, as ML-20M after binarizing) over Zipf-popular items. */
function syntheticRows(seed, users) {
  const rng = cf.Rng.fromSeed(seed);
  const cdf = new Float64Array(I);
  let acc = 0;
  for (let i = 0; i < I; i++) cdf[i] = acc += 1 / Math.pow(i + 1, 0.8);
  const rows = [];
  const sigma = 1;
  const mu = Math.log(Number(args['mean-items'])) - (sigma * sigma) / 2;
  for (let u = 0; u < users; u++) {
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
  return rows;
}

/** Held-out users: 80% of each one's items folded in, 20% to rank, as the paper's split. */
function heldOutSplit(rows) {
  const foldIn = rows.map((r) => r.slice(0, Math.ceil(r.length * 0.8)));
  const heldOut = rows.map((r) => r.slice(Math.ceil(r.length * 0.8)));
  return { foldIn: cf.csrFromRows(I, foldIn), heldOut: cf.csrFromRows(I, heldOut), userIds: [] };
}

/** Floating-point operations per epoch as executed: sparse first layer (forward + weight gradient), 3 matMuls per dense layer. */
function executedFlops(arch, train) {
  const [first, ...dense] = arch.layers;
  const nnz = train.indptr[train.nRows];
  return 2 * 2 * nnz * first.units + 3 * 2 * train.nRows * dense.reduce((s, l) => s + l.inputs * l.units, 0);
}

/**
 * The same-run ceiling: plain matMuls of the output layer's three products, operands laid out as
 * the trainer lays them out (forward h W, weight gradient [h | 1]^T g with the bias gradient as its
 * last row, input gradient g W^T; transposes done beforehand), each time with a fresh right-hand
 * operand as in training, where weights and gradients change every step (the wasm backend packs
 * the right operand once per tensor). All three are timed right after a minibatch, so that both
 * see the same machine (others' work on these shared cores swings speed by 2-3x within minutes).
 */
class MatMulCeiling {
  constructor(B, H) {
    this.products = [
      { name: 'forward h[B,H] W[H,I]', a: [B, H], b: [H, I], ms: [] },
      { name: 'weight grad [h|1]^T[H+1,B] g[B,I]', a: [H + 1, B], b: [B, I], ms: [] },
      { name: 'input grad g[B,I] W^T[I,H]', a: [B, I], b: [I, H], ms: [] },
    ].map((p) => ({ ...p, flops: 2 * p.a[0] * p.a[1] * p.b[1] }));
    this.flops = this.products.reduce((s, p) => s + p.flops, 0);
    this.next = 0;
    // Warm-up, not recorded.
    for (let k = 0; k < 2; k++) this.sample(-1);
  }

  /**
   * One product on fresh operands, made in the backend (tf.fill: no JS garbage left for the
   * trainer's GC, nothing held between samples). Kernels on wasm and tfjs-node run synchronously,
   * so the product is done when matMul returns; its result is not read back (that would be a copy).
   */
  time(p) {
    const left = tf.fill(p.a, 0.5);
    const right = tf.fill(p.b, 0.25);
    const t0 = cpuMs();
    const out = tf.matMul(left, right);
    const ms = cpuMs() - t0;
    tf.dispose([left, right, out]);
    return ms;
  }

  /** Times the three products (starting with a different one each time), tagged with the epoch; returns their total ms. */
  sample(epoch) {
    const first = this.next++;
    let total = 0;
    for (let k = 0; k < 3; k++) {
      const p = this.products[(first + k) % 3];
      const ms = this.time(p);
      p.ms.push({ epoch, ms });
      total += ms;
    }
    return total;
  }

  /** Medians over the samples taken during `epochs`. */
  result(epochs) {
    const products = this.products.map(({ name, ms, flops }) => {
      const mine = ms.filter((s) => epochs.includes(s.epoch)).map((s) => s.ms);
      return { name, samples: mine.length, ms: median(mine), gflops: flops / median(mine) / 1e6 };
    });
    const total = products.reduce((s, p) => s + p.ms, 0);
    return { products, ms: total, gflops: this.flops / total / 1e6 };
  }
}

function median(xs) {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
}

async function trainModel(model, data) {
  const config = cf.resolveTrialConfig({
    model: /** @type {'vae'|'dae'} */ (model),
    epochs: Number(args.epochs),
  });
  const arch = cf.architecture(config.model, I, config.dims);
  const ceiling = new MatMulCeiling(config.batchSize, arch.layers[arch.layers.length - 1].inputs);
  const trainer = cf.Trainer.create(data, config);
  const flopsPerUser = executedFlops(arch, data.train) / data.train.nRows;
  const perEpoch = Math.ceil(data.train.nRows / config.batchSize);
  const batches = maxBatches ? Math.min(maxBatches, perEpoch) : config.epochs * perEpoch;
  const sampleEvery = Math.max(1, Math.round(batches / CEILING_SAMPLES));
  // Per sampled minibatch: the trainer's GFLOP/s over the ceiling's timed right after it.
  const paired = [];
  const epochs = [];
  while (!trainer.finished) {
    const timer = new cf.StepTimer(cpuMs);
    trainer.timeSteps(timer);
    const abort = new AbortController();
    let users = data.train.nRows;
    let before = { users: 0, ms: 0 };
    const t0 = performance.now();
    let r;
    try {
      r = await trainer.runEpoch({
        signal: abort.signal,
        onBatch: (done) => {
          users = done;
          const stepMs = timer.total() - before.ms;
          const stepUsers = done - before.users;
          if (timer.steps % sampleEvery === 0) {
            const ceilingMs = ceiling.sample(epochs.length);
            const ratio = (flopsPerUser * stepUsers) / stepMs / (ceiling.flops / ceilingMs);
            paired.push({ epoch: epochs.length, ratio });
          }
          before = { users: done, ms: timer.total() };
          if (maxBatches > 0 && timer.steps % 50 === 0)
            console.error(`  ${model}: ${timer.steps} of ${maxBatches} minibatches`);
          if (maxBatches > 0 && timer.steps >= maxBatches) abort.abort();
        },
      });
    } catch (e) {
      if (!(e instanceof cf.TrainingAbortedError)) throw e;
    }
    const wallSeconds = r ? r.trainSeconds : (performance.now() - t0) / 1000;
    const cpuSeconds = timer.total() / 1000;
    const usersPerSecond = users / cpuSeconds;
    epochs.push({
      users,
      cpuSeconds,
      wallSeconds,
      usersPerSecond,
      usersPerWallSecond: users / wallSeconds,
      gflops: (flopsPerUser * usersPerSecond) / 1e9,
      ndcg100: r?.validation.ndcg100,
      steps: timer.steps,
      stepPhasesMs: timer.perStep(),
    });
    // A smoke run is one (partial) epoch, even when --batches covers all of it.
    if (!r || maxBatches > 0) break;
  }
  trainer.timeSteps(undefined);
  // Evaluation of the validation users, on the same clock, against the epoch it follows.
  const e0 = cpuMs();
  await trainer.evaluate('validation');
  const evalSeconds = (cpuMs() - e0) / 1000;
  trainer.dispose();
  // The first epoch carries one-off costs (wasm warm-up, heap growth): report the later ones.
  const steady = epochs.length > 1 ? epochs.slice(1) : epochs;
  const users = steady.reduce((s, e) => s + e.users, 0);
  const cpuSeconds = steady.reduce((s, e) => s + e.cpuSeconds, 0);
  const wallSeconds = steady.reduce((s, e) => s + e.wallSeconds, 0);
  const usersPerSecond = users / cpuSeconds;
  const gflops = (flopsPerUser * usersPerSecond) / 1e9;
  const epochSeconds = data.train.nRows / usersPerSecond;
  // Judged against the ceiling sampled during the same epoch(s).
  const steadyIndices = steady.map((e) => epochs.indexOf(e));
  const ceilingResult = ceiling.result(steadyIndices);
  const ratios = paired.filter((p) => steadyIndices.includes(p.epoch)).map((p) => p.ratio);
  return {
    model,
    dims: config.dims,
    batchSize: config.batchSize,
    ceiling: ceilingResult,
    epochs,
    usersPerSecond,
    gflops,
    // The median over minibatches of (its GFLOP/s) / (the ceiling timed right after it): robust to
    // the load swings that separate medians of each would each pick up.
    fractionOfCeiling: median(ratios),
    fractionOfCeilingSamples: ratios.length,
    // The same judged against the medians of the ceiling's products over the run, for comparison.
    fractionOfMedianCeiling: gflops / ceilingResult.gflops,
    stepPhasesMs: steadyPhases(steady),
    usersPerWallSecond: users / wallSeconds,
    evalSeconds,
    evalShareOfEpoch: evalSeconds / (epochSeconds + evalSeconds),
    projectedEpochSeconds: epochSeconds + evalSeconds,
  };
}

/** Per-step phase times over several epochs, weighted by their steps. */
function steadyPhases(epochs) {
  const steps = epochs.reduce((s, e) => s + e.steps, 0);
  const names = Object.keys(epochs[0].stepPhasesMs);
  return Object.fromEntries(
    names.map((n) => [n, epochs.reduce((s, e) => s + e.stepPhasesMs[n] * e.steps, 0) / steps]),
  );
}

function print(r) {
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(
    `${r.model} dims ${r.dims.join('-')}: ${r.usersPerSecond.toFixed(0)} users per CPU second ` +
      `(${r.usersPerWallSecond.toFixed(0)} per wall second), ${r.gflops.toFixed(1)} GFLOP/s executed = ` +
      `${r.fractionOfCeiling.toFixed(2)} of the same-run matMul ceiling (median of ${r.fractionOfCeilingSamples} ` +
      `minibatches, each against the ceiling timed after it; ${r.fractionOfMedianCeiling.toFixed(2)} of the ` +
      `ceiling's medians, ${r.ceiling.gflops.toFixed(1)} GFLOP/s) ` +
      `(epochs: ${r.epochs.map((e) => e.usersPerSecond.toFixed(0)).join(', ')} users/s)`,
  );
  for (const p of r.ceiling.products)
    console.log(
      `  ceiling ${p.name.padEnd(30)} ${ms(p.ms).padStart(8)}  ${p.gflops.toFixed(1)} GFLOP/s (median of ${p.samples})`,
    );
  const phases = Object.entries(r.stepPhasesMs);
  const stepMs = phases.reduce((s, [, v]) => s + v, 0);
  console.log(`  one step (${r.batchSize} users): ${ms(stepMs)} of CPU`);
  for (const [name, v] of phases)
    console.log(
      `    ${name.padEnd(16)} ${ms(v).padStart(8)}  ${((100 * v) / stepMs).toFixed(0).padStart(3)}%`,
    );
  console.log(
    `  evaluation (${V} users): ${(100 * r.evalShareOfEpoch).toFixed(1)}% of an epoch; ` +
      `projected epoch of ${U} users ${(r.projectedEpochSeconds / 60).toFixed(1)} CPU minutes`,
  );
}

(async () => {
  const backend = await cf.initBackend();
  const train = cf.csrFromRows(I, syntheticRows(1, U));
  const split = heldOutSplit(syntheticRows(2, V));
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
    const r = await trainModel(model, data);
    print(r);
    results.push(r);
  }
  const out = {
    bench: 'train',
    date: new Date().toISOString(),
    backend: backend.name,
    node: process.version,
    items: I,
    users: U,
    validationUsers: V,
    nnz: train.indptr[train.nRows],
    batchesPerEpoch: maxBatches || undefined,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    results,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', outFile), JSON.stringify(out, null, 2) + '\n');
  console.log(
    `backend ${backend.name}, ${I} items, ${U} users (${V} validation), peak RSS ${out.peakRssMB} MB -> bench/results/${outFile}`,
  );
})();
