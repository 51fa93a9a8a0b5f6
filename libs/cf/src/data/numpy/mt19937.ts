/**
 * NumPy's legacy `RandomState` generator (MT19937, as `np.random.seed(s)`
 * sets it) and the legacy algorithms built on it that the paper's notebook
 * uses: bounded integers (`rk_interval`: masked rejection sampling on 32-bit
 * draws), `shuffle`, `permutation`, `randint` and `choice(replace=False)`.
 * Bit-for-bit with NumPy (test vectors in libs/cf/test/data/numpy/), so that
 * a split drawn here is the split the notebook writes. vaecf's own stream
 * (runtime/rng.ts) is a different generator; this one exists for interop.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private pos = 624;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** `np.random.seed(seed)`: MT19937's init_genrand on a 32-bit seed. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new RangeError(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev mod 2^32, without losing bits to doubles.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.pos = 624;
  }

  /** One 32-bit output (genrand_int32). */
  nextUint32(): number {
    if (this.pos >= 624) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform integer in [0, max] (NumPy's random_interval; max < 2^32). */
  interval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff)
      throw new RangeError(`interval: max must be an integer in [0, 2^32), got ${max}`);
    if (max === 0) return 0;
    // The smallest all-ones mask covering max, then reject draws above max.
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `randint(low, high)` of the legacy RandomState for a range below 2^32: the same masked rejection. */
  randint(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`randint: low >= high (${low} >= ${high})`);
    return low + this.interval(high - low - 1);
  }

  /** Legacy `shuffle` of a 1-d array, in place: Fisher-Yates from the end. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** `permutation(n)`: arange(n), shuffled. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** `choice(n, size, replace=False)` without probabilities: legacy takes permutation(n)[:size]. */
  choiceWithoutReplacement(n: number, size: number): Int32Array {
    if (size > n)
      throw new RangeError(`choice: cannot take a larger sample (${size}) than population (${n})`);
    return this.permutation(n).subarray(0, size);
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }
}
