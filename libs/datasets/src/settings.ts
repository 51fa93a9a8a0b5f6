import { resolve, join } from 'node:path';
import { InputError } from '@vaecf/errors';

export interface FetchSettings {
  /** Where downloads and their extracted ratings files are kept, one directory per dataset name. */
  readonly cacheDir: string;
  /** A base URL serving the upstream file names instead of their hosts (air-gapped sites, tests). */
  readonly mirror?: string;
}

/** The CLI's, the API's and the worker's cache directory when nothing is set (see libs/artifacts from-env.ts). */
const DEFAULT_CACHE_DIR = '.vaecf/cache';

/**
 * The fetch settings of the environment:
 *   VAECF_DATASET_CACHE   the download cache (default: <VAECF_CACHE_DIR or .vaecf/cache>/datasets)
 *   VAECF_DATASET_MIRROR  http(s) base URL; files are read as <mirror>/<upstream file name>
 * A bad value is an InputError naming the variable.
 */
export function fetchSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): FetchSettings {
  const cache = env.VAECF_DATASET_CACHE?.trim();
  const cacheDir = resolve(cache || join(env.VAECF_CACHE_DIR?.trim() || DEFAULT_CACHE_DIR, 'datasets'));
  const mirror = env.VAECF_DATASET_MIRROR?.trim();
  return { cacheDir, mirror: mirror ? checkMirror(mirror) : undefined };
}

/** A mirror must be an http(s) URL without query or fragment; its trailing slashes are dropped. */
export function checkMirror(mirror: string, name = 'VAECF_DATASET_MIRROR'): string {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw bad(name, mirror, 'is not a URL (expected http://host/path or https://host/path)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw bad(name, mirror, `must be an http:// or https:// URL (got ${url.protocol})`);
  if (url.search || url.hash) throw bad(name, mirror, 'must not have a query or a fragment');
  return mirror.replace(/\/+$/, '');
}

function bad(name: string, value: string, problem: string): InputError {
  return new InputError(`${name}: ${JSON.stringify(value)} ${problem}`, name, problem);
}
