import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

type Generator = ReturnType<typeof xoroshiro128plus>;

/**
 * A seeded random stream whose whole state can be saved and restored, so that
 * a training run resumed from a checkpoint draws exactly the numbers the
 * uninterrupted run would have drawn. Everything random in vaecf (data splits,
 * weight init, dropout masks, the VAE's noise, minibatch order) goes through
 * one of these, never Math.random or tfjs's own seeded ops.
 */
export class Rng {
  private constructor(
    private gen: Generator,
    /** A cached second normal deviate from Box-Muller (part of the state). */
    private spareNormal: number | null,
  ) {}

  static fromSeed(seed: number): Rng {
    if (!Number.isInteger(seed)) throw new Error(`Rng seed must be an integer, got ${seed}`);
    return new Rng(xoroshiro128plus(seed | 0), null);
  }

  static fromState(state: RngState): Rng {
    return new Rng(xoroshiro128plusFromState(state.gen), state.spareNormal);
  }

  state(): RngState {
    return { gen: [...this.gen.getState()], spareNormal: this.spareNormal };
  }

  /**
   * Splits off an independent stream: the child continues from here, and this
   * stream jumps 2^64 draws ahead, so successive forks never overlap.
   */
  fork(): Rng {
    const child = new Rng(this.gen.clone(), null);
    this.gen.jump();
    return child;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return uniformInt(this.gen, 0, n - 1);
  }

  /** Standard normal deviate (Box-Muller, both outputs used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

export interface RngState {
  readonly gen: number[];
  readonly spareNormal: number | null;
}
