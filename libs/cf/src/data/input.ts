import { createReadStream, type ReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DatasetInputError } from './errors';

export interface RatingsInput {
  /** Size on disk (compressed size for gzip): the denominator of progress. */
  readonly size: number;
  /** The file's bytes as read, before any decompression (progress counts these). */
  readonly raw: ReadStream;
  /** Decompressed text bytes. */
  readonly text: Readable;
}

/**
 * Opens a ratings file as a stream of text. Gzip is recognised by its magic
 * bytes (1f 8b), not the name: downloads are often renamed or served with a
 * misleading extension. A missing path, a directory or an empty file is a
 * DatasetInputError, never a raw fs error.
 */
export async function openRatingsFile(path: string): Promise<RatingsInput> {
  const st = await stat(path).catch(() => {
    throw new DatasetInputError(path, 0, 'file not found or not readable');
  });
  if (!st.isFile()) throw new DatasetInputError(path, 0, 'not a regular file');
  if (st.size === 0) throw new DatasetInputError(path, 0, 'file is empty');
  const gzip = await startsWithGzipMagic(path);
  // Callers must attach their consumers without awaiting in between, or early chunks could be missed.
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!gzip) return { size: st.size, raw, text: raw };
  const gunzip = createGunzip();
  // pipe() does not forward errors: without this a failing read would leave the consumer waiting forever.
  raw.on('error', (e) => gunzip.destroy(e));
  return { size: st.size, raw, text: raw.pipe(gunzip) };
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => {
    throw new DatasetInputError(path, 0, 'file not found or not readable');
  });
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}
