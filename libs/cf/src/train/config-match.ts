import type { TrialConfig } from '../model/config';

/**
 * The fields of a trial's configuration that change what it learns. A
 * resume may differ in `epochs` (a sweep's scheduler sets the budget and a
 * resume may extend it) and `evalBatchSize` (memory and speed only); the
 * engine and thread count are not part of the configuration at all.
 */
const LEARNING_FIELDS = [
  'model',
  'dims',
  'annealCap',
  'totalAnnealSteps',
  'lam',
  'keepProb',
  'lr',
  'batchSize',
  'seed',
  'selectBy',
] as const satisfies readonly (keyof TrialConfig)[];

/** A checkpoint trained with other hyperparameters than the record of the trial resuming it. */
export class CheckpointConfigMismatchError extends Error {
  constructor(
    readonly where: string,
    readonly differences: readonly string[],
  ) {
    super(
      `checkpoint ${where} was trained with other hyperparameters than the trial's record ` +
        `(${differences.join('; ')}): refusing to resume it`,
    );
    this.name = 'CheckpointConfigMismatchError';
  }
}

/**
 * Each learning field on which a checkpoint's configuration and the trial's
 * record disagree, as `name: checkpoint X, record Y` (none: they agree).
 * Resuming silently with the checkpoint's values would report results under
 * hyperparameters the trial never ran with.
 */
export function configDifferences(checkpoint: TrialConfig, record: TrialConfig): string[] {
  const show = (v: unknown) => JSON.stringify(v);
  return LEARNING_FIELDS.filter((k) => show(checkpoint[k]) !== show(record[k])).map(
    (k) => `${k}: checkpoint ${show(checkpoint[k])}, record ${show(record[k])}`,
  );
}
