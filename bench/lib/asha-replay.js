// @ts-check
// Asynchronous successive halving replayed on recorded learning curves: how many epochs ASHA
// spends depends on the order in which trials reach each rung, and so on the epochs' durations.
// bench:sweep replays its full run's curves under many random duration draws to show the range
// that arrival order alone gives (the decision rule is libs/sweep's ashaDecision, as the store's).
const { ashaDecision, ashaRungs } = require('@vaecf/sweep');
const { uniformFloat64 } = require('pure-rand/distribution/uniformFloat64');
const { xoroshiro128plus } = require('pure-rand/generator/xoroshiro128plus');

/**
 * One replay: `workers` take the trials in queue order; an epoch takes 1 +- jitter (uniform) time
 * units; a trial reaching a rung is compared with those recorded there before it. Returns the
 * epochs run and the best final value among trials that ran to the end.
 * @param {number[][]} curves each trial's objective per epoch (all maxEpochs of them)
 * @param {{ workers: number, gracePeriod: number, eta: number, jitter: number, draw: () => number }} o
 */
function replayOnce(curves, o) {
  const maxEpochs = Math.min(...curves.map((c) => c.length));
  const rungs = new Set(ashaRungs({ gracePeriod: o.gracePeriod, reductionFactor: o.eta, maxEpochs }));
  /** @type {Map<number, number[]>} */
  const recorded = new Map();
  // Each worker: when it is free next. Each running trial: its next epoch's end.
  const free = Array.from({ length: o.workers }, () => 0);
  /** @type {{ trial: number, epoch: number, at: number, worker: number }[]} */
  const running = [];
  let next = 0;
  let epochs = 0;
  const start = (worker, at) => {
    if (next >= curves.length) return;
    running.push({ trial: next++, epoch: 1, at: at + 1 + o.jitter * (2 * o.draw() - 1), worker });
  };
  for (let w = 0; w < o.workers; w++) start(w, free[w]);
  while (running.length) {
    running.sort((a, b) => a.at - b.at);
    const r = /** @type {(typeof running)[number]} */ (running.shift());
    epochs++;
    const value = curves[r.trial][r.epoch - 1];
    let stop = r.epoch >= maxEpochs;
    if (!stop && rungs.has(r.epoch)) {
      const before = recorded.get(r.epoch) ?? [];
      stop = ashaDecision(before, value, o.eta) === 'stop';
      recorded.set(r.epoch, [...before, value]);
    }
    if (stop) start(r.worker, r.at);
    else running.push({ ...r, epoch: r.epoch + 1, at: r.at + 1 + o.jitter * (2 * o.draw() - 1) });
  }
  return epochs;
}

/**
 * The share of the full run's epochs that ASHA spends over `draws` replays (seeded): min, median,
 * max, and the share with no jitter at all (every epoch equally long).
 * @param {number[][]} curves
 * @param {{ workers: number, gracePeriod: number, eta: number, jitter?: number, draws?: number, seed?: number }} o
 */
function ashaShareRange(curves, o) {
  const gen = xoroshiro128plus(o.seed ?? 1);
  const draw = () => uniformFloat64(gen);
  const full = curves.reduce((s, c) => s + c.length, 0);
  const opts = { ...o, jitter: o.jitter ?? 0.3, draw };
  const shares = Array.from({ length: o.draws ?? 2000 }, () => replayOnce(curves, opts) / full).sort(
    (a, b) => a - b,
  );
  const round = (x) => Number(x.toFixed(3));
  return {
    draws: shares.length,
    jitter: opts.jitter,
    seed: o.seed ?? 1,
    min: round(shares[0]),
    p05: round(shares[Math.floor(0.05 * (shares.length - 1))]),
    median: round(shares[Math.floor(shares.length / 2)]),
    p95: round(shares[Math.ceil(0.95 * (shares.length - 1))]),
    max: round(shares[shares.length - 1]),
    noJitter: round(replayOnce(curves, { ...opts, jitter: 0 }) / full),
  };
}

module.exports = { ashaShareRange, replayOnce };
