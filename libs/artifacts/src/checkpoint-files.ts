import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CheckpointError, checkpointFilesOf, MANIFEST_FILE, type CheckpointFile } from '@vaecf/cf';

/**
 * Checks every file a checkpoint directory's manifest names against the size
 * and CRC32 it records; throws libs/cf's CheckpointError naming the first
 * file that is missing or differs. Returns the manifest's text and files.
 */
export async function verifyCheckpointDir(
  dir: string,
): Promise<{ manifest: string; files: CheckpointFile[] }> {
  let manifest: string;
  try {
    manifest = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new CheckpointError(dir, `no ${MANIFEST_FILE}`);
  }
  const files = checkpointFilesOf(manifest, dir);
  for (const f of files) {
    const buf = await readFile(join(dir, f.file)).catch(() => null);
    if (!buf) throw new CheckpointError(dir, `missing ${f.file}`);
    checkFile(dir, f, buf);
  }
  return { manifest, files };
}

/** Throws a CheckpointError when `buf` is not the file the manifest describes. */
export function checkFile(where: string, f: CheckpointFile, buf: Uint8Array): void {
  if ((f.bytes !== null && buf.length !== f.bytes) || (f.crc32 !== null && crc32(buf) !== f.crc32))
    throw new CheckpointError(where, `${f.file} is corrupt (size or CRC32 mismatch)`);
}
