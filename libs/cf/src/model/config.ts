import { InputError, preview } from '@vaecf/errors';
import { z } from 'zod';

export const MODEL_KINDS = ['vae', 'dae', 'recvae'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The validation metrics an epoch reports, each higher-is-better; one of them picks the best epoch. */
export const VALIDATION_METRICS = ['ndcg100', 'recall20', 'recall50'] as const;
export type ValidationMetric = (typeof VALIDATION_METRICS)[number];

/**
 * Every hyperparameter of one trial, with the paper code's names and meaning.
 * Defaults depend on the model (see `defaultsFor`), so the schema itself has
 * none: `resolveTrialConfig` fills them in.
 */
const trialConfigObject = z
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
    /** RecVAE only: the KL weight of a user is klGamma x the user's item count (0: klBeta for every user). */
    klGamma: z.number().min(0).max(10).optional(),
    /** RecVAE only: the constant KL weight used when klGamma is 0 (beta as in Mult-VAE). */
    klBeta: z.number().min(0).max(10).optional(),
    /** RecVAE only: encoder passes over the training users per epoch (dropout on, decoder frozen). */
    encoderPasses: z.number().int().min(1).max(100).optional(),
    /** RecVAE only: decoder passes per epoch (no dropout, encoder frozen). */
    decoderPasses: z.number().int().min(1).max(100).optional(),
    /** RecVAE only: the composite prior's weights of the standard normal, the previous posterior and the wide normal. */
    priorWeights: z.array(z.number().positive().max(1)).length(3).optional(),
  })
  .strict();

export const trialConfigSchema = trialConfigObject.superRefine((c, ctx) => {
  if (c.model === 'recvae') {
    if (c.dims.length !== 2)
      ctx.addIssue({ code: 'custom', path: ['dims'], message: 'RecVAE takes exactly [hidden, latent]' });
    if (c.priorWeights && Math.abs(c.priorWeights.reduce((a, b) => a + b, 0) - 1) > 1e-6)
      ctx.addIssue({ code: 'custom', path: ['priorWeights'], message: 'the three weights must sum to 1' });
    return;
  }
  for (const f of RECVAE_ONLY)
    if (c[f] !== undefined)
      ctx.addIssue({ code: 'custom', path: [f], message: 'applies to model recvae only' });
});

/** Hyperparameters only RecVAE reads. */
export const RECVAE_ONLY = ['klGamma', 'klBeta', 'encoderPasses', 'decoderPasses', 'priorWeights'] as const;

export type TrialConfig = z.infer<typeof trialConfigSchema>;

/**
 * The input form of a trial's configuration, as a sweep stores it in a trial
 * record: the model, and any hyperparameter the sweep fixes or samples (the
 * rest take the model's defaults in `resolveTrialConfig`). Each present field
 * is checked as in the full schema and unknown keys are refused, so a record
 * read through it is typed without a cast; the cross-field checks (RecVAE's
 * dims, prior weights) wait for `resolveTrialConfig`, which sees the defaults.
 */
export const trialConfigInputSchema = trialConfigObject.partial().required({ model: true });
export type TrialConfigInput = z.infer<typeof trialConfigInputSchema>;

/** Parses a trial's params (the input form); throws ConfigError naming the first bad field. */
export function parseTrialConfigInput(input: unknown): TrialConfigInput {
  const parsed = trialConfigInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(issue.path.join('.') || '(config)', issue.message, valueAt(input, issue.path));
}

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
  if (model === 'recvae')
    // The RecVAE paper's code (run.py): hidden 600, latent 200, gamma 0.005, lr 5e-4, 50 epochs, 3 + 1 passes.
    return {
      model,
      ...common,
      dims: [600, 200],
      lam: 0,
      lr: 5e-4,
      epochs: 50,
      klGamma: 0.005,
      klBeta: 0.2,
      encoderPasses: 3,
      decoderPasses: 1,
      priorWeights: [3 / 20, 3 / 4, 1 / 10],
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
