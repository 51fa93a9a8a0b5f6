import {
  gridCount,
  gridValueAt,
  type Distribution,
  type Params,
  type SearchSpace,
} from '../../distributions';

/**
 * A space as TPE models it: each parameter a number on a line (log scale for
 * `loguniform`, the grid's ends and step for `int` and quantised `uniform`)
 * or the index of a `choice`. Choice values may be lists (layer dims), so
 * they are matched by their JSON text and modelled by index, never by value.
 */
export type Axis =
  | {
      readonly kind: 'numeric';
      readonly name: string;
      readonly low: number;
      readonly high: number;
      /** Quantisation step on this line; null when continuous. */
      readonly step: number | null;
      readonly log: boolean;
      readonly dist: Distribution;
    }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      readonly count: number;
      readonly index: Map<string, number>;
      readonly dist: Distribution;
    };

/** One encoded point: a coordinate per axis, in axis order. */
export type Point = number[];

export function encodeSpace(space: SearchSpace): Axis[] {
  return Object.keys(space)
    .sort()
    .map((name): Axis => {
      const d = space[name];
      switch (d.type) {
        case 'choice':
          return {
            kind: 'categorical',
            name,
            count: d.values.length,
            index: new Map(d.values.map((v, k) => [JSON.stringify(v), k] as const).reverse()),
            dist: d,
          };
        case 'loguniform':
          return {
            kind: 'numeric',
            name,
            low: Math.log(d.low),
            high: Math.log(d.high),
            step: null,
            log: true,
            dist: d,
          };
        case 'int': {
          const step = d.step ?? 1;
          return {
            kind: 'numeric',
            name,
            low: d.low,
            high: d.low + (gridCount(d)! - 1) * step,
            step,
            log: false,
            dist: d,
          };
        }
        case 'uniform':
          return d.q
            ? {
                kind: 'numeric',
                name,
                low: d.low,
                high: d.low + (gridCount(d)! - 1) * d.q,
                step: d.q,
                log: false,
                dist: d,
              }
            : { kind: 'numeric', name, low: d.low, high: d.high, step: null, log: false, dist: d };
      }
    });
}

/** The coordinates of a trial's params, or null if one is missing or outside the space (that trial is not modelled). */
export function encodeParams(axes: readonly Axis[], params: Params): Point | null {
  const point: Point = [];
  for (const axis of axes) {
    const v = params[axis.name];
    if (axis.kind === 'categorical') {
      const k = axis.index.get(JSON.stringify(v));
      if (k === undefined) return null;
      point.push(k);
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (axis.log && v <= 0)) return null;
    const x = axis.log ? Math.log(v) : v;
    const slack = 1e-9 * Math.max(1, Math.abs(axis.high - axis.low));
    // A quantised uniform's grid may stop short of its high, which random search can still return.
    const high = axis.dist.type === 'uniform' ? axis.dist.high : axis.high;
    if (x < axis.low - slack || x > high + slack) return null;
    point.push(Math.min(axis.high, Math.max(axis.low, x)));
  }
  return point;
}

/** The params of a point; quantised values come from the distribution's own grid, so they equal grid search's. */
export function decodePoint(axes: readonly Axis[], point: Point): Params {
  const params: Params = {};
  axes.forEach((axis, i) => {
    const x = point[i];
    if (axis.kind === 'categorical') {
      params[axis.name] = gridValueAt(axis.dist, x);
    } else if (axis.step !== null) {
      params[axis.name] = gridValueAt(axis.dist, Math.round((x - axis.low) / axis.step));
    } else if (axis.log) {
      const d = axis.dist as Extract<Distribution, { type: 'loguniform' }>;
      params[axis.name] = Math.min(d.high, Math.max(d.low, Math.exp(x)));
    } else {
      params[axis.name] = x;
    }
  });
  return params;
}
