import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('filesystem store: deleting a sweep that a writer still adds files to', () => {
  it('never fails (DELETE /sweeps/:id answered 500 with ENOTEMPTY); the writer, once done, removes the rest', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vaecf-fs-delete-'));
    try {
      const store = new FilesystemArtifactStore(root);
      const sweep = 'sw_writing';
      const dir = store.checkpointWorkDir(sweep, 0, 2);
      await mkdir(dir, { recursive: true });
      for (let n = 0; n < 20; n++) await writeFile(join(dir, `state-${n}.bin`), 'x');
      let deleting = true;
      // A trial's checkpoint of the epoch in hand, written in the background: it adds files for as
      // long as the delete goes on (on whichever interleaving), then ends, finds its sweep gone and
      // removes the sweep's artifacts itself (apps/worker trial-runner.ts).
      const writer = (async () => {
        for (let n = 0; deleting; n++) {
          await mkdir(dir, { recursive: true }).catch(() => undefined);
          // Written aside and renamed into place, as saveCheckpoint does: the directory stays small.
          await writeFile(join(dir, `state-${n}.bin.tmp`), 'y')
            .then(() => rename(join(dir, `state-${n}.bin.tmp`), join(dir, 'state.bin')))
            .catch(() => undefined);
        }
        await store.deleteSweep(sweep);
      })();
      try {
        await store.deleteSweep(sweep);
      } finally {
        deleting = false;
        await writer;
      }
      expect(existsSync(join(root, 'sweeps', sweep))).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
