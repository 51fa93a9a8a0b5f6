import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CsvColumns, RatingsFormat } from '../../src/data/formats';
import { readInteractions } from '../../src/data/read';
import { Rng } from '../../src/runtime/rng';

/** A temporary directory for the test file, removed afterwards; call the returned function inside tests. */
export function useScratchDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return () => dir;
}

/** A MovieLens ratings.csv with the given data lines. */
export async function ratingsCsv(dir: string, name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `userId,movieId,rating,timestamp\n${lines.join('\n')}\n`);
  return path;
}

/** Random ratings: `users` users with 3..30 ratings over `items` items, ratings 1..5 in halves. */
export async function randomRatings(
  dir: string,
  name: string,
  users: number,
  items: number,
  seed = 1,
): Promise<string> {
  const rng = Rng.fromSeed(seed);
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    const n = 3 + rng.int(28);
    for (const i of rng.permutation(items).subarray(0, n))
      lines.push(`u${u},m${i},${(1 + rng.int(9)) / 2},0`);
  }
  return ratingsCsv(dir, name, lines);
}

/** Writes `content` and reads every interaction of it. */
export async function readAll(
  dir: string,
  name: string,
  content: string | Buffer,
  format: RatingsFormat,
  csv?: CsvColumns,
): Promise<{ path: string; events: [string, string, number][] }> {
  const path = join(dir, name);
  await writeFile(path, content);
  const events: [string, string, number][] = [];
  await readInteractions(path, { format, csv }, (u, i, r) => events.push([u, i, r]));
  return { path, events };
}
