import { InputError } from '@vaecf/errors';
import type { ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore } from './filesystem-store';

export type ArtifactsEnv = Readonly<Record<string, string | undefined>>;

/** Where artifacts go when nothing is set: a directory beside the process. */
export const DEFAULT_ARTIFACTS_DIR = '.vaecf/artifacts';

/**
 * The artifact store the environment names, for the API, the worker and the
 * CLI alike: `VAECF_ARTIFACTS` is a directory (object storage comes next);
 * unset, the older `VAECF_ARTIFACTS_DIR` (a directory) or the default
 * directory. A bad value is an InputError naming the variable.
 */
export function artifactStoreFromEnv(env: ArtifactsEnv): ArtifactStore {
  const spec = env.VAECF_ARTIFACTS?.trim();
  if (!spec) return new FilesystemArtifactStore(env.VAECF_ARTIFACTS_DIR?.trim() || DEFAULT_ARTIFACTS_DIR);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec))
    throw new InputError(`VAECF_ARTIFACTS: ${JSON.stringify(spec)} is not a directory`, 'VAECF_ARTIFACTS');
  return new FilesystemArtifactStore(spec);
}
