import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Removals of a deleted sweep's directory that a writer may make fail, before it is left to the writer. */
const TRIES = 4;

/**
 * Removes a deleted sweep's local directory. A writer of the sweep may still
 * be adding files to it (a trial finishing the checkpoint of the epoch in
 * hand, written in the background), and Node's recursive rm then fails with
 * ENOTEMPTY when a file appears between its listing of a directory and the
 * directory's removal: DELETE /sweeps/:id answered 500 so. It tries again a
 * few times (here: rm's own maxRetries retries at every level of the tree,
 * which multiplies); after that, what a writer is still adding is the
 * writer's to remove, since every writer of a sweep removes the sweep's
 * artifacts itself once its writes are done and it finds the sweep gone
 * (apps/worker trial-runner.ts, handlers.ts). Any other error is thrown.
 */
export async function removeDeletedSweepDir(dir: string): Promise<void> {
  for (let tried = 1; ; tried++) {
    try {
      return await rm(dir, { recursive: true, force: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      if (tried === TRIES) return;
      await sleep(25 * tried);
    }
  }
}
