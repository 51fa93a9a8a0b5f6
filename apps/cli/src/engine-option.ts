import { availableParallelism } from 'node:os';
import {
  loadEngine,
  parseEngineChoice,
  parseThreads,
  resolveThreads,
  type EngineChoice,
  type EngineInfo,
  type LoadedEngine,
} from '@vaecf/engine';
import { Option } from 'commander';
import { UserError } from './errors';

/** The engine flags of the commands that compute (train, demo). */
export interface EngineFlags {
  engine?: string;
  backend?: string;
  threads?: string;
  gpu?: string;
}

export function engineOptions(): Option[] {
  return [
    new Option(
      '--engine <name>',
      'compute engine: auto (onnxruntime on the CPU, else tfjs), onnxruntime, onnxruntime-webgpu, ' +
        'onnxruntime-cuda, tfjs-wasm, tfjs-node, tfjs-node-gpu, tfjs-cpu (env VAECF_ENGINE)',
    ),
    new Option(
      '--backend <name>',
      'the old name of --engine: wasm, cpu, tensorflow, tensorflow-gpu name the tfjs engines',
    ),
    new Option(
      '--threads <n>',
      "engine threads: a number, or auto = this machine's cores (env VAECF_THREADS; default 1)",
    ),
    new Option('--gpu <index>', 'the GPU of a GPU engine (env VAECF_GPU; default 0)'),
  ];
}

/**
 * The engine the flags (else VAECF_ENGINE / VAECF_BACKEND / VAECF_THREADS /
 * VAECF_GPU) ask for, loaded. A bad value or a named engine that cannot load
 * is an InputError naming the flag or variable (exit 2, one line): never a
 * silent fallback to another engine.
 */
export async function loadEngineFromFlags(
  flags: EngineFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedEngine> {
  const engine = engineChoice(flags, env);
  const threadsText = flags.threads ?? env.VAECF_THREADS;
  const threads = threadsText
    ? resolveThreads(
        parseThreads(threadsText, flags.threads ? '--threads' : 'VAECF_THREADS'),
        availableParallelism(),
      )
    : 1;
  const gpuText = flags.gpu ?? env.VAECF_GPU;
  const gpu = gpuText ? gpuIndex(gpuText, flags.gpu ? '--gpu' : 'VAECF_GPU') : 0;
  return loadEngine({ engine, threads, gpu });
}

function engineChoice(flags: EngineFlags, env: NodeJS.ProcessEnv): EngineChoice {
  if (flags.engine !== undefined && flags.backend !== undefined) {
    const a = parseEngineChoice(flags.engine, '--engine');
    if (a !== parseEngineChoice(flags.backend, '--backend'))
      throw new UserError(
        `--engine ${flags.engine} and --backend ${flags.backend} disagree: give one of them`,
      );
    return a;
  }
  if (flags.engine !== undefined) return parseEngineChoice(flags.engine, '--engine');
  if (flags.backend !== undefined) return parseEngineChoice(flags.backend, '--backend');
  if (env.VAECF_ENGINE) return parseEngineChoice(env.VAECF_ENGINE, 'VAECF_ENGINE');
  if (env.VAECF_BACKEND) return parseEngineChoice(env.VAECF_BACKEND, 'VAECF_BACKEND');
  return 'auto';
}

function gpuIndex(text: string, what: string): number {
  if (!/^[0-9]{1,3}$/.test(text.trim()) || Number(text) > 255)
    throw new UserError(`${what} must be a GPU index from 0 to 255; got "${text}"`);
  return Number(text);
}

/** "onnxruntime (cpu, 1 thread)", and what `auto` passed over. */
export function describeLoaded({ engine, skipped }: LoadedEngine): string {
  return `engine: ${describeInfo(engine.info)}${skipped.length ? ` (not available: ${skipped.join('; ')})` : ''}`;
}

export function describeInfo(e: EngineInfo): string {
  const where = e.device === 'cpu' ? e.provider : `${e.provider} on ${e.device}`;
  return `${e.name} (${where}, ${e.threads} thread${e.threads === 1 ? '' : 's'})`;
}
