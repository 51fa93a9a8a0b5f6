// @ts-check
// One engine, one model: the measuring half of bench:train (bench/train.js runs it as a child
// process per engine and model, so that each has its own peak RSS and its own threads). Prints one
// JSON line: users/s (wall and CPU), the step's per-phase breakdown, the engine's share of its own
// same-run GEMM ceiling, evaluation's share of an epoch, peak RSS.
const { parseArgs } = require('node:util');
const cf = require('@vaecf/cf');
const { GraphBuilder, loadEngine, parseEngineChoice } = require('@vaecf/engine');
const { syntheticDataset, median } = require('./lib/train-data');

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'onnxruntime' },
    threads: { type: 'string', default: '1' },
    model: { type: 'string', default: 'vae' },
    items: { type: 'string', default: '20000' },
    users: { type: 'string', default: '5000' },
    'validation-users': { type: 'string', default: '429' },
    'mean-items': { type: 'string', default: '70' },
    epochs: { type: 'string', default: '2' },
    batches: { type: 'string', default: '0' },
  },
});
const I = Number(args.items);
const maxBatches = Number(args.batches);
/** About this many minibatches are followed by a sample of the ceiling. */
const CEILING_SAMPLES = 20;

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The same-run ceiling: the output layer's three products (forward h W, weight gradient h^T g,
 * input gradient g W^T) as plain matmuls on this engine, timed right after sampled minibatches so
 * that both see the same machine (others' work on shared cores swings speed within minutes).
 */
class GemmCeiling {
  static async create(engine, B, H) {
    const g = new GraphBuilder('ceiling');
    const h = g.input('h', [B, H]);
    const w = g.input('w', [H, I]);
    const d = g.input('d', [B, I]);
    g.output('fwd', g.matmul(h, w));
    g.output('dw', g.matmul(h, d, { transA: true }));
    g.output('dh', g.matmul(d, w, { transB: true }));
    const program = await engine.compile(g.build());
    const fill = (n, v) => new Float32Array(n).fill(v);
    const feeds = {
      h: { data: fill(B * H, 0.5), shape: [B, H] },
      w: { data: fill(H * I, 0.25), shape: [H, I] },
      d: { data: fill(B * I, 0.1), shape: [B, I] },
    };
    const into = { fwd: new Float32Array(B * I), dw: new Float32Array(H * I), dh: new Float32Array(B * H) };
    const c = new GemmCeiling(program, feeds, into, 3 * 2 * B * H * I);
    for (let k = 0; k < 2; k++) await c.sample();
    c.wallMs.length = 0;
    return c;
  }

  constructor(program, feeds, into, flops) {
    Object.assign(this, { program, feeds, into, flops, wallMs: [] });
  }

  /** Wall ms of one run of the three products. */
  async sample() {
    const t0 = performance.now();
    await this.program.run(this.feeds, this.into);
    const ms = performance.now() - t0;
    this.wallMs.push(ms);
    return ms;
  }
}

(async () => {
  const engineChoice = parseEngineChoice(String(args.engine), '--engine');
  const { engine } = await loadEngine({ engine: engineChoice, threads: Number(args.threads) });
  const data = syntheticDataset({
    items: I,
    users: Number(args.users),
    validationUsers: Number(args['validation-users']),
    meanItems: Number(args['mean-items']),
  });
  const config = cf.resolveTrialConfig({
    model: /** @type {'vae'|'dae'|'recvae'} */ (args.model),
    epochs: Number(args.epochs),
  });
  // The output layer's inputs: RecVAE's decoder reads the latent z, the others their last hidden layer.
  const outputInputs =
    config.model === 'recvae'
      ? config.dims[1]
      : cf.architecture(config.model, I, config.dims).layers.at(-1).inputs;
  const ceiling = await GemmCeiling.create(engine, config.batchSize, outputInputs);
  // RecVAE's epoch is encoderPasses + decoderPasses passes over the users; users/s counts users per pass.
  const passes = config.model === 'recvae' ? config.encoderPasses + config.decoderPasses : 1;
  // BENCH_RESIDENT=0|1 forces the model's mode (default: resident on GPU engines), to measure what residency buys.
  const resident = process.env.BENCH_RESIDENT;
  const trainer = await cf.Trainer.create(
    data,
    config,
    engine,
    resident ? { resident: resident === '1' } : {},
  );
  const perEpoch = passes * Math.ceil(data.train.nRows / config.batchSize);
  const batches = maxBatches ? Math.min(maxBatches, perEpoch) : config.epochs * perEpoch;
  const sampleEvery = Math.max(1, Math.round(batches / CEILING_SAMPLES));
  const paired = [];
  const epochs = [];
  while (!trainer.finished) {
    const timer = new cf.StepTimer(cpuMs);
    trainer.timeSteps(timer);
    const abort = new AbortController();
    let users = passes * data.train.nRows;
    let last = { users: 0, wall: performance.now() };
    const w0 = performance.now();
    let r;
    let ceilingWall = 0;
    try {
      r = await trainer.runEpoch({
        signal: abort.signal,
        onBatch: async (done) => {
          users = done;
          const now = performance.now();
          const stepUsers = done - last.users;
          const stepWall = now - last.wall;
          // The ceiling runs between two minibatches (the trainer awaits it), off the epoch's clock.
          if (timer.steps % sampleEvery === 0 && stepUsers === config.batchSize) {
            const ms = await ceiling.sample();
            // How much of the step the output layer's three products would take at the ceiling's rate.
            paired.push({ epoch: epochs.length, ratio: ms / stepWall });
            ceilingWall += ms;
          }
          last = { users: done, wall: performance.now() };
          if (maxBatches > 0 && timer.steps % 50 === 0)
            console.error(`  ${args.engine} ${args.model}: ${timer.steps} of ${maxBatches} minibatches`);
          if (maxBatches > 0 && timer.steps >= maxBatches) abort.abort();
        },
      });
    } catch (e) {
      if (!(e instanceof cf.TrainingAbortedError)) throw e;
    }
    const wallSeconds = (performance.now() - w0 - ceilingWall) / 1000 - (r ? r.evalSeconds : 0);
    const cpuSeconds = timer.total() / 1000;
    epochs.push({
      users,
      wallSeconds,
      cpuSeconds,
      usersPerSecond: users / wallSeconds,
      usersPerCpuSecond: users / cpuSeconds,
      steps: timer.steps,
      stepPhasesMs: timer.perStep(),
      ndcg100: r?.validation.ndcg100,
    });
    if (!r || maxBatches > 0) break;
  }
  trainer.timeSteps(undefined);
  const e0 = performance.now();
  await trainer.evaluate('validation');
  const evalSeconds = (performance.now() - e0) / 1000;
  await trainer.dispose();
  // The first epoch carries one-off costs (session creation, warm-up): report the later ones.
  const steady = epochs.length > 1 ? epochs.slice(1) : epochs;
  const steadyIdx = steady.map((e) => epochs.indexOf(e));
  const users = steady.reduce((s, e) => s + e.users, 0);
  const wall = steady.reduce((s, e) => s + e.wallSeconds, 0);
  const cpu = steady.reduce((s, e) => s + e.cpuSeconds, 0);
  const steps = steady.reduce((s, e) => s + e.steps, 0);
  const phases = Object.fromEntries(
    Object.keys(steady[0].stepPhasesMs).map((n) => [
      n,
      steady.reduce((s, e) => s + e.stepPhasesMs[n] * e.steps, 0) / steps,
    ]),
  );
  const epochSeconds = (passes * data.train.nRows) / (users / wall);
  const ratios = paired.filter((p) => steadyIdx.includes(p.epoch)).map((p) => p.ratio);
  process.stdout.write(
    JSON.stringify({
      engine: engine.info,
      model: config.model,
      dims: config.dims,
      usersPerSecond: users / wall,
      usersPerCpuSecond: users / cpu,
      epochs,
      stepPhasesCpuMs: phases,
      ceilingGflops: ceiling.flops / median(ceiling.wallMs) / 1e6,
      ceilingShareOfStep: median(ratios),
      ceilingSamples: ratios.length,
      evalSeconds,
      evalShareOfEpoch: evalSeconds / (epochSeconds + evalSeconds),
      projectedEpochSeconds: epochSeconds + evalSeconds,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n',
  );
})();
