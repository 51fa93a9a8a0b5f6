import type { Rng } from '../runtime/rng';

/**
 * A reproduction option, off by default: some reference notebooks balance
 * the rating classes before binarizing, keeping for every distinct rating
 * value as many events (drawn at random) as the rarest value has. Then the
 * usual binarization (rating > threshold) applies.
 */
export function undersampleByRating(
  rows: Int32Array,
  cols: Int32Array,
  ratings: Float32Array,
  threshold: number | null,
  rng: Rng,
): { rows: Int32Array; cols: Int32Array } {
  const byValue = new Map<number, number[]>();
  ratings.forEach((r, k) => {
    const list = byValue.get(r);
    if (list) list.push(k);
    else byValue.set(r, [k]);
  });
  const perClass = Math.min(...[...byValue.values()].map((l) => l.length));
  const keep: number[] = [];
  for (const value of [...byValue.keys()].sort((a, b) => a - b)) {
    const list = byValue.get(value)!;
    rng.shuffle(list);
    if (threshold !== null && !(value > threshold)) continue;
    for (let k = 0; k < perClass; k++) keep.push(list[k]);
  }
  keep.sort((a, b) => a - b);
  return { rows: Int32Array.from(keep, (k) => rows[k]), cols: Int32Array.from(keep, (k) => cols[k]) };
}
