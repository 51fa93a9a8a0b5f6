import * as tf from '@tensorflow/tfjs-core';
import { bindShapes, checkUpdates } from '../bind-shapes';
import type {
  CompileOptions,
  DeviceState,
  Engine,
  EngineInfo,
  EngineName,
  HostTensor,
  Program,
} from '../engine';
import { HostState } from '../host-state';
import type { Graph, Node } from '../graph';
import { useBackend, type BackendName } from './backend';
import { transposeInto } from './transpose';

const ENGINE_OF: Record<BackendName, EngineName> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'tfjs-wasm',
  cpu: 'tfjs-cpu',
};

/**
 * TensorFlow.js as an engine: a program replays the graph's nodes as tfjs
 * kernels, freeing each value after its last use (the [B, I] matrices of an
 * output layer are 40 MB each). The backend's quirks live here and nowhere
 * else (docs/tfjs-wasm-perf.md): on wasm a matMul with a transpose flag runs
 * ~10x slower than an explicit transpose and a plain matMul, a transposed
 * input is transposed in JavaScript before upload (faster than tf.transpose
 * in its slow direction), and a [B, I] value a scatter consumes last is
 * changed in place through a view of the wasm heap.
 */
export class TfjsEngine implements Engine {
  readonly info: EngineInfo;

  private constructor(private readonly backend: BackendName) {
    this.info = {
      name: ENGINE_OF[backend],
      provider: backend,
      device: backend === 'tensorflow-gpu' ? 'gpu:0' : 'cpu',
      threads: backend === 'wasm' || backend === 'cpu' ? 1 : 0,
    };
  }

  static async create(backend: BackendName): Promise<TfjsEngine> {
    await useBackend(backend);
    return new TfjsEngine(backend);
  }

  async compile(graph: Graph, options: CompileOptions = {}): Promise<Program> {
    const updates = options.updates ?? {};
    checkUpdates(graph, updates);
    return new TfjsProgram(graph, this.backend, updates);
  }

  /** Not reported (tfjs-node-gpu's libtensorflow allocates as it goes). */
  async deviceMemory(): Promise<undefined> {
    return undefined;
  }

  /** Host arrays: the tfjs backends here compute on the host (tfjs-node-gpu's would upload them each run). */
  createState(): DeviceState {
    return new HostState();
  }

  async dispose(): Promise<void> {}
}

class TfjsProgram implements Program {
  /** For each value id, the index of the last node that reads it (outputs: never freed by the walk). */
  private readonly lastUse: Int32Array;
  /** Input ids some matmul reads transposed: uploaded as a JS-transposed copy on wasm. */
  private readonly transposedInputs = new Set<number>();

  constructor(
    readonly graph: Graph,
    private readonly backend: BackendName,
    private readonly updates: Readonly<Record<string, string>>,
  ) {
    this.lastUse = new Int32Array(graph.shapes.length).fill(-1);
    graph.nodes.forEach((n, k) => {
      for (const id of operands(n)) this.lastUse[id] = k;
    });
    for (const o of graph.outputs) this.lastUse[o.id] = graph.nodes.length;
    const inputIds = new Set(graph.inputs.map((i) => i.id));
    for (const n of graph.nodes)
      if (n.op === 'matmul') {
        if (n.transA && inputIds.has(n.a)) this.transposedInputs.add(n.a);
        if (n.transB && inputIds.has(n.b)) this.transposedInputs.add(n.b);
      }
  }

  private get onWasm(): boolean {
    return this.backend === 'wasm';
  }

  async run(
    given: Readonly<Record<string, HostTensor>>,
    into: Readonly<Record<string, Float32Array>> = {},
    state?: DeviceState,
  ): Promise<Record<string, Float32Array>> {
    if (state !== undefined && !(state instanceof HostState))
      throw new Error(`${this.graph.name}: the state belongs to another engine`);
    if (state === undefined && Object.keys(this.updates).length > 0)
      throw new Error(`${this.graph.name}: this program updates a state, and none was given`);
    bindShapes(this.graph, given, state && ((n) => state.spec(n)));
    const feeds: Record<string, HostTensor> = { ...given };
    if (state) for (const i of this.graph.inputs) feeds[i.name] ??= state.feed(i.name)!;
    await useBackend(this.backend);
    const values: (tf.Tensor | undefined)[] = new Array(this.graph.shapes.length);
    const transposed = new Map<number, tf.Tensor2D>();
    try {
      this.graph.nodes.forEach((n, k) => {
        values[n.out] = this.exec(n, values, transposed, feeds);
        for (const id of new Set(operands(n))) {
          if (this.lastUse[id] !== k) continue;
          values[id]?.dispose();
          values[id] = undefined;
          transposed.get(id)?.dispose();
          transposed.delete(id);
        }
      });
      const out: Record<string, Float32Array> = {};
      for (const o of this.graph.outputs) {
        const t = values[o.id]!;
        const target = into[o.name];
        // dataSync copies out of the backend (on wasm out of its heap), so the array is the caller's.
        const data = t.dataSync() as Float32Array;
        const stateName = this.updates[o.name];
        if (stateName !== undefined) {
          state!.adopt(stateName, data, t.shape);
          continue;
        }
        if (target) {
          if (target.length !== data.length)
            throw new Error(
              `${this.graph.name}: output "${o.name}" needs ${data.length} values, got an array of ${target.length}`,
            );
          target.set(data);
        }
        out[o.name] = target ?? data;
      }
      return out;
    } finally {
      for (const v of values) v?.dispose();
      for (const v of transposed.values()) v.dispose();
    }
  }

  async dispose(): Promise<void> {}

  private exec(
    n: Node,
    v: (tf.Tensor | undefined)[],
    transposed: Map<number, tf.Tensor2D>,
    feeds: Readonly<Record<string, HostTensor>>,
  ): tf.Tensor {
    const get = (id: number) => v[id]!;
    const m = (id: number) => v[id] as tf.Tensor2D;
    switch (n.op) {
      case 'input': {
        const f = feeds[n.name];
        const t = tf.tensor(f.data, [...f.shape], f.data instanceof Int32Array ? 'int32' : 'float32');
        if (this.onWasm && this.transposedInputs.has(n.out) && f.shape.length === 2) {
          const [r, c] = f.shape;
          const tr = new Float32Array(r * c);
          transposeInto(f.data as Float32Array, r, c, tr);
          transposed.set(n.out, tf.tensor2d(tr, [c, r]));
        }
        return t;
      }
      case 'tanh':
        return tf.tanh(get(n.x));
      case 'exp':
        return tf.exp(get(n.x));
      case 'log':
        return tf.log(get(n.x));
      case 'neg':
        return tf.neg(get(n.x));
      case 'square':
        return tf.square(get(n.x));
      case 'sqrt':
        return tf.sqrt(get(n.x));
      case 'sigmoid':
        return tf.sigmoid(get(n.x));
      case 'recip':
        return tf.reciprocal(get(n.x));
      case 'add':
        return tf.add(get(n.a), get(n.b));
      case 'sub':
        return tf.sub(get(n.a), get(n.b));
      case 'mul':
        return tf.mul(get(n.a), get(n.b));
      case 'div':
        return tf.div(get(n.a), get(n.b));
      case 'affineScalar':
        return tf.tidy(() => {
          let t = get(n.x);
          if (n.factor !== 1) t = tf.mul(t, n.factor);
          return n.offset !== 0 ? tf.add(t, n.offset) : t.clone();
        });
      case 'matmul':
        return this.matmul(m(n.a), m(n.b), n.transA, n.transB, transposed.get(n.a), transposed.get(n.b));
      case 'dense':
        return tf.fused.matMul({ a: m(n.x), b: m(n.w), bias: get(n.bias) });
      case 'softmax':
        return tf.softmax(get(n.x));
      case 'rowMax':
        return tf.max(get(n.x), 1, true);
      case 'logSumExp':
        return tf.logSumExp(get(n.x), 1, true);
      case 'sum':
        if (n.axis === 'all') return tf.reshape(tf.sum(get(n.x)), [1]);
        return tf.sum(get(n.x), n.axis, n.axis === 1);
      case 'sliceCols': {
        const x = m(n.x);
        return tf.slice(x, [0, n.start], [x.shape[0], n.end - n.start]);
      }
      case 'concatCols':
        return tf.concat(n.xs.map(m), 1);
      case 'gatherFlat':
        return tf.tidy(() => tf.gather(tf.reshape(get(n.x), [-1]), get(n.index)));
      case 'zeros':
        return tf.zeros([m(n.like).shape[0], n.cols]);
      case 'scatterAddFlat':
        return this.scatterAdd(n, v);
    }
  }

  /** On wasm: transposed operands as explicit transposes (or the JS-transposed upload of an input). */
  private matmul(
    a: tf.Tensor2D,
    b: tf.Tensor2D,
    transA: boolean,
    transB: boolean,
    aT?: tf.Tensor2D,
    bT?: tf.Tensor2D,
  ): tf.Tensor2D {
    if (!this.onWasm) return tf.matMul(a, b, transA, transB);
    return tf.tidy(() => {
      const left = transA ? (aT ?? tf.transpose(a)) : a;
      const right = transB ? (bT ?? tf.transpose(b)) : b;
      return tf.matMul(left, right);
    });
  }

  /**
   * x with values added at flat positions. Read on the host (the index lists
   * a minibatch's nonzeros: few), and on wasm written into x's own buffer
   * when this node is x's last reader, so no [B, I] copy is made.
   */
  private scatterAdd(n: Extract<Node, { op: 'scatterAddFlat' }>, v: (tf.Tensor | undefined)[]): tf.Tensor {
    const x = v[n.x]!;
    const index = v[n.index]!.dataSync() as Int32Array;
    const add = v[n.values]!.dataSync() as Float32Array;
    // Only a buffer of x's own: tfjs shares buffers between a tensor and its reshapes and clones.
    const producer = this.graph.nodes.find((p) => p.out === n.x);
    const own = producer !== undefined && FRESH_BUFFER_OPS.has(producer.op);
    const inPlace = this.onWasm && own && this.lastUse[n.x] === this.graph.nodes.indexOf(n);
    if (inPlace) {
      const heap = (
        tf.backend() as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }
      ).typedArrayFromHeap(x);
      for (let k = 0; k < index.length; k++) heap[index[k]] += add[k];
      v[n.x] = undefined; // now owned by this node's output
      return x;
    }
    const data = (x.dataSync() as Float32Array).slice();
    for (let k = 0; k < index.length; k++) data[index[k]] += add[k];
    return tf.tensor(data, x.shape, 'float32');
  }
}

/** Ops whose tfjs kernels always write a new buffer. */
const FRESH_BUFFER_OPS = new Set<Node['op']>([
  'add',
  'sub',
  'mul',
  'div',
  'matmul',
  'dense',
  'softmax',
  'tanh',
  'exp',
  'zeros',
]);

function operands(n: Node): number[] {
  switch (n.op) {
    case 'input':
      return [];
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'matmul':
      return [n.a, n.b];
    case 'dense':
      return [n.x, n.w, n.bias];
    case 'concatCols':
      return [...n.xs];
    case 'gatherFlat':
      return [n.x, n.index];
    case 'scatterAddFlat':
      return [n.x, n.index, n.values];
    case 'zeros':
      return [n.like];
    default:
      return [n.x];
  }
}
