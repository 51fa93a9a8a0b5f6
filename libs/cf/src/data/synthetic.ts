import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { Rng } from '../runtime/rng';

export const syntheticOptionsSchema = z
  .object({
    users: z.number().int().min(10),
    items: z.number().int().min(10),
    /** Latent tastes; every item belongs to one, every user likes 1-3. */
    tastes: z.number().int().min(1),
    /** Mean distinct items a user rates (user activity is log-normal around it). */
    meanItemsPerUser: z.number().min(5),
    /** Share of a user's ratings drawn from their tastes (the rest follows global popularity). */
    tasteShare: z.number().min(0).max(1),
    /** Zipf exponent of item popularity. */
    popularityExponent: z.number().min(0),
    seed: z.number().int(),
  })
  .strict();
export type SyntheticOptions = z.infer<typeof syntheticOptionsSchema>;

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  users: 2000,
  items: 1000,
  tastes: 20,
  meanItemsPerUser: 40,
  tasteShare: 0.8,
  popularityExponent: 1.1,
  seed: 1,
};

/** Draws from a discrete distribution given its cumulative weights. */
function drawFrom(cdf: Float64Array, rng: Rng): number {
  const x = rng.float() * cdf[cdf.length - 1];
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let acc = 0;
  for (let k = 0; k < weights.length; k++) out[k] = acc += weights[k];
  return out;
}

/**
 * Generates a MovieLens-style ratings.csv (userId,movieId,rating,timestamp)
 * with structure a collaborative model can learn and popularity cannot:
 * Zipf item popularity, log-normal user activity, and latent tastes (a
 * user's liked items come mostly from 1-3 tastes, rated 4-5; the rest are
 * popular items rated 1-5). Deterministic: the same options give the same
 * bytes. Streams its output (`.gz` paths are gzipped), so 20M rows are fine.
 */
export async function generateSyntheticRatings(
  path: string,
  input: Partial<SyntheticOptions> = {},
): Promise<{ rows: number }> {
  const o = syntheticOptionsSchema.parse({ ...SYNTHETIC_DEFAULTS, ...input });
  const rng = Rng.fromSeed(o.seed);
  // Popularity by a random rank; taste by a random assignment.
  const rank = rng.permutation(o.items);
  const popularity = Float64Array.from(rank, (r) => 1 / Math.pow(r + 1, o.popularityExponent));
  const tasteOf = Int32Array.from({ length: o.items }, () => rng.int(o.tastes));
  const globalCdf = cumulative(popularity);
  const members: number[][] = Array.from({ length: o.tastes }, () => []);
  tasteOf.forEach((t, item) => members[t].push(item));
  const tasteCdf = members.map((m) => cumulative(m.map((item) => popularity[item])));

  const file = createWriteStream(path);
  const out = path.endsWith('.gz') ? createGzip() : null;
  out?.pipe(file);
  const sink = out ?? file;
  const write = async (text: string) => {
    if (!sink.write(text)) await once(sink, 'drain');
  };
  await write('userId,movieId,rating,timestamp\n');
  const sigma = 0.7;
  const mu = Math.log(o.meanItemsPerUser) - (sigma * sigma) / 2;
  let rows = 0;
  let chunk = '';
  for (let user = 1; user <= o.users; user++) {
    const n = Math.min(Math.floor(o.items / 3), Math.max(5, Math.round(Math.exp(mu + sigma * rng.normal()))));
    const tastes = Array.from({ length: 1 + rng.int(3) }, () => rng.int(o.tastes)).filter(
      (t) => members[t].length > 0,
    );
    const seen = new Set<number>();
    for (let attempts = 0; seen.size < n && attempts < 20 * n; attempts++) {
      const fromTaste = tastes.length > 0 && rng.float() < o.tasteShare;
      const t = fromTaste ? tastes[rng.int(tastes.length)] : -1;
      const item = fromTaste ? members[t][drawFrom(tasteCdf[t], rng)] : drawFrom(globalCdf, rng);
      if (seen.has(item)) continue;
      seen.add(item);
      const liked = tastes.includes(tasteOf[item]);
      const rating = liked ? (rng.float() < 0.9 ? 4 + rng.int(2) : 3) : 1 + rng.int(5);
      chunk += `${user},${item + 1},${rating}.0,${1_100_000_000 + rows}\n`;
      rows++;
    }
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  sink.end();
  await once(file, 'finish');
  return { rows };
}
