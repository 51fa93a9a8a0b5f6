/**
 * The engines' common language: a small dataflow graph of 2-D float32
 * matrices (plus int32 index vectors and scalars) that a model builds once
 * per architecture and an engine compiles (onnxruntime: an ONNX model; tfjs:
 * a sequence of tfjs kernels). The op set is what the models' forward and
 * hand-written backward passes need, no more: each op has one meaning that
 * both engines implement, and a contract suite checks they agree.
 *
 * Shapes may name a dimension ('B' for the batch's rows, 'nnz' for a
 * minibatch's nonzeros): it is bound when the program runs, so one compiled
 * program serves every batch size.
 */

export type Dim = number | string;
export type Shape = readonly Dim[];
export type DType = 'float32' | 'int32';

/** A value in a graph under construction: the node that makes it and its shape. */
export interface Tensor {
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
}

type Unary = 'tanh' | 'exp' | 'neg' | 'square' | 'sqrt' | 'log' | 'sigmoid' | 'recip';
type Binary = 'add' | 'sub' | 'mul' | 'div';

/** One node; `out` is the id of the value it makes. */
export type Node =
  | { readonly op: 'input'; readonly out: number; readonly name: string }
  | { readonly op: Unary; readonly out: number; readonly x: number }
  /** Elementwise with NumPy broadcasting ([B, N] with [B, 1], [N], [1] or [B, N]). */
  | { readonly op: Binary; readonly out: number; readonly a: number; readonly b: number }
  /** x * factor + offset, the constants baked into the program. */
  | {
      readonly op: 'affineScalar';
      readonly out: number;
      readonly x: number;
      readonly factor: number;
      readonly offset: number;
    }
  /** a b with either operand transposed, [M, K] x [K, N]. */
  | {
      readonly op: 'matmul';
      readonly out: number;
      readonly a: number;
      readonly b: number;
      readonly transA: boolean;
      readonly transB: boolean;
    }
  /** x W + bias, bias [N] broadcast over rows. */
  | {
      readonly op: 'dense';
      readonly out: number;
      readonly x: number;
      readonly w: number;
      readonly bias: number;
    }
  /** Row-wise softmax of [B, N]. */
  | { readonly op: 'softmax'; readonly out: number; readonly x: number }
  /** max_j x_ij per row: [B, N] -> [B, 1]. */
  | { readonly op: 'rowMax'; readonly out: number; readonly x: number }
  /** log sum_j exp(x_ij) per row: [B, N] -> [B, 1]. */
  | { readonly op: 'logSumExp'; readonly out: number; readonly x: number }
  /** Sum over rows ([B, N] -> [N]), over columns ([B, N] -> [B, 1]) or of everything (-> [1]). */
  | { readonly op: 'sum'; readonly out: number; readonly x: number; readonly axis: 0 | 1 | 'all' }
  /** Columns [start, end) of [B, N]. */
  | {
      readonly op: 'sliceCols';
      readonly out: number;
      readonly x: number;
      readonly start: number;
      readonly end: number;
    }
  /** [B, N1], [B, N2], ... side by side. */
  | { readonly op: 'concatCols'; readonly out: number; readonly xs: readonly number[] }
  /** x read as one flat row-major vector at int32 `index` ([n]) -> [n]. */
  | { readonly op: 'gatherFlat'; readonly out: number; readonly x: number; readonly index: number }
  /** A copy of x with `values` ([n]) added at flat row-major positions `index` ([n], each at most once). */
  /** Zeros [rows of `like`, cols]: a base for scatters that needs no upload (`like` supplies the batch's row count). */
  | { readonly op: 'zeros'; readonly out: number; readonly like: number; readonly cols: number }
  | {
      readonly op: 'scatterAddFlat';
      readonly out: number;
      readonly x: number;
      readonly index: number;
      readonly values: number;
    };

export type OpName = Node['op'];

export interface GraphInput {
  readonly name: string;
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface GraphOutput {
  readonly name: string;
  readonly id: number;
  readonly shape: Shape;
}

/** A finished graph: plain data, safe to share and to compile many times. */
export interface Graph {
  readonly name: string;
  readonly inputs: readonly GraphInput[];
  readonly nodes: readonly Node[];
  readonly outputs: readonly GraphOutput[];
  /** Shape of every value by id. */
  readonly shapes: readonly Shape[];
}

/**
 * Builds a Graph. Every method returns the new value's handle; shapes are
 * checked as the graph is built, so a model's mistake fails where it is made,
 * not inside an engine.
 */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly shapes: Shape[] = [];
  private readonly dtypes: DType[] = [];
  private readonly inputs: GraphInput[] = [];
  private readonly outputs: GraphOutput[] = [];
  private readonly names = new Set<string>();

  constructor(readonly name: string) {}

  input(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    this.claim(name);
    const t = this.push({ op: 'input', out: -1, name }, shape, dtype);
    this.inputs.push({ name, id: t.id, shape, dtype });
    return t;
  }

  output(name: string, t: Tensor): void {
    this.claim(name);
    if (t.dtype !== 'float32') throw new Error(`graph ${this.name}: output ${name} must be float32`);
    this.outputs.push({ name, id: t.id, shape: t.shape });
  }

  tanh(x: Tensor): Tensor {
    return this.unary('tanh', x);
  }
  exp(x: Tensor): Tensor {
    return this.unary('exp', x);
  }
  log(x: Tensor): Tensor {
    return this.unary('log', x);
  }
  neg(x: Tensor): Tensor {
    return this.unary('neg', x);
  }
  square(x: Tensor): Tensor {
    return this.unary('square', x);
  }
  sqrt(x: Tensor): Tensor {
    return this.unary('sqrt', x);
  }
  sigmoid(x: Tensor): Tensor {
    return this.unary('sigmoid', x);
  }
  /** 1 / x. */
  recip(x: Tensor): Tensor {
    return this.unary('recip', x);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.binary('add', a, b);
  }
  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary('sub', a, b);
  }
  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary('mul', a, b);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return this.binary('div', a, b);
  }

  /** x * factor + offset. */
  affineScalar(x: Tensor, factor: number, offset = 0): Tensor {
    this.float(x, 'affineScalar');
    if (!Number.isFinite(factor) || !Number.isFinite(offset))
      throw new Error(`graph ${this.name}: affineScalar needs finite constants`);
    return this.push({ op: 'affineScalar', out: -1, x: x.id, factor, offset }, x.shape);
  }

  matmul(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
    const transA = opts.transA ?? false;
    const transB = opts.transB ?? false;
    const [m, ka] = this.matrix(a, 'matmul', transA);
    const [kb, n] = this.matrix(b, 'matmul', transB);
    this.sameDim(ka, kb, 'matmul inner dimension');
    return this.push({ op: 'matmul', out: -1, a: a.id, b: b.id, transA, transB }, [m, n]);
  }

  /** x W + bias. */
  dense(x: Tensor, w: Tensor, bias: Tensor): Tensor {
    const [m, k] = this.matrix(x, 'dense', false);
    const [k2, n] = this.matrix(w, 'dense', false);
    this.sameDim(k, k2, 'dense inner dimension');
    if (bias.shape.length !== 1) throw new Error(`graph ${this.name}: dense bias must be a vector`);
    this.sameDim(bias.shape[0], n, 'dense bias length');
    return this.push({ op: 'dense', out: -1, x: x.id, w: w.id, bias: bias.id }, [m, n]);
  }

  softmax(x: Tensor): Tensor {
    this.matrix(x, 'softmax', false);
    return this.push({ op: 'softmax', out: -1, x: x.id }, x.shape);
  }

  rowMax(x: Tensor): Tensor {
    const [m] = this.matrix(x, 'rowMax', false);
    return this.push({ op: 'rowMax', out: -1, x: x.id }, [m, 1]);
  }

  logSumExp(x: Tensor): Tensor {
    const [m] = this.matrix(x, 'logSumExp', false);
    return this.push({ op: 'logSumExp', out: -1, x: x.id }, [m, 1]);
  }

  sum(x: Tensor, axis: 0 | 1 | 'all'): Tensor {
    this.float(x, 'sum');
    if (axis === 'all') return this.push({ op: 'sum', out: -1, x: x.id, axis }, [1]);
    const [m, n] = this.matrix(x, 'sum', false);
    return this.push({ op: 'sum', out: -1, x: x.id, axis }, axis === 0 ? [n] : [m, 1]);
  }

  sliceCols(x: Tensor, start: number, end: number): Tensor {
    const [m, n] = this.matrix(x, 'sliceCols', false);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start)
      throw new Error(`graph ${this.name}: sliceCols [${start}, ${end}) is empty or invalid`);
    if (typeof n === 'number' && end > n)
      throw new Error(`graph ${this.name}: sliceCols end ${end} beyond ${n} columns`);
    return this.push({ op: 'sliceCols', out: -1, x: x.id, start, end }, [m, end - start]);
  }

  concatCols(xs: readonly Tensor[]): Tensor {
    if (xs.length < 2) throw new Error(`graph ${this.name}: concatCols needs two or more values`);
    const [m] = this.matrix(xs[0], 'concatCols', false);
    let n = 0;
    for (const x of xs) {
      const [mx, nx] = this.matrix(x, 'concatCols', false);
      this.sameDim(mx, m, 'concatCols rows');
      if (typeof nx !== 'number') throw new Error(`graph ${this.name}: concatCols needs known column counts`);
      n += nx;
    }
    return this.push({ op: 'concatCols', out: -1, xs: xs.map((x) => x.id) }, [m, n]);
  }

  gatherFlat(x: Tensor, index: Tensor): Tensor {
    this.float(x, 'gatherFlat');
    this.indexVector(index, 'gatherFlat');
    return this.push({ op: 'gatherFlat', out: -1, x: x.id, index: index.id }, index.shape);
  }

  scatterAddFlat(x: Tensor, index: Tensor, values: Tensor): Tensor {
    this.float(x, 'scatterAddFlat');
    this.indexVector(index, 'scatterAddFlat');
    this.float(values, 'scatterAddFlat');
    if (values.shape.length !== 1)
      throw new Error(`graph ${this.name}: scatterAddFlat values must be a vector`);
    this.sameDim(values.shape[0], index.shape[0], 'scatterAddFlat values and index');
    return this.push({ op: 'scatterAddFlat', out: -1, x: x.id, index: index.id, values: values.id }, x.shape);
  }

  /** Zeros with the rows of `like` (a matrix) and `cols` columns, made where the engine computes. */
  zeros(like: Tensor, cols: number): Tensor {
    const [m] = this.matrix(like, 'zeros', false);
    if (!Number.isInteger(cols) || cols < 1)
      throw new Error(`graph ${this.name}: zeros needs a positive column count`);
    return this.push({ op: 'zeros', out: -1, like: like.id, cols }, [m, cols]);
  }

  build(): Graph {
    if (this.outputs.length === 0) throw new Error(`graph ${this.name}: no outputs`);
    return {
      name: this.name,
      inputs: [...this.inputs],
      nodes: [...this.nodes],
      outputs: [...this.outputs],
      shapes: [...this.shapes],
    };
  }

  private unary(op: Unary, x: Tensor): Tensor {
    this.float(x, op);
    return this.push({ op, out: -1, x: x.id }, x.shape);
  }

  private binary(op: Binary, a: Tensor, b: Tensor): Tensor {
    this.float(a, op);
    this.float(b, op);
    return this.push({ op, out: -1, a: a.id, b: b.id }, this.broadcast(a.shape, b.shape, op));
  }

  /** NumPy broadcasting of two shapes of rank <= 2; named dimensions must match by name. */
  private broadcast(a: Shape, b: Shape, op: string): Shape {
    const rank = Math.max(a.length, b.length);
    const out: Dim[] = [];
    for (let k = 0; k < rank; k++) {
      const da = a[a.length - rank + k] ?? 1;
      const db = b[b.length - rank + k] ?? 1;
      if (da === 1) out.push(db);
      else if (db === 1 || da === db) out.push(da);
      else
        throw new Error(
          `graph ${this.name}: ${op} cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`,
        );
    }
    return out;
  }

  private push(node: Node, shape: Shape, dtype: DType = 'float32'): Tensor {
    const id = this.shapes.length;
    this.nodes.push({ ...node, out: id } as Node);
    this.shapes.push(shape);
    this.dtypes.push(dtype);
    return { id, shape, dtype };
  }

  private claim(name: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`graph ${this.name}: bad name "${name}"`);
    if (this.names.has(name)) throw new Error(`graph ${this.name}: "${name}" is used twice`);
    this.names.add(name);
  }

  private float(x: Tensor, op: string): void {
    if (x.dtype !== 'float32') throw new Error(`graph ${this.name}: ${op} needs float32 values`);
  }

  private indexVector(x: Tensor, op: string): void {
    if (x.dtype !== 'int32' || x.shape.length !== 1)
      throw new Error(`graph ${this.name}: ${op} needs an int32 index vector`);
  }

  private matrix(x: Tensor, op: string, transposed: boolean): [Dim, Dim] {
    this.float(x, op);
    if (x.shape.length !== 2)
      throw new Error(`graph ${this.name}: ${op} needs a matrix, got [${x.shape.join(', ')}]`);
    return transposed ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
  }

  private sameDim(a: Dim, b: Dim, what: string): void {
    if (a !== b) throw new Error(`graph ${this.name}: ${what} differ (${a} vs ${b})`);
  }
}
