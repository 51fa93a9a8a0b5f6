import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive, withHostLock } from '@vaecf/datasets';
import type { LocalArtifact } from './artifact-store';

/**
 * A bounded cache of artifacts on local disk, shared by every process of a
 * host that names the same directory (a worker's trial child processes, the
 * API). Layout:
 *   <root>/entries/<key>/   a complete entry (filled in tmp/, renamed in)
 *   <root>/pins/<key>@<pid>.<n>   one per lease in use
 *   <root>/tmp/             fills in progress and entries being evicted
 *   <root>/locks/<key>      the pid of the process filling the entry
 * An entry is filled once per host: concurrent opens of one key in a process
 * share one fill, and other processes wait for the lock's holder (a lock of a
 * dead process is taken over). Eviction is least recently used first (a use touches the entry's
 * mtime) until the entries fit in `maxBytes`, and skips every entry with a
 * pin of a live process. An entry larger than the whole cache stays while
 * leased, and goes at the next eviction after.
 */
export class LocalCache {
  private readonly filling = new Map<string, Promise<void>>();
  private pinSeq = 0;

  constructor(
    readonly root: string,
    readonly maxBytes: number,
  ) {}

  /** A lease on the entry `key`, filled by `fill(dir)` when not here yet. Keys are single path segments. */
  async open(key: string, fill: (dir: string) => Promise<void>): Promise<LocalArtifact> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.+~-]*$/.test(key)) throw new Error(`invalid cache key ${key}`);
    const dir = join(this.root, 'entries', key);
    // Pinned before it is looked at: an eviction that follows sees the pin.
    const release = await this.pin(key);
    try {
      const now = new Date();
      const here = await utimes(dir, now, now).then(
        () => true,
        () => false,
      );
      if (!here) await this.fillOnce(key, dir, fill);
    } catch (e) {
      release();
      throw e;
    }
    return { dir, version: key, release };
  }

  /** Removes least recently used entries without a live pin until the rest fit. */
  async evict(): Promise<void> {
    const entries = await this.entries();
    let total = entries.reduce((s, e) => s + e.bytes, 0);
    if (total <= this.maxBytes) return;
    const pinned = await this.pinnedKeys();
    for (const e of entries.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= this.maxBytes) break;
      if (pinned.has(e.key)) continue;
      const trash = join(this.root, 'tmp', `evicted-${randomBytes(6).toString('hex')}`);
      if (
        !(await rename(e.dir, trash).then(
          () => true,
          () => false,
        ))
      )
        continue;
      // Pinned between the scan and the rename: put it back.
      if ((await this.pinnedKeys()).has(e.key)) {
        await rename(trash, e.dir).catch(() => rm(trash, { recursive: true, force: true }));
        continue;
      }
      await rm(trash, { recursive: true, force: true });
      total -= e.bytes;
    }
  }

  /** Bytes held by complete entries. */
  async size(): Promise<number> {
    return (await this.entries()).reduce((s, e) => s + e.bytes, 0);
  }

  private async fillOnce(key: string, dir: string, fill: (dir: string) => Promise<void>): Promise<void> {
    let p = this.filling.get(key);
    if (!p) {
      p = this.fillLocked(key, dir, fill).finally(() => this.filling.delete(key));
      this.filling.set(key, p);
    }
    await p;
  }

  /** Fills the entry under a host-wide lock file (one per key), or waits for the process that holds it. */
  private async fillLocked(key: string, dir: string, fill: (dir: string) => Promise<void>): Promise<void> {
    if (await exists(dir)) return;
    await withHostLock(join(this.root, 'locks', key), async () => {
      // Filled by the holder this process waited for.
      if (!(await exists(dir))) await this.fillInto(dir, fill);
    });
  }

  private async fillInto(dir: string, fill: (dir: string) => Promise<void>): Promise<void> {
    const tmp = join(this.root, 'tmp', `fill-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    await mkdir(join(this.root, 'entries'), { recursive: true });
    try {
      await fill(tmp);
      await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
        // Another process of this host filled it first: theirs is as good.
        if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await this.evict();
  }

  private async pin(key: string): Promise<() => void> {
    const dir = join(this.root, 'pins');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${key}@${process.pid}.${this.pinSeq++}`);
    await writeFile(file, '');
    let released = false;
    return () => {
      if (released) return;
      released = true;
      void unlink(file)
        .then(() => this.evict())
        .catch(() => undefined);
    };
  }

  /** Keys with a pin of a live process; pins of dead processes are removed. */
  private async pinnedKeys(): Promise<Set<string>> {
    const dir = join(this.root, 'pins');
    const keys = new Set<string>();
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const at = name.lastIndexOf('@');
      const pid = Number(name.slice(at + 1).split('.')[0]);
      if (processAlive(pid)) keys.add(name.slice(0, at));
      else await unlink(join(dir, name)).catch(() => undefined);
    }
    return keys;
  }

  private async entries(): Promise<{ key: string; dir: string; bytes: number; usedAt: number }[]> {
    const root = join(this.root, 'entries');
    const out = [];
    for (const key of await readdir(root).catch(() => [] as string[])) {
      const dir = join(root, key);
      const s = await stat(dir).catch(() => null);
      if (!s) continue;
      let bytes = 0;
      for (const f of await readdir(dir).catch(() => [] as string[]))
        bytes += (await stat(join(dir, f)).catch(() => null))?.size ?? 0;
      out.push({ key, dir, bytes, usedAt: s.mtimeMs });
    }
    return out;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
