/** An Int32Array that grows by doubling: events are stored as columns, never as objects. */
export class IntColumn {
  private data = new Int32Array(1 << 16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The filled part, as a view (valid until the next push). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

export class FloatColumn {
  private data = new Float32Array(1 << 16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  view(): Float32Array {
    return this.data.subarray(0, this.length);
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
