import {
  ConfigError,
  estimateTrainingMemory,
  resolveTrialConfig,
  trainingMemoryExcess,
  trialConfigSchema,
  type TrialConfig,
  parseTrialConfigInput,
} from '@vaecf/cf';
import { EngineChoiceError, parseEngineChoice, parseThreads } from '@vaecf/engine';
import { preview, unknownKeyProblem } from '@vaecf/errors';
import {
  fixedHyperparameters,
  gridCount,
  RUN_SETTINGS,
  gridValueAt,
  sampleValue,
  SpecError,
  type Distribution,
  type SweepSpec,
} from '@vaecf/sweep';

/** Every hyperparameter a trial has (TrialConfig's fields), `model` included. */
export const TRIAL_FIELDS: readonly string[] = Object.keys(trialConfigSchema.shape);

/** Trial fields that come from the spec's own fields, never from `fixed` or `space`. */
const SET_BY_THE_SPEC: Record<string, string> = {
  model: 'the model is the top-level `model` field (vae, dae or recvae); one sweep trains one model',
  selectBy: "each trial's best epoch is chosen by the sweep's `objective.metric`",
};

/** What the memory check needs to know of the sweep's dataset. */
export interface DatasetShape {
  readonly items: number;
  readonly trainUsers?: number;
  readonly evalUsers?: number;
}

/**
 * Checks, at submit, every trial configuration a sweep can produce: each key
 * of `fixed` and `space` is a trial hyperparameter (with "did you mean" for a
 * near miss), the fixed values and every distribution's range are valid
 * values of their field, and the largest configuration's weights, Adam state
 * and step tensors fit a worker's memory. libs/sweep knows nothing of trial
 * configurations (it stays pure); this is the hook beside the dataset check.
 */
export function checkTrialSpace(
  spec: SweepSpec,
  dataset: DatasetShape | undefined,
  limitBytes: number,
): void {
  const fields = TRIAL_FIELDS.filter((f) => !Object.hasOwn(SET_BY_THE_SPEC, f));
  checkRunSettings(spec);
  for (const section of ['fixed', 'space'] as const) {
    for (const name of Object.keys(spec[section])) {
      if (section === 'fixed' && (RUN_SETTINGS as readonly string[]).includes(name)) continue;
      if (Object.hasOwn(SET_BY_THE_SPEC, name))
        throw new SpecError(`${section}.${name}`, SET_BY_THE_SPEC[name]);
      if (!fields.includes(name))
        throw new SpecError(`${section}.${name}`, unknownKeyProblem(name, fields, 'hyperparameter'));
    }
  }
  const base: Record<string, unknown> = {
    ...fixedHyperparameters(spec),
    model: spec.model,
    selectBy: spec.objective.metric,
  };
  const resolved = resolveOr(base, (e) => new SpecError(`fixed.${e.field}`, problemOf(e)));
  for (const [name, d] of Object.entries(spec.space)) {
    for (const value of probeValues(d)) {
      resolveOr({ ...base, [name]: value }, (e) => {
        const at = e.field === name ? `space.${name}` : `space.${name} (${e.field})`;
        return new SpecError(at, `${problemOf(e)}, a value this distribution can produce`);
      });
    }
  }
  if (dataset) checkMemory(spec, resolved, dataset, limitBytes);
}

/**
 * `fixed.engine` and `fixed.threads` (libs/sweep RUN_SETTINGS) say how every
 * trial runs: an engine name (or an old --backend alias) and a thread count
 * or `auto`. They are not searchable (engines compute the same model within
 * float tolerance: a search over them measures rounding, bench:engines
 * compares them), and `auto` as an engine is refused: leave it out to let
 * each worker choose.
 */
function checkRunSettings(spec: SweepSpec): void {
  for (const name of RUN_SETTINGS) {
    if (name in spec.space)
      throw new SpecError(
        `space.${name}`,
        `${name} is a run setting, not a hyperparameter: give it in fixed (one value for every trial)`,
      );
  }
  const { engine, threads } = spec.fixed as Record<string, unknown>;
  if (engine !== undefined) {
    if (typeof engine !== 'string')
      throw new SpecError('fixed.engine', `must be an engine name (got ${preview(engine)})`);
    if (engine.trim() === 'auto')
      throw new SpecError(
        'fixed.engine',
        'leave it out to let each worker choose (its VAECF_ENGINE, else auto)',
      );
    runSettingOr(() => parseEngineChoice(engine, 'fixed.engine'), 'fixed.engine');
  }
  if (threads !== undefined) {
    const text = typeof threads === 'number' || typeof threads === 'string' ? String(threads) : '';
    if (!text)
      throw new SpecError('fixed.threads', `must be a whole number or "auto" (got ${preview(threads)})`);
    runSettingOr(() => parseThreads(text, 'fixed.threads'), 'fixed.threads');
  }
}

function runSettingOr(parse: () => unknown, field: string): void {
  try {
    parse();
  } catch (e) {
    if (e instanceof EngineChoiceError) throw new SpecError(field, e.message.replace(`${field} `, ''));
    throw e;
  }
}

/**
 * The spec's run settings as a worker reads them: `fixed.engine` in its
 * canonical name (an old --backend alias becomes its tfjs engine) and
 * `fixed.threads` as a number or `auto`. Done once at submit, so that a
 * stored spec names engines the way trial records and workers do.
 */
export function normalizeRunSettings(spec: SweepSpec): SweepSpec {
  const { engine, threads } = spec.fixed as Record<string, unknown>;
  if (engine === undefined && threads === undefined) return spec;
  const fixed = { ...spec.fixed };
  if (typeof engine === 'string') fixed.engine = parseEngineChoice(engine, 'fixed.engine');
  if (threads !== undefined) fixed.threads = parseThreads(String(threads), 'fixed.threads');
  return { ...spec, fixed };
}

/**
 * The spec as it will run: for the beta protocol, stage 1's annealing spans
 * the whole run (its last minibatch trains with beta = 1; minibatches per
 * epoch from the dataset's training users) unless the spec says otherwise. Other specs are returned as they are.
 */
export function completeSpec(spec: SweepSpec, dataset: DatasetShape | undefined): SweepSpec {
  if (spec.search.method !== 'beta' || spec.search.annealSteps !== undefined) return spec;
  if (!dataset?.trainUsers)
    throw new SpecError(
      'search.annealSteps',
      "the dataset's size is unknown: give the annealing steps of stage 1",
    );
  const config = resolveTrialConfig(
    parseTrialConfigInput({ ...fixedHyperparameters(spec), model: spec.model }),
  );
  // Beta = updates so far / annealSteps: the run's last update (number updates - 1) uses beta = 1.
  const annealSteps = Math.max(1, config.epochs * Math.ceil(dataset.trainUsers / config.batchSize) - 1);
  return { ...spec, search: { ...spec.search, annealSteps } };
}

/** The spec's values for a trial (untyped until parsed here), resolved; a ConfigError becomes `toSpecError`'s. */
function resolveOr(input: Record<string, unknown>, toSpecError: (e: ConfigError) => SpecError): TrialConfig {
  try {
    return resolveTrialConfig(parseTrialConfigInput(input));
  } catch (e) {
    throw e instanceof ConfigError ? toSpecError(e) : e;
  }
}

const problemOf = (e: ConfigError) => `${e.problem} (got ${preview(e.value)})`;

/**
 * The values of a distribution worth checking against its field: every
 * choice; a grid's ends and middle; a continuous range's ends and interior
 * points (an integer field given a continuous range fails on those).
 */
function probeValues(d: Distribution): unknown[] {
  if (d.type === 'choice') return d.values;
  const count = gridCount(d);
  if (count !== null) return [0, Math.floor(count / 2), count - 1].map((k) => gridValueAt(d, k));
  return [0, 0.25, 0.5, 0.75, 1 - 1e-12].map((u) => sampleValue(d, () => u));
}

/** The configuration needing the most memory: each of its size parameters at its largest value. */
function checkMemory(spec: SweepSpec, base: TrialConfig, dataset: DatasetShape, limitBytes: number): void {
  const worst = { ...base };
  const sizeFields = ['dims', 'batchSize', 'evalBatchSize'] as const;
  for (const field of sizeFields) {
    const d = spec.space[field];
    if (!d) continue;
    let most = -1;
    for (const value of probeValues(d)) {
      const bytes = estimateTrainingMemory({ ...base, [field]: value } as TrialConfig, dataset).totalBytes;
      if (bytes > most) {
        most = bytes;
        (worst as Record<string, unknown>)[field] = value;
      }
    }
  }
  const excess = trainingMemoryExcess(worst, dataset, {
    bytes: limitBytes,
    name: "a worker's limit",
    setting: 'TRIAL_MEMORY_LIMIT_MB',
  });
  if (!excess) return;
  const { culprit } = excess;
  const at = Object.hasOwn(spec.space, culprit)
    ? `space.${culprit}`
    : Object.hasOwn(spec.fixed, culprit)
      ? `fixed.${culprit}`
      : culprit;
  throw new SpecError(at, excess.problem);
}
