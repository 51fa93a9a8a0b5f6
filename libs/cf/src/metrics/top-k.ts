/**
 * Partial top-k selection for one row of scores: the indices of the k highest
 * scores, best first. A bounded min-heap of size k, O(n log k) worst case and
 * no full sort, since a row has tens of thousands of items and evaluation needs
 * at most ~100 of them for every user of every epoch.
 *
 * Order: higher score first; ties go to the lower item index. NaN is treated
 * as -Infinity: below every finite score, level with -Infinity (then by index).
 * A diverged model thus gets poor metrics rather than a crash or a NaN item
 * ranked on top; training is where divergence should be reported.
 */

const NO_SKIP = new Int32Array(0);

/**
 * The k best items of `scores[offset .. offset + n)`, never returning an item
 * listed in `skip` (ascending item indices, e.g. a CSR row of fold-in items).
 * Returns fewer than k items when fewer candidates remain.
 *
 * Why it is fast: items are visited in ascending index order, so once the heap
 * is full a newcomer can only displace the root if its score is strictly
 * greater (on a tie, the root has the lower index and wins). The hot loop is a
 * single compare per item, which also rejects NaN for free.
 */
export function topKSkipping(
  scores: ArrayLike<number>,
  offset: number,
  n: number,
  k: number,
  skip: ArrayLike<number> = NO_SKIP,
): Int32Array {
  if (!Number.isInteger(k) || k < 0) throw new Error(`topK: k must be a non-negative integer, got ${k}`);
  if (k === 0) return new Int32Array(0);
  const heapItems = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  let threshold = -Infinity; // root score once the heap is full
  let from = 0;
  for (let q = 0; q <= skip.length; q++) {
    const to = q < skip.length ? skip[q] : n;
    if (to < from || to > n)
      throw new Error(
        `topK: skip list must be ascending item indices below ${n}, got ${to} after ${from - 1}`,
      );
    for (let i = from; i < to; i++) {
      const s = scores[offset + i];
      if (size === k) {
        if (!(s > threshold)) continue;
        heapItems[0] = i;
        heapScores[0] = s;
        siftDown(heapItems, heapScores, size);
        threshold = heapScores[0];
      } else {
        heapItems[size] = i;
        heapScores[size] = s === s ? s : -Infinity;
        siftUp(heapItems, heapScores, size++);
        if (size === k) threshold = heapScores[0];
      }
    }
    from = to + 1;
  }
  // Pop worst-first into the tail to get best-first order.
  const out = new Int32Array(size);
  for (let end = size - 1; end >= 0; end--) {
    out[end] = heapItems[0];
    heapItems[0] = heapItems[end];
    heapScores[0] = heapScores[end];
    siftDown(heapItems, heapScores, end);
  }
  return out;
}

/**
 * Same as topKSkipping with the excluded items given by a predicate (handy for
 * a Set of seen items); calls it once per item.
 */
export function topK(
  scores: ArrayLike<number>,
  offset: number,
  n: number,
  k: number,
  excluded?: (item: number) => boolean,
): Int32Array {
  if (!excluded) return topKSkipping(scores, offset, n, k);
  const skip: number[] = [];
  for (let i = 0; i < n; i++) if (excluded(i)) skip.push(i);
  return topKSkipping(scores, offset, n, k, skip);
}

/** Does (s, i) rank above (t, j)? Higher score first, then lower index. */
function better(s: number, i: number, t: number, j: number): boolean {
  return s > t || (s === t && i < j);
}

// The heap keeps the worst candidate at the root.
function siftUp(items: Int32Array, scores: Float64Array, at: number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!better(scores[parent], items[parent], scores[at], items[at])) break;
    swap(items, scores, at, parent);
    at = parent;
  }
}

function siftDown(items: Int32Array, scores: Float64Array, size: number): void {
  let at = 0;
  for (;;) {
    const l = 2 * at + 1;
    const r = l + 1;
    let worst = at;
    if (l < size && better(scores[worst], items[worst], scores[l], items[l])) worst = l;
    if (r < size && better(scores[worst], items[worst], scores[r], items[r])) worst = r;
    if (worst === at) return;
    swap(items, scores, at, worst);
    at = worst;
  }
}

function swap(items: Int32Array, scores: Float64Array, a: number, b: number): void {
  const i = items[a];
  items[a] = items[b];
  items[b] = i;
  const s = scores[a];
  scores[a] = scores[b];
  scores[b] = s;
}
