import { InputError } from '@vaecf/errors';
import type { Engine, EngineName } from './engine';
import type { EngineChoice } from './names';
import { OrtEngine } from './onnxruntime/engine';
import { TfjsEngine } from './tfjs/engine';

export interface EngineRequest {
  /** An engine, or `auto`: onnxruntime on the CPU where it loads, else the best tfjs backend (never a GPU engine). */
  readonly engine: EngineChoice;
  /** Threads per program run (CPU engines). */
  readonly threads: number;
  /** GPU index (GPU engines). */
  readonly gpu?: number;
}

/** A named engine that was asked for and cannot run here: the reason, for the user (exit 2, a failed trial). */
export class EngineUnavailableError extends InputError {
  constructor(
    readonly engine: EngineName,
    reason: string,
  ) {
    super(`engine ${engine} cannot be loaded: ${reason}`, 'engine');
  }
}

export interface LoadedEngine {
  readonly engine: Engine;
  /** For `auto`: the engines passed over and why (for the log line). */
  readonly skipped: readonly string[];
}

/** Engines already loaded in this process, by request: a worker's trials share them. */
const loaded = new Map<string, Promise<LoadedEngine>>();

/**
 * The engine for `req`, loaded once per process. A named engine that cannot
 * load is an EngineUnavailableError, never a silent fallback; `auto` falls
 * back from onnxruntime to tfjs and says why.
 */
export function loadEngine(req: EngineRequest): Promise<LoadedEngine> {
  const key = `${req.engine}/${req.threads}/${req.gpu ?? 0}`;
  let p = loaded.get(key);
  if (!p) {
    p = load(req);
    loaded.set(key, p);
    // A failure is not cached: the next request tries again (and fails the same way, with its reason).
    p.catch(() => loaded.delete(key));
  }
  return p;
}

async function load(req: EngineRequest): Promise<LoadedEngine> {
  if (req.engine !== 'auto') return { engine: await loadNamed(req.engine, req), skipped: [] };
  const skipped: string[] = [];
  for (const name of ['onnxruntime', 'tfjs-node', 'tfjs-wasm', 'tfjs-cpu'] as const) {
    try {
      return { engine: await loadNamed(name, req), skipped };
    } catch (e) {
      skipped.push(
        `${name}: ${e instanceof EngineUnavailableError ? e.problem.replace(/^engine \S+ cannot be loaded: /, '') : String(e)}`,
      );
    }
  }
  throw new Error(`no compute engine could be loaded: ${skipped.join('; ')}`);
}

async function loadNamed(name: EngineName, req: EngineRequest): Promise<Engine> {
  try {
    switch (name) {
      case 'onnxruntime':
      case 'onnxruntime-webgpu':
      case 'onnxruntime-cuda': {
        const provider = name === 'onnxruntime' ? 'cpu' : name === 'onnxruntime-webgpu' ? 'webgpu' : 'cuda';
        return await OrtEngine.create({ provider, threads: req.threads, gpu: req.gpu });
      }
      case 'tfjs-wasm':
      case 'tfjs-node':
      case 'tfjs-node-gpu':
      case 'tfjs-cpu': {
        const backend = (
          {
            'tfjs-wasm': 'wasm',
            'tfjs-node': 'tensorflow',
            'tfjs-node-gpu': 'tensorflow-gpu',
            'tfjs-cpu': 'cpu',
          } as const
        )[name];
        return await TfjsEngine.create(backend);
      }
    }
  } catch (e) {
    throw new EngineUnavailableError(name, firstLine(e));
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
