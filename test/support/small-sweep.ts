/**
 * A small random search on `dataset` for the end-to-end tests: a tiny Mult-VAE, `trials` draws of
 * lr, `epochs` epochs each, no early stopping (so a trial's end is known), `maxConcurrent` at once.
 */
export function smallRandomSweep(
  dataset: string,
  opts: { trials: number; epochs: number; maxConcurrent?: number; name?: string },
) {
  return {
    ...(opts.name === undefined ? {} : { name: opts.name }),
    dataset,
    model: 'vae',
    fixed: { dims: [16, 8], batchSize: 200, epochs: opts.epochs, totalAnnealSteps: 20 },
    space: { lr: { type: 'loguniform', low: 1e-3, high: 1e-2 } },
    search: { method: 'random', trials: opts.trials, seed: 3 },
    scheduler: { type: 'none' },
    limits: { maxConcurrent: opts.maxConcurrent ?? 1 },
  };
}
