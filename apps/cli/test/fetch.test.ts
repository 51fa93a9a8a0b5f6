import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatasetMirror, md5, movielens100kZip, msdZip } from '../../../test/support/dataset-mirror';
import { CLI, runCli } from './run-cli';

// `vaecf fetch` as a user runs it (the built CLI as a process), against a mirror on loopback
// (VAECF_DATASET_MIRROR): never the real hosts.
let dir: string;
let mirror: DatasetMirror;
let cache: string;
let n = 0;

const fetchCli = (...args: string[]) =>
  runCli(['fetch', ...args], { VAECF_DATASET_MIRROR: mirror.url, VAECF_DATASET_CACHE: cache });
const outDir = () => join(dir, `out-${n++}`);
/** The error lines of a run's stderr (progress lines and warnings aside): one, for every failure. */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('vaecf: '));

/** Every file under `root`, relative to it (directories left out). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = await mkdtemp(join(tmpdir(), 'vaecf-fetch-'));
  mirror = await DatasetMirror.start();
});
afterAll(async () => {
  await mirror?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  cache = join(dir, `cache-${n++}`);
  mirror.files.clear();
  mirror.requests.length = 0;
});

describe('vaecf fetch', () => {
  it('downloads, verifies the published MD5, extracts and prepares; a second run uses the cache', async () => {
    const zip = movielens100kZip();
    mirror.publish('ml-100k.zip', zip);
    const out = outDir();
    const r = await fetchCli('ml-100k', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ command: 'fetch', name: 'ml-100k', verification: 'md5', cached: false });
    expect(result.options).toMatchObject({ format: 'movielens-100k', split: 'vaecf', minUserCount: 5 });
    expect(result.stats.users.train).toBeGreaterThan(0);
    expect(await filesUnder(out)).toContain('manifest.json');
    // The cache keeps the verified archive and the extracted ratings file, nothing half-written.
    expect(await filesUnder(cache)).toEqual([
      'ml-100k/fetched.json',
      'ml-100k/ml-100k.zip',
      'ml-100k/ml-100k.zip.json',
      'ml-100k/u.data',
    ]);
    expect(mirror.requests.map((q) => q.path)).toEqual(['ml-100k.zip.md5', 'ml-100k.zip']);

    const again = await fetchCli('ml-100k', '--out', outDir(), '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ cached: true, verification: 'md5' });
    expect(mirror.requests).toHaveLength(2);
  });

  it('prints plain progress lines (size, rate, time left) when stderr is not a terminal', async () => {
    mirror.publish('ml-100k.zip', movielens100kZip());
    const r = await fetchCli('ml-100k', '--out', outDir());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^ml-100k\.zip: [\d.]+\/[\d.]+ MB \(100%\), (--|[\d.]+) MB\/s, \S+ left$/m);
    expect(r.stdout).toMatch(/fetched ml-100k in .* \(md5 verified\)/);
  });

  it('resumes a dropped download with Range and If-Range, and the result verifies', async () => {
    const zip = movielens100kZip();
    mirror.publish('ml-100k.zip', zip, { etag: '"v1"' });
    const half = Math.floor(zip.length / 2);
    mirror.files.get('ml-100k.zip')!.dropAfter = half;
    const first = await fetchCli('ml-100k', '--out', outDir());
    expect(first.code).toBe(3);
    expect(errorLines(first.stderr)).toHaveLength(1);
    expect(first.stderr).toMatch(
      /^vaecf: ml-100k\.zip: the download was interrupted after [\d.]+ of [\d.]+ MB .*; run again to resume$/m,
    );
    // Only resumable data is left: the part and the validator it was received under.
    expect(await filesUnder(cache)).toEqual(['ml-100k/ml-100k.zip.part', 'ml-100k/ml-100k.zip.part.json']);
    const partBytes = (await stat(join(cache, 'ml-100k/ml-100k.zip.part'))).size;
    expect(partBytes).toBeGreaterThan(0);

    const second = await fetchCli('ml-100k', '--out', outDir(), '--json');
    expect(second.code, second.stderr).toBe(0);
    const resumed = mirror.requestsFor('ml-100k.zip').at(-1)!;
    expect(resumed.headers.range).toBe(`bytes=${partBytes}-`);
    expect(resumed.headers['if-range']).toBe('"v1"');
    expect(resumed.status).toBe(206);
    expect(JSON.parse(second.stdout).verification).toBe('md5');
    expect(md5(await readFile(join(cache, 'ml-100k/ml-100k.zip')))).toBe(md5(zip));
  });

  it('starts again from byte 0 when the file changed between attempts (never splices two versions)', async () => {
    const v1 = movielens100kZip(300, 0);
    const v2 = movielens100kZip(200, 1);
    mirror.publish('ml-100k.zip', v1, { etag: '"v1"' });
    mirror.files.get('ml-100k.zip')!.dropAfter = Math.floor(v1.length / 2);
    expect((await fetchCli('ml-100k', '--out', outDir())).code).toBe(3);

    mirror.publish('ml-100k.zip', v2, { etag: '"v2"' });
    const r = await fetchCli('ml-100k', '--out', outDir(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const last = mirror.requestsFor('ml-100k.zip').at(-1)!;
    expect(last.headers['if-range']).toBe('"v1"');
    expect(last.status).toBe(200);
    expect(JSON.parse(r.stdout).warnings).toContainEqual(
      expect.stringMatching(/changed on the server .*starting again/),
    );
    expect(md5(await readFile(join(cache, 'ml-100k/ml-100k.zip')))).toBe(md5(v2));
    expect(JSON.parse(r.stdout).stats.rawEvents).toBe(200 * 20);
  });

  it('refuses a download whose MD5 does not match the published one, and keeps nothing', async () => {
    mirror.publish('ml-100k.zip', movielens100kZip(), { md5: 'f'.repeat(32) });
    const r = await fetchCli('ml-100k', '--out', outDir());
    expect(r.code).toBe(5);
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/MD5 [0-9a-f]{32} does not match the published f{32}; the download was removed/);
    expect(await filesUnder(cache)).toEqual([]);
  });

  it('refuses an archive that is no zip, and one whose entry fails its CRC-32, keeping nothing', async () => {
    const garbage = Buffer.from('<html>this is not a zip</html>\n'.repeat(40));
    mirror.publish('ml-100k.zip', garbage);
    const r = await fetchCli('ml-100k', '--out', outDir());
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^vaecf: ml-100k\.zip is not a readable zip archive \(.*\); the download was removed/m,
    );
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(await filesUnder(cache)).toEqual([]);

    // A stored entry with one byte changed in its data: the archive reads, the CRC-32 does not match.
    const zip = movielens100kZip();
    const at = zip.indexOf(Buffer.from('1\t8\t4\t')); // a byte inside u.data's stored data
    expect(at).toBeGreaterThan(0);
    zip[at] = '2'.charCodeAt(0);
    mirror.publish('ml-100k.zip', zip);
    const crc = await fetchCli('ml-100k', '--out', outDir());
    expect(crc.code).toBe(5);
    expect(crc.stderr).toMatch(/ml-100k\.zip: ml-100k\/u\.data fails its CRC-32 check/);
    expect(await filesUnder(cache)).toEqual([]);
  });

  it('a 404 is one line naming the URL, exit 3, and leaves nothing', async () => {
    const r = await fetchCli('ml-1m', '--out', outDir());
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`vaecf: ${mirror.url}/ml-1m.zip.md5: HTTP 404 Not Found\n`);
    expect(await filesUnder(cache)).toEqual([]);
    // The checksum is there but the archive is not.
    mirror.files.set('ml-1m.zip.md5', { body: Buffer.from(`${'a'.repeat(32)}  ml-1m.zip\n`) });
    const r2 = await fetchCli('ml-1m', '--out', outDir());
    expect(r2.code).toBe(3);
    expect(r2.stderr).toBe(`vaecf: ${mirror.url}/ml-1m.zip: HTTP 404 Not Found\n`);
    expect(await filesUnder(cache)).toEqual([]);
  });

  it('bad input is exit 2 with one line: an unknown name, Netflix (with what to do), a bad mirror', async () => {
    const unknown = await fetchCli('ml-20M', '--out', outDir());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^vaecf: unknown dataset "ml-20M" \(did you mean "ml-20m"\?\); valid: ml-100k, .*netflix\n$/,
    );
    const netflix = await fetchCli('netflix', '--out', outDir());
    expect(netflix.code).toBe(2);
    expect(netflix.stderr).toMatch(/kaggle\.com\/datasets\/netflix-inc\/netflix-prize-data/);
    expect(netflix.stderr).toMatch(/vaecf prepare netflix\.txt --format netflix-prize --preset netflix/);
    expect(netflix.stderr).toMatch(
      /vaecf datasets add netflix netflix\.txt --format netflix-prize --preset netflix/,
    );
    const badMirror = await runCli(['fetch', 'ml-100k', '--out', outDir()], {
      VAECF_DATASET_MIRROR: 'ftp://example.org/x',
      VAECF_DATASET_CACHE: cache,
    });
    expect(badMirror.code).toBe(2);
    expect(badMirror.stderr).toMatch(
      /^vaecf: VAECF_DATASET_MIRROR: "ftp:\/\/example.org\/x" must be an http/,
    );
    expect(mirror.requests).toEqual([]);
  });

  it('the Million Song Dataset has no published checksum: it is fetched with an UNVERIFIED warning', async () => {
    mirror.files.set('train_triplets.txt.zip', { body: msdZip(250, 20), etag: '"m1"' });
    const r = await fetchCli('msd', '--out', outDir(), '--heldout-users', '20', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.verification).toBe('unverified');
    expect(result.warnings).toContainEqual(expect.stringMatching(/UNVERIFIED - no checksum is published/));
    // The paper's MSD preset: every play counts, songs >= 200 users, users >= 20 songs.
    expect(result.options).toMatchObject({
      threshold: null,
      minItemCount: 200,
      minUserCount: 20,
      split: 'numpy',
    });
  });

  it('waits while another live process holds the cache lock, and takes over a dead one', async () => {
    mirror.publish('ml-100k.zip', movielens100kZip());
    await mkdir(join(cache, 'locks'), { recursive: true });
    const lock = join(cache, 'locks', 'ml-100k');
    await writeFile(lock, String(process.pid)); // this test process: alive
    const child = spawn(process.execPath, [CLI, 'fetch', 'ml-100k', '--out', outDir()], {
      env: { ...process.env, VAECF_DATASET_MIRROR: mirror.url, VAECF_DATASET_CACHE: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) =>
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes(`waiting for process ${process.pid}, which is fetching ml-100k`)) resolve();
      }),
    );
    expect(mirror.requests).toEqual([]);
    await rm(lock);
    expect(await exited).toBe(0);
    expect(mirror.requestsFor('ml-100k.zip')).toHaveLength(1);

    // A lock naming a process that has exited is stale: taken over at once.
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.on('exit', resolve));
    cache = join(dir, `cache-${n++}`);
    await mkdir(join(cache, 'locks'), { recursive: true });
    await writeFile(join(cache, 'locks', 'ml-100k'), String(deadPid));
    const r = await fetchCli('ml-100k', '--out', outDir());
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cache, 'locks', 'ml-100k'))).toBe(false);
  });
});
