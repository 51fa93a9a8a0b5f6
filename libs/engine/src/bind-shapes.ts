import type { HostTensor } from './engine';
import type { Graph, Shape } from './graph';

/**
 * Binds the graph's named dimensions from the feeds' shapes and checks every
 * feed against its declared shape and type, so a wrong feed is a clear error
 * naming the input rather than an engine's crash. Returns the concrete shape
 * of each output.
 */
export function bindShapes(
  graph: Graph,
  feeds: Readonly<Record<string, HostTensor>>,
): Record<string, number[]> {
  const dims = new Map<string, number>();
  for (const input of graph.inputs) {
    const feed = feeds[input.name];
    if (!feed) throw new Error(`${graph.name}: input "${input.name}" is not fed`);
    const wantInt = input.dtype === 'int32';
    if (wantInt !== feed.data instanceof Int32Array)
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
    if (feed.data.length !== size)
      throw new Error(
        `${graph.name}: input "${input.name}" holds ${feed.data.length} values for shape [${feed.shape.join(', ')}]`,
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
