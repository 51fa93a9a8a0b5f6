import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How often a waiting process looks at a lock again. */
const POLL_MS = 50;
/** A lock file still empty after this long belongs to a process that died between create and write. */
const EMPTY_LOCK_STALE_MS = 10_000;

export interface HostLockOptions {
  /** Called once, with the holder's pid, when the lock is held by another live process and this one waits. */
  readonly onWait?: (holderPid: number) => void;
}

/**
 * Runs `work` while holding a host-wide lock: a file created exclusively
 * (`wx`) that names the holding pid, removed when `work` ends. Processes
 * that find it wait for its holder; a lock whose process is gone (or that
 * never got a pid written, long ago) is taken over. Shared by every cache
 * that processes of one host fill together: the artifact store's local
 * cache (one lock per entry) and the public datasets' download cache (one
 * lock per dataset name).
 */
export async function withHostLock<T>(
  lock: string,
  work: () => Promise<T>,
  opts: HostLockOptions = {},
): Promise<T> {
  await mkdir(dirname(lock), { recursive: true });
  let waited = false;
  for (;;) {
    const fh = await open(lock, 'wx').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return null;
      throw e;
    });
    if (fh) {
      try {
        await fh.writeFile(String(process.pid));
        await fh.close();
        return await work();
      } finally {
        await unlink(lock).catch(() => undefined);
      }
    }
    const holder = await lockHolder(lock);
    if (holder === 'stale') await unlink(lock).catch(() => undefined);
    else {
      if (!waited && typeof holder === 'number') {
        waited = true;
        opts.onWait?.(holder);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

/** The pid holding the lock, 'stale' when its process is gone, null when unknown yet (gone meanwhile, or being written). */
async function lockHolder(lock: string): Promise<number | 'stale' | null> {
  const [text, s] = await Promise.all([
    readFile(lock, 'utf8').catch(() => null),
    stat(lock).catch(() => null),
  ]);
  if (text === null || !s) return null; // gone meanwhile: try again
  if (text === '') return Date.now() - s.mtimeMs > EMPTY_LOCK_STALE_MS ? 'stale' : null;
  const pid = Number(text);
  return processAlive(pid) ? pid : 'stale';
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
