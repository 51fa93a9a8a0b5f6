import { mkdtemp, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from './errors';

/**
 * Refuses, before any work, an output path that cannot be written: `what`
 * (the flag or argument, e.g. "--out") is named in the one-line error. The
 * nearest existing ancestor of the path must be a directory that takes a new
 * entry; a real probe (a temporary directory, removed at once) is the only
 * test that also catches read-only and virtual filesystems such as /proc.
 */
export async function assertWritable(what: string, path: string): Promise<void> {
  let dir = dirname(resolve(path));
  for (;;) {
    const st = await stat(dir).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw new UserError(`${what} ${path}: ${dir} is not a directory`, what);
      break;
    }
    dir = dirname(dir);
  }
  const probe = await mkdtemp(join(dir, '.vaecf-probe-')).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`${what} ${path}: cannot write in ${dir} (${e.code ?? e.message})`, what);
  });
  await rmdir(probe);
}
