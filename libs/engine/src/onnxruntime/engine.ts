import type * as Ort from 'onnxruntime-node';
import { bindShapes, checkUpdates, sizeOf } from '../bind-shapes';
import type {
  CompileOptions,
  DeviceState,
  Engine,
  EngineInfo,
  EngineName,
  HostTensor,
  Program,
} from '../engine';
import { GraphBuilder, type Graph } from '../graph';
import { nvidiaMemory, type DeviceMemory } from '../nvidia-smi';
import { OrtState } from './state';
import { toOnnx } from './to-onnx';

export type OrtProvider = 'cpu' | 'webgpu' | 'cuda';

export interface OrtEngineOptions {
  readonly provider: OrtProvider;
  readonly threads: number;
  /** GPU index for webgpu / cuda. */
  readonly gpu?: number;
}

const ENGINE_OF: Record<OrtProvider, EngineName> = {
  cpu: 'onnxruntime',
  webgpu: 'onnxruntime-webgpu',
  cuda: 'onnxruntime-cuda',
};

/**
 * onnxruntime-node, loaded on demand: a missing or broken native library
 * is an error of this call (the caller decides whether that is fatal), never
 * of importing vaecf.
 */
function loadOrt(): typeof Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional native module, probed at run time
  return require('onnxruntime-node') as typeof Ort;
}

/**
 * The ONNX Runtime engine: each graph becomes one ONNX model and one
 * inference session on the chosen execution provider. Feeds are wrapped
 * without copying, and outputs asked for `into` a caller's array are bound to
 * it (ORT writes there), so a training step moves no [B, I] matrix through
 * extra buffers. Sessions use `threads` intra-op threads and one inter-op
 * thread: with a fixed thread count ORT's CPU kernels partition work the
 * same way every run, so a run repeats bit for bit.
 */
export class OrtEngine implements Engine {
  readonly info: EngineInfo;
  private readonly programs = new Set<OrtProgram>();
  private readonly states = new Set<OrtState>();

  private constructor(
    private readonly ort: typeof Ort,
    private readonly opts: OrtEngineOptions,
  ) {
    const device = opts.provider === 'cpu' ? 'cpu' : `gpu:${opts.gpu ?? 0}`;
    this.info = { name: ENGINE_OF[opts.provider], provider: opts.provider, device, threads: opts.threads };
  }

  static async create(opts: OrtEngineOptions): Promise<OrtEngine> {
    const ort = loadOrt();
    const supported = ort.listSupportedBackends().find((b) => b.name === opts.provider);
    if (!supported)
      throw new Error(`onnxruntime-node has no ${opts.provider} execution provider on this platform`);
    const engine = new OrtEngine(ort, opts);
    // A provider is only known to work once a session runs on it (a missing CUDA library, no GPU adapter).
    await engine.selfTest();
    return engine;
  }

  async compile(graph: Graph, options: CompileOptions = {}): Promise<Program> {
    const updates = options.updates ?? {};
    checkUpdates(graph, updates);
    const session = await this.ort.InferenceSession.create(toOnnx(graph), {
      ...this.sessionOptions(),
      preferredOutputLocation: this.outputLocations(graph, updates),
    });
    const program = new OrtProgram(this.ort, graph, session, updates, async () => {
      this.programs.delete(program);
      for (const s of this.states) await s.rescue(program);
    });
    this.programs.add(program);
    return program;
  }

  createState(): DeviceState {
    const state = new OrtState(
      this.ort,
      (t) => this.download(t),
      (s) => this.states.delete(s),
    );
    this.states.add(state);
    return state;
  }

  /** The GPU's memory from NVIDIA's driver (WebGPU reports none); undefined on the CPU provider. */
  deviceMemory(): Promise<DeviceMemory | undefined> {
    if (this.opts.provider === 'cpu') return Promise.resolve(undefined);
    return nvidiaMemory(this.opts.gpu ?? 0);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.programs].map((p) => p.dispose()));
    await Promise.all([...this.downloads.values()].map(async (s) => (await s).release()));
    this.downloads.clear();
  }

  /**
   * On WebGPU, updated values stay GPU buffers ('gpu-buffer' outputs, fed
   * back as the next run's inputs); everything else comes to the host. The
   * Node binding offers device outputs for WebGPU only: on CUDA and the CPU
   * every output is a host tensor (on the CPU that is where it computes anyway).
   */
  private outputLocations(
    graph: Graph,
    updates: Readonly<Record<string, string>>,
  ): Record<string, Ort.Tensor.DataLocation> {
    const onGpu = this.opts.provider === 'webgpu';
    return Object.fromEntries(
      graph.outputs.map((o) => [o.name, onGpu && o.name in updates ? 'gpu-buffer' : 'cpu']),
    );
  }

  /** Sessions copying a device tensor to the host, by rank (Tensor.getData aborts the process in onnxruntime-node 1.31). */
  private readonly downloads = new Map<number, Promise<Ort.InferenceSession>>();

  private async download(t: Ort.Tensor): Promise<Float32Array> {
    const rank = t.dims.length;
    let session = this.downloads.get(rank);
    if (!session) {
      const g = new GraphBuilder(`download${rank}`);
      const dims = Array.from({ length: rank }, (_, k) => `d${k}`);
      g.output('y', g.affineScalar(g.input('x', dims), 1));
      session = this.ort.InferenceSession.create(toOnnx(g.build()), this.sessionOptions());
      this.downloads.set(rank, session);
    }
    const { y } = await (await session).run({ x: t });
    return y.data as Float32Array;
  }

  private sessionOptions(): Ort.InferenceSession.SessionOptions {
    const ep: Ort.InferenceSession.ExecutionProviderConfig =
      this.opts.provider === 'cpu'
        ? 'cpu'
        : this.opts.provider === 'cuda'
          ? { name: 'cuda', deviceId: this.opts.gpu ?? 0 }
          : { name: 'webgpu' };
    return {
      executionProviders: [ep],
      intraOpNumThreads: this.opts.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
  }

  private async selfTest(): Promise<void> {
    const g = new GraphBuilder('selftest');
    const x = g.input('x', [1, 2]);
    g.output('y', g.matmul(x, x, { transB: true }));
    const p = await this.compile(g.build());
    try {
      const { y } = await p.run({ x: { data: Float32Array.of(3, 4), shape: [1, 2] } });
      if (y[0] !== 25) throw new Error(`self-test computed ${y[0]}, expected 25`);
    } finally {
      await p.dispose();
    }
  }
}

class OrtProgram implements Program {
  private disposed = false;

  constructor(
    private readonly ort: typeof Ort,
    readonly graph: Graph,
    private readonly session: Ort.InferenceSession,
    private readonly updates: Readonly<Record<string, string>>,
    /** Runs before the session is released (the engine rescues the state values it made). */
    private readonly beforeRelease: () => Promise<void>,
  ) {}

  async run(
    feeds: Readonly<Record<string, HostTensor>>,
    into: Readonly<Record<string, Float32Array>> = {},
    state?: DeviceState,
  ): Promise<Record<string, Float32Array>> {
    if (this.disposed) throw new Error(`${this.graph.name}: program was disposed`);
    if (state !== undefined && !(state instanceof OrtState))
      throw new Error(`${this.graph.name}: the state belongs to another engine`);
    if (state === undefined && Object.keys(this.updates).length > 0)
      throw new Error(`${this.graph.name}: this program updates a state, and none was given`);
    const shapes = bindShapes(this.graph, feeds, state && ((n) => state.spec(n)));
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const input of this.graph.inputs) {
      const f = feeds[input.name];
      ortFeeds[input.name] = f
        ? new this.ort.Tensor(input.dtype, f.data, f.shape)
        : state!.tensor(input.name)!;
    }
    const fetches: Record<string, Ort.Tensor | null> = {};
    for (const o of this.graph.outputs) {
      if (o.name in this.updates) {
        fetches[o.name] = null; // made by the run where the session keeps it (a GPU buffer on WebGPU)
        continue;
      }
      const target = into[o.name];
      if (target && target.length !== sizeOf(shapes[o.name]))
        throw new Error(
          `${this.graph.name}: output "${o.name}" needs ${sizeOf(shapes[o.name])} values, got an array of ${target.length}`,
        );
      fetches[o.name] = target ? new this.ort.Tensor('float32', target, shapes[o.name]) : null;
    }
    const result = await this.session.run(ortFeeds, fetches);
    const out: Record<string, Float32Array> = {};
    for (const o of this.graph.outputs) {
      const stateName = this.updates[o.name];
      if (stateName !== undefined) {
        (state as OrtState).replace(stateName, result[o.name], this);
        continue;
      }
      const data = result[o.name].data as Float32Array;
      const target = into[o.name];
      // Bound outputs were written in place; should a provider have copied instead, copy back.
      if (target && data !== target) target.set(data);
      out[o.name] = target ?? data;
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.beforeRelease();
    await this.session.release();
  }
}
