import { open } from 'node:fs/promises';

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
