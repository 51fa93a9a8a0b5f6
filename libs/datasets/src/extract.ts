import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { VerificationError } from './errors';

/**
 * Extracts the one file of `zip` whose last path segment is `entryName` to
 * `out`, written as `out.part` and renamed only once its CRC-32 and size
 * match the central directory (yauzl reads the central directory, handles
 * ZIP64 and data descriptors, and checks sizes; it leaves CRC-32 to its
 * callers). Anything unreadable is a VerificationError; `out.part` never
 * survives a failure.
 */
export async function extractEntry(
  zip: string,
  entryName: string,
  out: string,
  label: string,
): Promise<void> {
  const tmp = `${out}.part`;
  let zipfile: ZipFile | undefined;
  try {
    zipfile = await openZip(zip);
    const entry = await findEntry(zipfile, entryName, label);
    const stream = await openEntry(zipfile, entry);
    let crc = 0;
    const check = new Transform({
      transform(chunk: Buffer, _enc, done) {
        crc = crc32(chunk, crc);
        done(null, chunk);
      },
    });
    await pipeline(stream, check, createWriteStream(tmp));
    if (crc >>> 0 !== entry.crc32 >>> 0)
      throw new VerificationError(
        `${label}: ${entry.fileName} fails its CRC-32 check (the archive is corrupt)`,
      );
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof VerificationError) throw e;
    // Disk errors are the host's, not the archive's.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') throw e;
    throw new VerificationError(`${label} is not a readable zip archive (${(e as Error).message})`);
  } finally {
    zipfile?.close();
  }
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, z) =>
      err ? reject(err) : resolve(z),
    ),
  );
}

/** The only file entry named `name` (by its last segment); none, or more than one, is a VerificationError. */
function findEntry(zipfile: ZipFile, name: string, label: string): Promise<Entry> {
  return new Promise((resolve, reject) => {
    const found: Entry[] = [];
    zipfile.on('entry', (e: Entry) => {
      if (!e.fileName.endsWith('/') && e.fileName.split('/').pop() === name) found.push(e);
      zipfile.readEntry();
    });
    zipfile.once('error', reject);
    zipfile.once('end', () => {
      if (found.length === 1) resolve(found[0]);
      else
        reject(
          new VerificationError(
            found.length === 0
              ? `${label} holds no ${name}`
              : `${label} holds ${found.length} files named ${name} (${found.map((f) => f.fileName).join(', ')})`,
          ),
        );
    });
    zipfile.readEntry();
  });
}

function openEntry(zipfile: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zipfile.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}
