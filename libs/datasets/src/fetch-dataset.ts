import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PresetName, RatingsFormat } from '@vaecf/cf';
import { publicDataset, type PublicDataset } from './catalog';
import { hashFile, parseMd5File } from './checksum';
import { downloadToPart, type DownloadHooks } from './download';
import { VerificationError } from './errors';
import { extractEntry } from './extract';
import { withHostLock } from './host-lock';
import { getText } from './http-get';
import type { FetchSettings } from './settings';

export interface FetchHooks extends DownloadHooks {
  /** Another process of this host is fetching the same dataset into the same cache: this one waits. */
  readonly onWait?: (holderPid: number) => void;
}

/** How the download was checked: against a published MD5, a pinned SHA-256, or only its size (unverified). */
export type Verification = 'md5' | 'sha256' | 'unverified';

export interface FetchedDataset {
  readonly name: string;
  /** The extracted ratings file, complete and checked, in the cache. */
  readonly ratingsFile: string;
  readonly format: RatingsFormat;
  readonly preset?: PresetName;
  readonly verification: Verification;
  /** Whether it was already in the cache (nothing downloaded). */
  readonly cached: boolean;
}

/** Written beside the ratings file before it is renamed in: where it came from and how it was checked. */
interface Provenance {
  readonly name: string;
  readonly url: string;
  readonly bytes: number;
  readonly verification: Verification;
  readonly digest?: string;
  readonly fetchedAt: string;
}

/**
 * Brings public dataset `name` into the cache and returns its ratings file:
 *   <cache>/<name>/<file>            the archive, renamed in once verified
 *   <cache>/<name>/<file>.part(.json) an interrupted download and its validator
 *   <cache>/<name>/<entry>            the ratings file, renamed in once its CRC-32 matches
 *   <cache>/locks/<name>              held while fetching (processes of a host share the cache)
 * Nothing half-written is ever used. A checksum that does not match removes
 * the download; an archive that cannot be read is removed too; a dropped
 * connection keeps its part. An unknown name (or Netflix) is an InputError.
 */
export async function fetchPublicDataset(
  name: string,
  settings: FetchSettings,
  hooks: FetchHooks = {},
): Promise<FetchedDataset> {
  const d = publicDataset(name);
  const dir = join(settings.cacheDir, d.name);
  const ratingsFile = join(dir, d.entry);
  const result = (verification: Verification, cached: boolean): FetchedDataset => ({
    name: d.name,
    ratingsFile,
    format: d.format,
    preset: d.preset,
    verification,
    cached,
  });
  // Already here: no lock, no network (the ratings file only appears whole).
  const done = await provenanceIfComplete(dir, ratingsFile);
  if (done) return result(done.verification, true);
  return withHostLock(
    join(settings.cacheDir, 'locks', d.name),
    async () => {
      const doneMeanwhile = await provenanceIfComplete(dir, ratingsFile);
      if (doneMeanwhile) return result(doneMeanwhile.verification, true);
      await mkdir(dir, { recursive: true });
      try {
        const provenance = await downloadVerified(d, dir, settings, hooks);
        await extractOrDiscard(d, dir, ratingsFile, provenance);
        return result(provenance.verification, false);
      } finally {
        // A failure before anything was kept leaves no empty directory behind.
        await rmdir(dir).catch(() => undefined);
      }
    },
    { onWait: hooks.onWait },
  );
}

/** The archive in the cache, downloaded (or resumed) and verified first when it is not there yet. */
async function downloadVerified(
  d: PublicDataset,
  dir: string,
  settings: FetchSettings,
  hooks: FetchHooks,
): Promise<Provenance> {
  const archive = join(dir, d.file);
  const provenancePath = `${archive}.json`;
  const kept = await readProvenance(provenancePath);
  if (kept && (await exists(archive))) return kept;
  const url = settings.mirror ? `${settings.mirror}/${d.file}` : d.url;
  // Read at download time, never pinned: ml-latest-small is republished with a new hash.
  const md5 =
    d.checksum.kind === 'md5-file'
      ? parseMd5File(await getText(`${url}.md5`), d.file, `${url}.md5`)
      : undefined;
  const part = `${archive}.part`;
  const bytes = await downloadToPart(url, part, d.file, hooks);
  let verification: Verification = 'unverified';
  let digest: string | undefined;
  if (md5 !== undefined || d.checksum.kind === 'sha256') {
    const [algorithm, expected] =
      md5 !== undefined
        ? (['md5', md5] as const)
        : (['sha256', (d.checksum as { hex: string }).hex] as const);
    digest = await hashFile(part, algorithm);
    if (digest !== expected.toLowerCase()) {
      await rm(part, { force: true });
      await rm(`${part}.json`, { force: true });
      throw new VerificationError(
        `${d.file}: ${algorithm.toUpperCase()} ${digest} does not match the published ${expected}; the download was removed, run again to download it afresh`,
      );
    }
    verification = algorithm;
  } else {
    hooks.onNote?.(
      `${d.file}: UNVERIFIED - no checksum is published for it; only its size (${bytes} bytes, as the server announced) and the zip's CRC-32s are checked`,
    );
  }
  const provenance: Provenance = {
    name: d.name,
    url,
    bytes,
    verification,
    digest,
    fetchedAt: new Date().toISOString(),
  };
  await writeFile(provenancePath, JSON.stringify(provenance, null, 2));
  await rename(part, archive);
  await rm(`${part}.json`, { force: true });
  return provenance;
}

async function extractOrDiscard(
  d: PublicDataset,
  dir: string,
  ratingsFile: string,
  provenance: Provenance,
): Promise<void> {
  const archive = join(dir, d.file);
  // Before the ratings file appears (its rename is the commit point), so a complete entry always has it.
  await writeFile(join(dir, 'fetched.json'), JSON.stringify(provenance, null, 2));
  try {
    await extractEntry(archive, d.entry, ratingsFile, d.file);
  } catch (e) {
    await rm(join(dir, 'fetched.json'), { force: true });
    if (e instanceof VerificationError) {
      // A verified download that is no readable zip: the next run must not trust it.
      await rm(archive, { force: true });
      await rm(`${archive}.json`, { force: true });
      throw new VerificationError(`${e.message}; the download was removed, run again to download it afresh`);
    }
    throw e;
  }
}

async function provenanceIfComplete(dir: string, ratingsFile: string): Promise<Provenance | null> {
  if (!(await exists(ratingsFile))) return null;
  return readProvenance(join(dir, 'fetched.json'));
}

async function readProvenance(path: string): Promise<Provenance | null> {
  return readFile(path, 'utf8').then(
    (t) => JSON.parse(t) as Provenance,
    () => null,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
