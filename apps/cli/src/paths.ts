import { constants } from 'node:fs';
import { access, mkdtemp, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from './errors';

/**
 * The checks every command runs on the paths it is given, before any work (a
 * download, a training run, a request): an output path that cannot be written
 * or an input file that cannot be read is refused in one line naming the flag
 * or argument (`what`, e.g. "--out"), exit 2, instead of a Node error and a
 * stack trace after the work is done.
 */

const statOrNull = (path: string) => stat(path).catch(() => null);

/**
 * A file the command will write (created or replaced). Its directory must
 * already exist (as for a shell redirection: a typo in a directory name should
 * not create a tree) and take a new entry; the path itself must not be a
 * directory, and an existing file must be writable.
 */
export async function checkOutputFile(what: string, path: string): Promise<void> {
  const target = await statOrNull(path);
  if (target?.isDirectory())
    throw new UserError(`${what} ${path}: is a directory; give a file name inside it`, what);
  const dir = dirname(resolve(path));
  const parent = await statOrNull(dir);
  if (!parent) throw new UserError(`${what} ${path}: directory ${dir} does not exist`, what);
  if (!parent.isDirectory()) throw new UserError(`${what} ${path}: ${dir} is not a directory`, what);
  if (target) {
    await access(path, constants.W_OK).catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`${what} ${path}: cannot write it (${e.code ?? e.message})`, what);
    });
  } else await probeWritable(what, path, dir);
}

/**
 * A directory the command will create (with its missing parents) or write
 * into. The path must not be something else (a file), and its nearest
 * existing ancestor must be a directory that takes a new entry.
 */
export async function checkOutputDir(what: string, path: string): Promise<void> {
  const target = await statOrNull(path);
  if (target && !target.isDirectory())
    throw new UserError(`${what} ${path}: exists and is not a directory`, what);
  let dir = resolve(path);
  for (;;) {
    const st = await statOrNull(dir);
    if (st) {
      if (!st.isDirectory()) throw new UserError(`${what} ${path}: ${dir} is not a directory`, what);
      break;
    }
    dir = dirname(dir);
  }
  await probeWritable(what, path, dir);
}

/**
 * A file the command will read whole: a regular file (not a directory, a
 * device such as /dev/zero or a pipe that never ends) of at most `maxBytes`.
 */
export async function checkInputFile(what: string, path: string, maxBytes: number): Promise<void> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    const why = e.code === 'ENOENT' ? 'no such file' : `cannot read it (${e.code ?? e.message})`;
    throw new UserError(`${what} ${path}: ${why}`, what);
  });
  if (st.isDirectory()) throw new UserError(`${what} ${path}: is a directory, not a file`, what);
  if (!st.isFile())
    throw new UserError(`${what} ${path}: not a regular file (a device, pipe or socket)`, what);
  if (st.size > maxBytes)
    throw new UserError(
      `${what} ${path}: ${st.size.toLocaleString('en')} bytes, more than the limit of ${maxBytes.toLocaleString('en')}`,
      what,
    );
  await access(path, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`${what} ${path}: cannot read it (${e.code ?? e.message})`, what);
  });
}

/**
 * Whether `dir` takes a new entry: a real probe (a temporary directory,
 * removed at once) is the only test that also catches read-only and virtual
 * filesystems such as /proc, where access() says yes.
 */
async function probeWritable(what: string, path: string, dir: string): Promise<void> {
  const probe = await mkdtemp(join(dir, '.vaecf-probe-')).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`${what} ${path}: cannot write in ${dir} (${e.code ?? e.message})`, what);
  });
  await rmdir(probe);
}
