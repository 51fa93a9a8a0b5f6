import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { VerificationError } from './errors';

/**
 * The MD5 of `file` in a checksum file as GroupLens and the usual tools
 * write them: a bare hash, `hash  name` (md5sum; `*name` in binary mode) or
 * `MD5 (name) = hash` (BSD md5). A line naming another file is skipped; a
 * file with no hash for `file` is a VerificationError.
 */
export function parseMd5File(text: string, file: string, source: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const line of lines) {
    const bare = /^([0-9a-fA-F]{32})$/.exec(line);
    if (bare && lines.length === 1) return bare[1].toLowerCase();
    const gnu = /^([0-9a-fA-F]{32}) [ *](.+)$/.exec(line);
    if (gnu && sameFile(gnu[2], file)) return gnu[1].toLowerCase();
    const bsd = /^MD5 ?\((.+)\) ?= ?([0-9a-fA-F]{32})$/.exec(line);
    if (bsd && sameFile(bsd[1], file)) return bsd[2].toLowerCase();
  }
  throw new VerificationError(
    `${source} has no MD5 for ${file} (expected a bare hash, "hash  ${file}" or "MD5 (${file}) = hash"; got ${JSON.stringify(text.slice(0, 120))})`,
  );
}

/** A checksum line may name the file with a directory ("./ml-20m.zip"): its last segment counts. */
function sameFile(named: string, file: string): boolean {
  return named.trim().split(/[\\/]/).pop() === file;
}

/** The hex digest of a file, streamed. */
export async function hashFile(path: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
