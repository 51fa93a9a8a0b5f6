import { artifactStoreFromEnv } from '@vaecf/artifacts';
import { fetchSettingsFromEnv } from '@vaecf/datasets';
import { defaultBaselineMemoryLimitMb } from '@vaecf/cf';
import { hostname } from 'node:os';
import {
  cachedEnvironment,
  engineFromVariables,
  loadEnvironment,
  unsetIfEmpty,
  sharedEnvFields,
  threadsVariable,
  type EnvironmentLoader,
} from '@vaecf/orchestration';
import { metricsExposureProblem } from '@vaecf/telemetry';
import { z } from 'zod';
import { parseChildNodeFlags } from './child-node-flags';

/**
 * Worker settings from the environment: parsed once, validated, typed (the loader and the fields
 * shared with the API are libs/orchestration environment.ts). VAECF_ENGINE is the compute engine of
 * trials whose sweep fixes none (a sweep's fixed.engine wins): an engine name, an old
 * VAECF_BACKEND value, or auto (onnxruntime on the CPU where it loads, else tfjs).
 */
const schema = z.object({
  ...sharedEnvFields,
  /** Engine threads per trial (a sweep's fixed.threads wins): N, or auto = this host's cores / WORKER_CONCURRENCY. */
  VAECF_THREADS: threadsVariable('VAECF_THREADS', 1),
  /**
   * How long a trial whose fixed engine this worker cannot load waits before it is offered again
   * (it is handed back unclaimed, without spending an attempt; ms).
   */
  WORKER_ENGINE_HANDBACK_MS: z.coerce.number().int().min(100).default(10_000),
  /** A trial child process whose resident memory passes this after a job is replaced by a fresh one (MB). */
  WORKER_CHILD_MAX_RSS_MB: z.coerce.number().int().min(1).default(3000),
  /**
   * Node/V8 options of the trial processes, space-separated (child-node-flags.ts): unset gives
   * --initial-old-space-size=128, empty gives none. main.ts checks that node accepts them.
   */
  WORKER_CHILD_NODE_FLAGS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const r = parseChildNodeFlags(v);
      if ('flags' in r) return r.flags;
      ctx.addIssue({ code: 'custom', message: r.problem });
      return z.NEVER;
    }),
  /** First port tried for this worker's /metrics and /health (0: any free port; -1: none). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(-1).max(65535).default(9464),
  /** Ports tried in turn from WORKER_METRICS_PORT while taken (workers sharing a host): 9464-9479. */
  WORKER_METRICS_PORT_COUNT: z.coerce.number().int().min(1).max(1000).default(16),
  /** Address /metrics binds to; a non-loopback one needs METRICS_TOKEN (libs/telemetry metrics-access.ts). */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * The host name or address others (Prometheus, through the API's /workers/sd) reach this
   * worker's /metrics at. Unset: the bound address, or this machine's name for a wildcard bind
   * (a container's name in compose). Set it on workers of other machines to the machine's address (IPv6 in brackets).
   */
  WORKER_ADVERTISE_HOST: z
    .string()
    .regex(
      /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/,
      'a host name, an IPv4 address or a bracketed IPv6 one; no scheme, no port',
    )
    .optional()
    .transform((v) => (v ? v : undefined)), // empty (compose's default) means unset
  /** Trials trained at once by this worker (each in its own child process). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  WORKER_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /**
   * How long a job lock lasts without renewal before another worker may take the job (ms).
   * A dead worker's trial is taken over lockMs/2 to lockMs + stalled check after it died (takeover.ts).
   */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(20_000),
  /** How often this worker moves on sweeps waiting for an event that never came (ms; 0: never). */
  WORKER_RECONCILE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Memory a baseline may use at finalize: EASE beyond it is skipped with the reason (MB; default half the machine's). */
  BASELINE_MEMORY_LIMIT_MB: z.coerce
    .number()
    .int()
    .min(1)
    .default(() => defaultBaselineMemoryLimitMb()),
  /** How often stalled jobs (their worker died) are looked for (ms); at most WORKER_LOCK_MS / 2. */
  WORKER_STALLED_CHECK_MS: z.coerce.number().int().min(500).default(10_000),
  /** Tests only (test-hold.ts): the Redis hash that holds a named sweep's trials after an epoch. Unset in production. */
  WORKER_TEST_HOLD: unsetIfEmpty(),
});

/** The metrics exposure rule (libs/telemetry metrics-access.ts), checked on the parsed settings. */
const checked = schema
  .superRefine((c, ctx) => {
    // A check at least once per renewal period, else a lapsed lock can wait a whole extra interval.
    if (c.WORKER_STALLED_CHECK_MS > c.WORKER_LOCK_MS / 2)
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_STALLED_CHECK_MS'],
        message: `must be at most WORKER_LOCK_MS / 2 (${Math.floor(c.WORKER_LOCK_MS / 2)} ms), so that a dead worker's trial is taken over within WORKER_LOCK_MS + WORKER_STALLED_CHECK_MS`,
      });
    if (c.WORKER_METRICS_PORT < 0) return;
    const problem = metricsExposureProblem(c.WORKER_METRICS_HOST, c.METRICS_TOKEN, 'WORKER_METRICS_HOST');
    if (problem) ctx.addIssue({ code: 'custom', path: ['METRICS_TOKEN'], message: problem });
  })
  .transform(({ VAECF_BACKEND, ...c }) => ({
    ...c,
    VAECF_ENGINE: engineFromVariables(c.VAECF_ENGINE, VAECF_BACKEND),
  }));

/** A bad environment: the worker refuses to start and says why in one line. */
export class WorkerEnvironmentError extends Error {
  override readonly name = 'WorkerEnvironmentError';
}

export type WorkerConfig = z.output<typeof checked>;

const loader: EnvironmentLoader<WorkerConfig> = {
  who: 'worker',
  schema: checked,
  error: WorkerEnvironmentError,
  // The artifact store's settings (VAECF_ARTIFACTS, its S3 and cache variables) are checked by its factory,
  // the dataset download's (VAECF_DATASET_CACHE, VAECF_DATASET_MIRROR) by its own.
  checks: [artifactStoreFromEnv, fetchSettingsFromEnv],
};

/** The worker's settings, read and checked once per process (a bad one throws WorkerEnvironmentError). */
export const workerConfig: (env?: NodeJS.ProcessEnv) => WorkerConfig = cachedEnvironment(loader);

/** The settings `env` gives, checked (workerConfig reads them once per process). */
export function readWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  return loadEnvironment(loader, env);
}
