// @ts-check
// Training throughput per engine: users/s of Mult-VAE 600-200 and Mult-DAE 200 (and RecVAE 600-200 with
// --models vae,dae,recvae: users per pass, an epoch being 3 + 1 passes) on each engine, in
// one run, each (engine, model) in a child process of its own (bench/train-child.js: own threads,
// own peak RSS), interleaved over --rounds so that ratios pair runs made minutes apart, not hours.
// Prints the ratio of each engine to the first tfjs one (users per wall second, and per CPU second
// for one-thread engines), the thread scaling of each multi-thread engine against its one-thread
// run, its share of its own same-run GEMM ceiling, per-phase step times and peak RSS.
// Usage: npm run bench:train [-- --engines onnxruntime:1,onnxruntime:2,tfjs-wasm --models vae,dae]
//        npm run bench:train -- --engines onnxruntime:1,onnxruntime:2 --threads 2   (--threads: every engine's)
//        npm run bench:train -- --users 116677 --items 20108   (ML-20M-scale smoke: 200 minibatches
//        of one epoch by default, the full epoch projected, written to train-paper.json)
//        BENCH_RESIDENT=0 npm run bench:train -- --engines onnxruntime-webgpu   (a GPU engine with its
//        weights on the host, every step a round trip: what keeping them on the device buys)
const { spawnSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { median } = require('./lib/train-data');

const { values: args } = parseArgs({
  options: {
    engines: { type: 'string', default: 'onnxruntime:1,onnxruntime:2,tfjs-wasm' },
    // Shorthand: one engine (--engine) at --threads.
    engine: { type: 'string' },
    threads: { type: 'string' },
    items: { type: 'string', default: '20000' },
    users: { type: 'string', default: '5000' },
    'mean-items': { type: 'string', default: '70' },
    models: { type: 'string', default: 'vae,dae' },
    epochs: { type: 'string', default: '2' },
    rounds: { type: 'string' },
    batches: { type: 'string' },
    'validation-users': { type: 'string' },
    out: { type: 'string' },
  },
});
const I = Number(args.items);
const U = Number(args.users);
const V = Number(args['validation-users'] ?? Math.max(100, Math.round((U * 10000) / 116677)));
const PAPER_SCALE = 50000;
const paperScale = U >= PAPER_SCALE;
const maxBatches = Number(args.batches ?? (paperScale ? 200 : 0));
const rounds = Number(args.rounds ?? (paperScale ? 1 : 2));
const outFile = String(args.out ?? (paperScale ? 'train-paper.json' : 'train.json'));
for (const [name, value] of Object.entries({
  items: I,
  users: U,
  'validation-users': V,
  batches: maxBatches,
  rounds,
}))
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench:train: --${name} must be a whole number, got ${value}`);
    process.exit(2);
  }
const engineSpecs = String(args.engine ?? args.engines)
  .split(',')
  .map((s) => {
    const [engine, threads] = s.trim().split(':');
    return { engine, threads: Number(args.threads ?? threads ?? 1) };
  });
const label = (e) => `${e.engine}:${e.threads}`;

function runChild(spec, model) {
  const argv = [
    join(__dirname, 'train-child.js'),
    '--engine',
    spec.engine,
    '--threads',
    String(spec.threads),
    '--model',
    model,
    '--items',
    String(I),
    '--users',
    String(U),
    '--validation-users',
    String(V),
    '--mean-items',
    String(args['mean-items']),
    '--epochs',
    String(args.epochs),
    '--batches',
    String(maxBatches),
  ];
  const r = spawnSync(process.execPath, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`bench:train: ${label(spec)} ${model} exited ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const results = [];
for (let round = 0; round < rounds; round++)
  for (const model of String(args.models).split(','))
    for (const spec of engineSpecs) {
      console.error(`round ${round + 1}/${rounds}: ${label(spec)} ${model} ...`);
      results.push({ round, spec: label(spec), threads: spec.threads, ...runChild(spec, model) });
    }

/** What ratios are taken against: the first tfjs engine, else ONNX Runtime's CPU at 1 thread (a GPU run's baseline). */
const referenceSpec =
  engineSpecs.find((e) => e.engine.startsWith('tfjs')) ??
  engineSpecs.find((e) => e.engine === 'onnxruntime' && e.threads === 1);

/** Per model: each engine's medians, and ratios paired within a round. */
const summary = [];
for (const model of String(args.models).split(',')) {
  const of = (spec) => results.filter((r) => r.model === model && r.spec === spec);
  const reference = referenceSpec;
  for (const spec of engineSpecs) {
    const runs = of(label(spec));
    const row = {
      model,
      engine: label(spec),
      provider: runs[0].engine.provider,
      usersPerSecond: median(runs.map((r) => r.usersPerSecond)),
      usersPerCpuSecond: median(runs.map((r) => r.usersPerCpuSecond)),
      ceilingGflops: median(runs.map((r) => r.ceilingGflops)),
      ceilingShareOfStep: median(runs.map((r) => r.ceilingShareOfStep)),
      stepPhasesCpuMs: runs[0].stepPhasesCpuMs,
      evalShareOfEpoch: median(runs.map((r) => r.evalShareOfEpoch)),
      projectedEpochMinutes: median(runs.map((r) => r.projectedEpochSeconds)) / 60,
      peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
    };
    const paired = (other, key) =>
      median(runs.map((r) => r[key] / other.find((o) => o.round === r.round)[key]));
    if (reference && label(reference) !== label(spec)) {
      row.vsReferenceWall = paired(of(label(reference)), 'usersPerSecond');
      if (spec.threads === 1) row.vsReferenceCpu = paired(of(label(reference)), 'usersPerCpuSecond');
    }
    const single = engineSpecs.find((e) => e.engine === spec.engine && e.threads === 1);
    if (spec.threads > 1 && single) row.vsOneThreadWall = paired(of(label(single)), 'usersPerSecond');
    summary.push(row);
  }
}

const f = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
for (const r of summary) {
  console.log(
    `${r.model} ${r.engine.padEnd(16)} ${f(r.usersPerSecond, 0).padStart(6)} users/s (${f(r.usersPerCpuSecond, 0)} per CPU s)` +
      (r.vsReferenceWall !== undefined
        ? `  x${f(r.vsReferenceWall)} of ${label(referenceSpec)} (wall)`
        : '') +
      (r.vsReferenceCpu !== undefined ? ` x${f(r.vsReferenceCpu)} (CPU)` : '') +
      (r.vsOneThreadWall !== undefined ? `  x${f(r.vsOneThreadWall)} of 1 thread` : '') +
      `  ceiling ${f(r.ceilingGflops, 1)} GFLOP/s, output GEMMs ${f(100 * r.ceilingShareOfStep, 0)}% of a step  eval ${f(100 * r.evalShareOfEpoch, 1)}%  epoch ${f(r.projectedEpochMinutes, 1)} min  RSS ${r.peakRssMB} MB`,
  );
  console.log(
    `    step (CPU ms): ${Object.entries(r.stepPhasesCpuMs)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ')}`,
  );
}
const out = {
  bench: 'train',
  date: new Date().toISOString(),
  node: process.version,
  items: I,
  users: U,
  validationUsers: V,
  batchesPerEpoch: maxBatches || undefined,
  rounds,
  summary,
  runs: results,
};
mkdirSync(join(__dirname, 'results'), { recursive: true });
writeFileSync(join(__dirname, 'results', outFile), JSON.stringify(out, null, 2) + '\n');
console.log(`${I} items, ${U} users (${V} validation), ${rounds} round(s) -> bench/results/${outFile}`);
