import { InputError } from '@vaecf/errors';
import { QUEUES } from '@vaecf/store';
import { z } from 'zod';
import { engineVariable, gpuVariable } from './engine-env';

/**
 * The one environment loader of the API and the worker: each app declares
 * its own fields (on top of the shared ones below) and its own cross-field
 * checks; the loading, the one-line refusal and the checks of the settings
 * other factories own are written here once.
 */

/** A string that may be set empty (compose's `${TOKEN:-}` default): empty means unset. */
export const unsetIfEmpty = () =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined));

/** The fields both apps read alike: Redis, the queues, the artifact directory, the engine and GPU, the metrics token. */
export const sharedEnvFields = {
  /** An engine name, an old VAECF_BACKEND value, or auto. */
  VAECF_ENGINE: engineVariable('VAECF_ENGINE'),
  /** The old name: its values (wasm, cpu, tensorflow, tensorflow-gpu) name tfjs engines; VAECF_ENGINE wins. */
  VAECF_BACKEND: engineVariable('VAECF_BACKEND'),
  /** The GPU a GPU engine runs on (its index). */
  VAECF_GPU: gpuVariable(),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  VAECF_ARTIFACTS_DIR: z.string().min(1).default('.vaecf/artifacts'),
  VAECF_TRIALS_QUEUE: z.string().min(1).default(QUEUES.trials),
  VAECF_DATASETS_QUEUE: z.string().min(1).default(QUEUES.datasets),
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  METRICS_TOKEN: unsetIfEmpty(),
};

export interface EnvironmentLoader<T> {
  /** Who reads it, for the message: "API" -> "invalid API environment: ...". */
  readonly who: string;
  readonly schema: z.ZodType<T>;
  /** The error a bad environment throws (the app's main prints its message alone, in one line). */
  readonly error: new (message: string) => Error;
  /**
   * Settings whose variables other factories own (the artifact store's, the dataset download's):
   * each is called with the environment and throws InputError on a bad value.
   */
  readonly checks?: readonly ((env: NodeJS.ProcessEnv) => unknown)[];
}

/** The settings `env` gives, checked; a bad one throws `loader.error` naming the variable. */
export function loadEnvironment<T>(loader: EnvironmentLoader<T>, env: NodeJS.ProcessEnv): T {
  const invalid = (message: string) => new loader.error(`invalid ${loader.who} environment: ${message}`);
  const r = loader.schema.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw invalid(`${issue.path.join('.')}: ${issue.message}`);
  }
  for (const check of loader.checks ?? []) {
    try {
      check(env);
    } catch (e) {
      if (e instanceof InputError) throw invalid(e.message);
      throw e;
    }
  }
  return r.data;
}

/** loadEnvironment once per process: the first call's settings for every later call. */
export function cachedEnvironment<T>(loader: EnvironmentLoader<T>): (env?: NodeJS.ProcessEnv) => T {
  let cached: { value: T } | undefined;
  return (env = process.env) => (cached ??= { value: loadEnvironment(loader, env) }).value;
}
