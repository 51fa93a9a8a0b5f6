import { artifactStoreFromEnv } from '@vaecf/artifacts';
import type { EngineRequest } from '@vaecf/engine';
import {
  cachedEnvironment,
  DEFAULT_TRIAL_MEMORY_LIMIT_MB,
  engineFromVariables,
  unsetIfEmpty,
  sharedEnvFields,
  threadsVariable,
} from '@vaecf/orchestration';
import { metricsExposureProblem } from '@vaecf/telemetry';
import { z } from 'zod';
import type { HttpTimeouts } from './common/http-server';

/**
 * API settings from the environment: parsed once, validated, typed (the loader and the fields
 * shared with the worker are libs/orchestration environment.ts). VAECF_ENGINE is the engine
 * recommendations score on (as a worker's; VAECF_BACKEND is its old name).
 */
const schema = z.object({
  ...sharedEnvFields,
  /**
   * Engine threads of the API's scoring: its own variable, not VAECF_THREADS (a trial's threads),
   * so that one environment file can serve both; 1 by default (a request scores a few users, and
   * the API shares its host with workers). auto = this host's cores.
   */
  VAECF_API_THREADS: threadsVariable('VAECF_API_THREADS', 1),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address the API binds to; a non-loopback one needs METRICS_TOKEN (libs/telemetry metrics-access.ts). */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  /** Ratings files registered as datasets must lie under this directory. */
  VAECF_DATA_ROOT: z.string().min(1).default('.vaecf/data'),
  /**
   * When set, every route but /health and /metrics needs `Authorization: Bearer <token>`
   * (METRICS_TOKEN, a shared field, guards GET /metrics: API_TOKEN does not cover it).
   */
  API_TOKEN: unsetIfEmpty(),
  /** The most memory one trial may need; a sweep with a larger configuration is refused at submit. */
  TRIAL_MEMORY_LIMIT_MB: z.coerce.number().int().min(64).default(DEFAULT_TRIAL_MEMORY_LIMIT_MB),
  /** Largest accepted request body (JSON or YAML). */
  BODY_LIMIT: z.string().default('1mb'),
  /** The request line and headers must arrive within it (ms). */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1).default(20_000),
  /** A JSON or YAML body must arrive within it, counted from the headers (ms; 408 beyond). */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000),
  /** An upload may stream as long as it needs, but not stall longer than this (ms; 408 beyond). */
  UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1).default(60_000),
  /** Largest ratings file accepted by POST /datasets/upload, in bytes (default 2 GiB). */
  UPLOAD_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(2 * 1024 ** 3),
  /** Total size of <data root>/uploads, in bytes (default 20 GiB): past it an upload is refused with 507. */
  UPLOAD_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(20 * 1024 ** 3),
});

/** The metrics exposure rule (libs/telemetry metrics-access.ts), checked on the parsed settings. */
const checked = schema.superRefine((c, ctx) => {
  const problem = metricsExposureProblem(c.API_HOST, c.METRICS_TOKEN, 'API_HOST');
  if (problem) ctx.addIssue({ code: 'custom', path: ['METRICS_TOKEN'], message: problem });
});

/** A bad environment: the API refuses to start and says why in one line. */
export class ApiEnvironmentError extends Error {
  override readonly name = 'ApiEnvironmentError';
}

export type ApiConfig = z.infer<typeof schema>;

/** The HTTP timeouts of the settings (common/http-server.ts applies them). */
export function httpTimeouts(c: ApiConfig): HttpTimeouts {
  return {
    headersMs: c.HEADERS_TIMEOUT_MS,
    requestMs: c.REQUEST_TIMEOUT_MS,
    uploadIdleMs: c.UPLOAD_IDLE_TIMEOUT_MS,
  };
}

/** The engine the API scores recommendations on. */
export function scoringEngine(c: ApiConfig, cores: number): EngineRequest {
  return {
    engine: engineFromVariables(c.VAECF_ENGINE, c.VAECF_BACKEND),
    threads: c.VAECF_API_THREADS === 'auto' ? cores : c.VAECF_API_THREADS,
    gpu: c.VAECF_GPU,
  };
}

/** The API's settings, read and checked once per process (a bad one throws ApiEnvironmentError). */
export const apiConfig: (env?: NodeJS.ProcessEnv) => ApiConfig = cachedEnvironment({
  who: 'API',
  schema: checked,
  error: ApiEnvironmentError,
  // The artifact store's settings (VAECF_ARTIFACTS, its S3 and cache variables) are checked by its factory.
  checks: [artifactStoreFromEnv],
});
