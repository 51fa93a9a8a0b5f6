import type { Rng } from '../runtime/rng';

/**
 * A reproduction option, off by default: some reference notebooks balance
 * the rating classes before binarizing, keeping for every distinct rating
 * value as many events (drawn at random) as the rarest value has. Then the
 * usual binarization (rating > threshold) applies. Not the paper's
 * preprocessing. Typed arrays throughout, since it sees every raw event.
 */
export function undersampleByRating(
  rows: Int32Array,
  cols: Int32Array,
  ratings: Float32Array,
  threshold: number | null,
  rng: Rng,
): { rows: Int32Array; cols: Int32Array } {
  const n = ratings.length;
  if (n === 0) return { rows, cols };
  // Classes in ascending rating order, so the draws do not depend on the file's order of first appearance.
  const values = [...new Set(ratings)].sort((a, b) => a - b);
  const classOf = new Map(values.map((v, c) => [v, c]));
  const start = new Int32Array(values.length + 1);
  for (let k = 0; k < n; k++) start[classOf.get(ratings[k])! + 1]++;
  let perClass = n;
  for (let c = 0; c < values.length; c++) {
    perClass = Math.min(perClass, start[c + 1]);
    start[c + 1] += start[c];
  }
  // Event indices grouped by class, each group in file order.
  const grouped = new Int32Array(n);
  const fill = start.slice(0, values.length);
  for (let k = 0; k < n; k++) grouped[fill[classOf.get(ratings[k])!]++] = k;

  const keep = new Uint8Array(n);
  let kept = 0;
  for (let c = 0; c < values.length; c++) {
    const group = grouped.subarray(start[c], start[c + 1]);
    // Partial Fisher-Yates: the first perClass entries become a uniform sample without replacement.
    for (let j = 0; j < perClass; j++) {
      const r = j + rng.int(group.length - j);
      const t = group[j];
      group[j] = group[r];
      group[r] = t;
    }
    if (threshold !== null && !(values[c] > threshold)) continue;
    for (let j = 0; j < perClass; j++) keep[group[j]] = 1;
    kept += perClass;
  }
  const outRows = new Int32Array(kept);
  const outCols = new Int32Array(kept);
  for (let k = 0, o = 0; k < n; k++) {
    if (!keep[k]) continue;
    outRows[o] = rows[k];
    outCols[o++] = cols[k];
  }
  return { rows: outRows, cols: outCols };
}
