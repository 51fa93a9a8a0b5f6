/**
 * The indices of the k highest scores of one row, best first, skipping
 * excluded items. A bounded min-heap: O(n log k) and no full sort, since a
 * row has tens of thousands of items and we need at most 100 of them.
 * Ties go to the lower item index; NaN ranks below every number.
 */
export function topK(
  scores: ArrayLike<number>,
  offset: number,
  n: number,
  k: number,
  excluded?: (item: number) => boolean,
): Int32Array {
  const heapItems = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (excluded?.(i)) continue;
    let s = scores[offset + i];
    if (s !== s) s = -Infinity; // NaN
    if (size < k) {
      heapItems[size] = i;
      heapScores[size] = s;
      siftUp(heapItems, heapScores, size++);
    } else if (better(s, i, heapScores[0], heapItems[0])) {
      heapItems[0] = i;
      heapScores[0] = s;
      siftDown(heapItems, heapScores, size);
    }
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
