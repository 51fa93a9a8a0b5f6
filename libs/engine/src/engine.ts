import type { Graph } from './graph';
import type { DeviceMemory } from './nvidia-smi';

/** Values handed to a program: float32 matrices/vectors or int32 index vectors, row-major. */
export interface HostTensor {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

/** What an engine is, as a trial records it and a log line shows it. */
export interface EngineInfo {
  /** The engine's name as a user selects it (see ENGINE_NAMES). */
  readonly name: EngineName;
  /** Where its kernels run: cpu, webgpu, cuda (onnxruntime); wasm, tensorflow, cpu (tfjs). */
  readonly provider: string;
  /** The device: "cpu", or the GPU index and adapter name where the engine can tell. */
  readonly device: string;
  /** Threads per program run (1 for tfjs-wasm, whose kernels use one core). */
  readonly threads: number;
}

/**
 * Named values a model keeps where its engine computes, between program
 * runs: on a GPU engine, device buffers that never cross to the host while
 * training (weights, Adam moments); elsewhere, host arrays. A run given a
 * state reads the inputs its feeds lack from the state, and writes the
 * outputs its program was compiled to update back into it (see
 * CompileOptions.updates) instead of returning them.
 */
export interface DeviceState {
  /** Sets values (copies them; on a GPU engine they are uploaded by the next run that reads them). */
  write(values: Readonly<Record<string, HostTensor>>): void;
  /** Copies values back to the host (downloads them from a GPU). */
  read(names: readonly string[]): Promise<Record<string, Float32Array>>;
  has(name: string): boolean;
  /** Frees every value; the state is empty afterwards. */
  dispose(): void;
}

export interface CompileOptions {
  /**
   * Outputs that replace a state value after each run, as output name ->
   * state (input) name: the step's new weights replace the weights it read.
   * On a GPU engine these outputs stay on the device.
   */
  readonly updates?: Readonly<Record<string, string>>;
}

/**
 * A compiled graph. `run` binds the named dimensions from the feeds' shapes,
 * computes, and returns every output as a host Float32Array. Outputs given
 * in `into` are written there (the engine writes in place where it can, with
 * no extra copy) and returned as they are; the others are fresh arrays.
 * With a `state`, inputs missing from the feeds are read from it, and the
 * outputs compiled as updates go into it and are not returned.
 * Runs of one program are sequential: await each before the next.
 */
export interface Program {
  readonly graph: Graph;
  run(
    feeds: Readonly<Record<string, HostTensor>>,
    into?: Readonly<Record<string, Float32Array>>,
    state?: DeviceState,
  ): Promise<Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

/**
 * A compute engine: compiles graphs into programs. Everything engine
 * specific (wasm heap views, XNNPACK packing, ONNX sessions, execution
 * providers, device memory) stays behind this interface; models build
 * graphs and hand Float32Arrays in and out.
 */
export interface Engine {
  readonly info: EngineInfo;
  compile(graph: Graph, options?: CompileOptions): Promise<Program>;
  /** An empty store of values kept where this engine computes. */
  createState(): DeviceState;
  /** A GPU engine's device memory where the driver reports it; undefined on the host or where unknown. */
  deviceMemory(): Promise<DeviceMemory | undefined>;
  /** Frees the engine's programs and native resources; the engine is unusable afterwards. */
  dispose(): Promise<void>;
}

export const ENGINE_NAMES = [
  'onnxruntime',
  'onnxruntime-webgpu',
  'onnxruntime-cuda',
  'tfjs-wasm',
  'tfjs-node',
  'tfjs-node-gpu',
  'tfjs-cpu',
] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Engines that run on a GPU: `auto` never picks one by itself (a software adapter must never be chosen by accident). */
export const GPU_ENGINES: readonly EngineName[] = ['onnxruntime-webgpu', 'onnxruntime-cuda', 'tfjs-node-gpu'];
