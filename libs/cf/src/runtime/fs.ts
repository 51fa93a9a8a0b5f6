import { open, rename, rm } from 'node:fs/promises';

/** Writes a file and flushes it to disk before resolving (so a rename after it is a durable commit point). */
export async function writeFileSynced(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Renames `tmp` to `dir`, moving an old `dir` aside first and restoring it if the swap fails. */
export async function swapInto(tmp: string, dir: string): Promise<void> {
  const old = `${tmp}.old`;
  const hadOld = await rename(dir, old).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (hadOld) await rename(old, dir).catch(() => undefined);
    throw e;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
