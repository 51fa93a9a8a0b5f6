import { InputError, preview } from '@vaecf/errors';
import { z } from 'zod';

export const MODEL_KINDS = ['vae', 'dae'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The validation metrics an epoch reports, each higher-is-better; one of them picks the best epoch. */
export const VALIDATION_METRICS = ['ndcg100', 'recall20', 'recall50'] as const;
export type ValidationMetric = (typeof VALIDATION_METRICS)[number];

/**
 * Every hyperparameter of one trial, with the paper code's names and meaning.
 * Defaults depend on the model (see `defaultsFor`), so the schema itself has
 * none: `resolveTrialConfig` fills them in.
 */
export const trialConfigSchema = z
  .object({
    model: z.enum(MODEL_KINDS),
    /** Hidden dims of the encoder, input side first; the decoder mirrors them. */
    dims: z.array(z.number().int().positive().max(100_000)).min(1).max(8),
    /** Cap of the KL weight beta (Mult-VAE only). */
    annealCap: z.number().min(0).max(10),
    /** Minibatch updates over which beta rises linearly from 0 to annealCap. */
    totalAnnealSteps: z.number().int().positive(),
    /** L2 penalty on the weights: loss += lam * sum ||W||^2. */
    lam: z.number().min(0).max(1),
    /** Input dropout keep probability while training. */
    keepProb: z.number().gt(0).max(1),
    lr: z.number().gt(0).max(1),
    batchSize: z.number().int().positive().max(100_000),
    epochs: z.number().int().positive().max(100_000),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    /** The validation metric whose best epoch is kept as the trial's result (a sweep's objective). */
    selectBy: z.enum(VALIDATION_METRICS),
    /** Users per evaluation batch (memory vs speed only; metrics do not depend on it). */
    evalBatchSize: z.number().int().positive().max(100_000),
  })
  .strict();

export type TrialConfig = z.infer<typeof trialConfigSchema>;
export type TrialConfigInput = Partial<TrialConfig> & { model: ModelKind };

/** The paper code's settings (vae_cf notebook) for each model. */
export function defaultsFor(model: ModelKind): TrialConfig {
  const common = {
    annealCap: 0.2,
    totalAnnealSteps: 200_000,
    keepProb: 0.5,
    lr: 1e-3,
    batchSize: 500,
    epochs: 200,
    seed: 98765,
    evalBatchSize: 2000,
    selectBy: 'ndcg100' as const,
  };
  return model === 'vae'
    ? { model, dims: [600, 200], lam: 0, ...common }
    : { model, dims: [200], lam: 0.01 / 500, ...common };
}

/** Fills defaults for the model and validates; throws ConfigError naming the field. */
export function resolveTrialConfig(input: TrialConfigInput): TrialConfig {
  const model = z.enum(MODEL_KINDS).safeParse(input?.model);
  if (!model.success)
    throw new ConfigError('model', `must be one of ${MODEL_KINDS.join(', ')}`, input?.model);
  const merged = { ...defaultsFor(model.data), ...stripUndefined(input) };
  const parsed = trialConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || '(config)';
    throw new ConfigError(field, issue.message, valueAt(merged, issue.path));
  }
  return parsed.data;
}

export class ConfigError extends InputError {
  constructor(
    field: string,
    problem: string,
    readonly value: unknown,
  ) {
    super(`invalid trial config: ${field}: ${problem} (got ${preview(value)})`, field, problem);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function valueAt(o: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    o,
  );
}
