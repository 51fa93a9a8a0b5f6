import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '../src/filesystem-store';
import { artifactStoreContract } from './contract';

artifactStoreContract('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vaecf-fs-store-'));
  return {
    store: new FilesystemArtifactStore(root),
    // Another host of a shared filesystem sees the same directory.
    otherHost: new FilesystemArtifactStore(root),
    overwrite: (rel, bytes) => writeFile(join(root, rel), bytes),
    remove: (rel) => rm(join(root, rel)),
    close: () => rm(root, { recursive: true, force: true }),
  };
});
