import type { HostTensor } from './engine';
import type { DType, Graph, Shape } from './graph';

/** What shape binding needs to know of a value: a feed's, or one a DeviceState holds. */
export interface ValueSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly length: number;
}

export function specOf(t: HostTensor): ValueSpec {
  return { shape: t.shape, dtype: t.data instanceof Int32Array ? 'int32' : 'float32', length: t.data.length };
}

/**
 * Binds the graph's named dimensions from the feeds' shapes and checks every
 * feed against its declared shape and type, so a wrong feed is a clear error
 * naming the input rather than an engine's crash. Returns the concrete shape
 * of each output.
 */
export function bindShapes(
  graph: Graph,
  feeds: Readonly<Record<string, HostTensor>>,
  held?: (name: string) => ValueSpec | undefined,
): Record<string, number[]> {
  const dims = new Map<string, number>();
  for (const input of graph.inputs) {
    const fed = feeds[input.name];
    const kept = held?.(input.name);
    if (fed && kept)
      throw new Error(`${graph.name}: input "${input.name}" is both fed and held in the state`);
    const feed = fed ? specOf(fed) : kept;
    if (!feed) throw new Error(`${graph.name}: input "${input.name}" is not fed`);
    if (input.dtype !== feed.dtype)
      throw new Error(`${graph.name}: input "${input.name}" must be ${input.dtype}`);
    if (feed.shape.length !== input.shape.length)
      throw new Error(
        `${graph.name}: input "${input.name}" has rank ${feed.shape.length}, expected ${input.shape.length}`,
      );
    let size = 1;
    input.shape.forEach((d, k) => {
      const got = feed.shape[k];
      size *= got;
      if (typeof d === 'number') {
        if (got !== d)
          throw new Error(`${graph.name}: input "${input.name}" dimension ${k} is ${got}, expected ${d}`);
        return;
      }
      const bound = dims.get(d);
      if (bound === undefined) dims.set(d, got);
      else if (bound !== got)
        throw new Error(`${graph.name}: dimension ${d} is ${bound} elsewhere but ${got} in "${input.name}"`);
    });
    if (feed.length !== size)
      throw new Error(
        `${graph.name}: input "${input.name}" holds ${feed.length} values for shape [${feed.shape.join(', ')}]`,
      );
  }
  const concrete = (shape: Shape): number[] =>
    shape.map((d) => {
      if (typeof d === 'number') return d;
      const v = dims.get(d);
      if (v === undefined) throw new Error(`${graph.name}: dimension ${d} is bound by no input`);
      return v;
    });
  return Object.fromEntries(graph.outputs.map((o) => [o.name, concrete(o.shape)]));
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks a program's updates against its graph at compile time: each names
 * an output and a float32 input of the same declared shape.
 */
export function checkUpdates(graph: Graph, updates: Readonly<Record<string, string>>): void {
  for (const [out, into] of Object.entries(updates)) {
    const o = graph.outputs.find((x) => x.name === out);
    const i = graph.inputs.find((x) => x.name === into);
    if (!o) throw new Error(`${graph.name}: update from "${out}", which is no output`);
    if (!i || i.dtype !== 'float32')
      throw new Error(`${graph.name}: update into "${into}", which is no float32 input`);
    if (o.shape.join(',') !== i.shape.join(','))
      throw new Error(
        `${graph.name}: update "${out}" [${o.shape.join(', ')}] does not fit "${into}" [${i.shape.join(', ')}]`,
      );
  }
}
