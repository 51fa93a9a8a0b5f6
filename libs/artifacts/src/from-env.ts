import { resolve } from 'node:path';
import { InputError } from '@vaecf/errors';
import type { ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore } from './filesystem-store';
import { LocalCache } from './local-cache';
import { createS3Client } from './s3-client';
import { DEFAULT_PART_BYTES, ObjectIO } from './object-io';
import { S3ArtifactStore } from './s3-store';

export type ArtifactsEnv = Readonly<Record<string, string | undefined>>;

/** Where artifacts go when nothing is set: a directory beside the process. */
export const DEFAULT_ARTIFACTS_DIR = '.vaecf/artifacts';
export const DEFAULT_CACHE_DIR = '.vaecf/cache';
export const DEFAULT_CACHE_MAX_MB = 4096;

/**
 * The artifact store the environment names, for the API, the worker and the
 * CLI alike:
 *   VAECF_ARTIFACTS       a directory, or s3://bucket/prefix; unset, the older
 *                         VAECF_ARTIFACTS_DIR (a directory) or .vaecf/artifacts
 *   with s3://: the AWS SDK's own variables (AWS_ENDPOINT_URL_S3 or
 *   AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   or any other source of its credential chain), VAECF_S3_FORCE_PATH_STYLE
 *   (default true when an endpoint is set: MinIO, Ceph RGW, s3rver), and the
 *   host's cache: VAECF_CACHE_DIR (.vaecf/cache), VAECF_CACHE_MAX_MB (4096).
 * A bad value is an InputError naming the variable.
 */
export function artifactStoreFromEnv(env: ArtifactsEnv, opts: { partBytes?: number } = {}): ArtifactStore {
  const spec = env.VAECF_ARTIFACTS?.trim();
  if (!spec) return new FilesystemArtifactStore(env.VAECF_ARTIFACTS_DIR?.trim() || DEFAULT_ARTIFACTS_DIR);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return new FilesystemArtifactStore(spec);
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
  if (!m) throw bad('VAECF_ARTIFACTS', spec, 'is not a directory or an s3://bucket/prefix URL');
  const [, bucket, rawPrefix] = m;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw bad(
      'VAECF_ARTIFACTS',
      spec,
      `names the bucket "${bucket}": 3-63 lowercase letters, digits, '.' and '-'`,
    );
  const prefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw bad('VAECF_ARTIFACTS', spec, 'has an empty, "." or ".." segment in its prefix');

  const endpointVar = env.AWS_ENDPOINT_URL_S3?.trim() ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL';
  const endpoint = env[endpointVar]?.trim() || undefined;
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint))
    throw bad(endpointVar, endpoint, 'is not an http:// or https:// URL');
  const keyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secret = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (Boolean(keyId) !== Boolean(secret))
    throw bad(keyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID', '', 'must be set with its pair');
  const client = createS3Client({
    endpoint,
    // Keys given in `env` are used as given; otherwise the SDK's default chain (profiles, roles...).
    ...(keyId &&
      secret && {
        credentials: {
          accessKeyId: keyId,
          secretAccessKey: secret,
          sessionToken: env.AWS_SESSION_TOKEN || undefined,
        },
      }),
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1',
    forcePathStyle: flag(env, 'VAECF_S3_FORCE_PATH_STYLE', endpoint !== undefined),
    // vaecf checks every file against the CRC32s of its own manifests; the SDK's default
    // streaming checksums (aws-chunked trailers) are not understood by every S3-compatible server.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const maxMb = env.VAECF_CACHE_MAX_MB?.trim() ? Number(env.VAECF_CACHE_MAX_MB) : DEFAULT_CACHE_MAX_MB;
  if (!Number.isFinite(maxMb) || maxMb <= 0)
    throw bad('VAECF_CACHE_MAX_MB', env.VAECF_CACHE_MAX_MB ?? '', 'is not a positive number of MiB');
  const cache = new LocalCache(resolve(env.VAECF_CACHE_DIR?.trim() || DEFAULT_CACHE_DIR), maxMb * 2 ** 20);
  return new S3ArtifactStore(
    new ObjectIO(client, bucket, prefix, opts.partBytes ?? DEFAULT_PART_BYTES),
    cache,
  );
}

function flag(env: ArtifactsEnv, name: string, fallback: boolean): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (!v) return fallback;
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  throw bad(name, v, 'is not true or false');
}

function bad(name: string, value: string, problem: string): InputError {
  return new InputError(`${name}: ${JSON.stringify(value)} ${problem}`, name, problem);
}
