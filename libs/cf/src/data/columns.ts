type TypedColumn = Int32Array | Float32Array;

/** A typed array that grows by doubling: events are stored as columns, never as objects. */
class GrowableColumn<T extends TypedColumn> {
  private data: T;
  length = 0;

  constructor(private readonly make: (n: number) => T) {
    this.data = make(1 << 16);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The filled part, as a view (valid until the next push). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

export class IntColumn extends GrowableColumn<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
}

export class FloatColumn extends GrowableColumn<Float32Array> {
  constructor() {
    super((n) => new Float32Array(n));
  }
}

/** Maps raw id strings to dense ints in order of first appearance. */
export class Interner {
  private readonly index = new Map<string, number>();
  readonly ids: string[] = [];

  intern(id: string): number {
    let k = this.index.get(id);
    if (k === undefined) {
      k = this.ids.length;
      this.index.set(id, k);
      this.ids.push(id);
    }
    return k;
  }
}
