import { onnx } from 'onnx-proto';
import type { Dim, Graph, Node, Shape } from '../graph';

/**
 * Compiles a Graph into an ONNX model (opset 17), encoded by onnx-proto (the
 * protobufjs build of onnx.proto). Each op maps onto one or a few standard
 * ONNX operators; every constant is an initializer.
 */
export function toOnnx(graph: Graph): Uint8Array {
  const b = new OnnxBuilder();
  const names = valueNames(graph);
  const name = (id: number) => names.get(id)!;
  for (const node of graph.nodes) if (node.op !== 'input') emit(b, node, name);
  // An output whose value is also an input or another output's gets its own copy (ONNX names a value once).
  for (const o of graph.outputs) if (name(o.id) !== o.name) b.node('Identity', [name(o.id)], [o.name]);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vaecf',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: onnx.GraphProto.create({
      name: graph.name,
      node: b.nodes,
      initializer: b.initializers,
      input: graph.inputs.map((i) => valueInfo(i.name, i.shape, i.dtype === 'int32' ? INT32 : FLOAT)),
      output: graph.outputs.map((o) => valueInfo(o.name, o.shape, FLOAT)),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The ONNX name of each value: an input's own name, the name of the first
 * output that returns it (so the node writes straight into the output, no
 * copy), else an internal name holding a ':' (never a graph name: GraphBuilder
 * allows none).
 */
function valueNames(graph: Graph): Map<number, string> {
  const names = new Map<number, string>();
  for (const i of graph.inputs) names.set(i.id, i.name);
  for (const o of graph.outputs) if (!names.has(o.id)) names.set(o.id, o.name);
  for (const n of graph.nodes) if (!names.has(n.out)) names.set(n.out, `v:${n.out}`);
  return names;
}

const OPSET = 17;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT32 = onnx.TensorProto.DataType.INT32;

function emit(b: OnnxBuilder, n: Node, name: (id: number) => string): void {
  const out = name(n.out);
  switch (n.op) {
    case 'input':
      return;
    case 'tanh':
    case 'exp':
    case 'neg':
    case 'sqrt':
    case 'log':
    case 'sigmoid':
      b.node(UNARY[n.op], [name(n.x)], [out]);
      return;
    case 'recip':
      b.node('Reciprocal', [name(n.x)], [out]);
      return;
    case 'square':
      b.node('Mul', [name(n.x), name(n.x)], [out]);
      return;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      b.node(BINARY[n.op], [name(n.a), name(n.b)], [out]);
      return;
    case 'affineScalar': {
      let v = name(n.x);
      if (n.factor !== 1) {
        const t = `${out}_scaled`;
        b.node('Mul', [v, b.scalar(n.factor)], [t]);
        v = t;
      }
      b.node(n.offset !== 0 ? 'Add' : 'Identity', n.offset !== 0 ? [v, b.scalar(n.offset)] : [v], [out]);
      return;
    }
    case 'matmul':
      b.node(
        'Gemm',
        [name(n.a), name(n.b)],
        [out],
        [b.intAttr('transA', +n.transA), b.intAttr('transB', +n.transB)],
      );
      return;
    case 'dense':
      b.node('Gemm', [name(n.x), name(n.w), name(n.bias)], [out]);
      return;
    case 'softmax':
      b.node('Softmax', [name(n.x)], [out], [b.intAttr('axis', 1)]);
      return;
    case 'rowMax':
      b.node('ReduceMax', [name(n.x)], [out], [b.intsAttr('axes', [1]), b.intAttr('keepdims', 1)]);
      return;
    case 'logSumExp': {
      // max + log sum exp(x - max), spelled out: ORT's WebGPU ReduceLogSumExp overflows past x = 88.
      const [max, shifted, e, s, l] = ['max', 'shifted', 'exp', 'sum', 'log'].map((t) => `${out}_${t}`);
      const axes = () => [b.intsAttr('axes', [1]), b.intAttr('keepdims', 1)];
      b.node('ReduceMax', [name(n.x)], [max], axes());
      b.node('Sub', [name(n.x), max], [shifted]);
      b.node('Exp', [shifted], [e]);
      b.node('ReduceSum', [e, b.int64s([1])], [s], [b.intAttr('keepdims', 1)]);
      b.node('Log', [s], [l]);
      b.node('Add', [max, l], [out]);
      return;
    }
    case 'sum':
      if (n.axis === 'all') {
        // ReduceSum over every axis, kept as a [1] vector (the graph's scalars are [1]).
        const flat = `${out}_flat`;
        b.node('Reshape', [name(n.x), b.int64s([-1])], [flat]);
        b.node('ReduceSum', [flat, b.int64s([0])], [out], [b.intAttr('keepdims', 1)]);
      } else {
        b.node(
          'ReduceSum',
          [name(n.x), b.int64s([n.axis])],
          [out],
          [b.intAttr('keepdims', n.axis === 1 ? 1 : 0)],
        );
      }
      return;
    case 'sliceCols':
      b.node('Slice', [name(n.x), b.int64s([n.start]), b.int64s([n.end]), b.int64s([1])], [out]);
      return;
    case 'concatCols':
      b.node('Concat', n.xs.map(name), [out], [b.intAttr('axis', 1)]);
      return;
    case 'gatherFlat': {
      const flat = `${out}_flat`;
      b.node('Reshape', [name(n.x), b.int64s([-1])], [flat]);
      b.node('Gather', [flat, name(n.index)], [out], [b.intAttr('axis', 0)]);
      return;
    }
    case 'zeros': {
      // like[:, :1] * 0 expanded to [rows, cols]: no shape arithmetic, so nothing leaves a GPU provider.
      const [first, zero] = [`${out}_first`, `${out}_zero`];
      b.node('Slice', [name(n.like), b.int64s([0]), b.int64s([1]), b.int64s([1])], [first]);
      b.node('Mul', [first, b.scalar(0)], [zero]);
      b.node('Expand', [zero, b.int64s([1, n.cols])], [out]);
      return;
    }
    case 'scatterAddFlat': {
      const flat = `${out}_flat`;
      const added = `${out}_added`;
      const shape = `${out}_shape`;
      b.node('Reshape', [name(n.x), b.int64s([-1])], [flat]);
      b.node(
        'ScatterElements',
        [flat, name(n.index), name(n.values)],
        [added],
        [b.intAttr('axis', 0), b.stringAttr('reduction', 'add')],
      );
      b.node('Shape', [name(n.x)], [shape]);
      b.node('Reshape', [added, shape], [out]);
      return;
    }
  }
}

const UNARY = { tanh: 'Tanh', exp: 'Exp', neg: 'Neg', sqrt: 'Sqrt', log: 'Log', sigmoid: 'Sigmoid' } as const;
const BINARY = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' } as const;

function valueInfo(name: string, shape: Shape, elemType: number): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map(dimProto) } } },
  };
}

function dimProto(d: Dim): onnx.TensorShapeProto.IDimension {
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}

/** Accumulates nodes and initializers with unique names. */
class OnnxBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private constants = new Map<string, string>();

  node(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): void {
    this.nodes.push({ opType, input, output, attribute, name: `${opType}_${this.nodes.length}` });
  }

  /** A float32 [1] constant (broadcasts against anything). */
  scalar(v: number): string {
    return this.constant(`f:${v}`, () => ({ dataType: FLOAT, dims: [1], floatData: [v] }));
  }

  int64s(vs: number[]): string {
    return this.constant(`i64:${vs.join(',')}`, () => ({
      dataType: onnx.TensorProto.DataType.INT64,
      dims: [vs.length],
      int64Data: vs,
    }));
  }

  intAttr(name: string, i: number): onnx.IAttributeProto {
    return { name, type: onnx.AttributeProto.AttributeType.INT, i };
  }

  intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
    return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
  }

  stringAttr(name: string, s: string): onnx.IAttributeProto {
    return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
  }

  private constant(key: string, make: () => onnx.ITensorProto): string {
    const known = this.constants.get(key);
    if (known) return known;
    const name = `c:${this.constants.size}`;
    this.constants.set(key, name);
    this.initializers.push({ ...make(), name });
    return name;
  }
}
