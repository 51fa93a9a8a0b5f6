import { InputError } from '@vaecf/errors';
import { ENGINE_NAMES, type EngineName } from './engine';

/** What a user may ask for: an engine, or `auto` (onnxruntime on the CPU where it loads, else the best tfjs). */
export type EngineChoice = EngineName | 'auto';

/**
 * The old `--backend` / VAECF_BACKEND values keep their old meaning: each
 * names a tfjs engine.
 */
export const BACKEND_ALIASES: Readonly<Record<string, EngineName>> = {
  wasm: 'tfjs-wasm',
  cpu: 'tfjs-cpu',
  tensorflow: 'tfjs-node',
  node: 'tfjs-node',
  'tensorflow-gpu': 'tfjs-node-gpu',
  gpu: 'tfjs-node-gpu',
};

export const ENGINE_CHOICES: readonly string[] = ['auto', ...ENGINE_NAMES];

export class EngineChoiceError extends InputError {}

/**
 * Parses an engine name (or a `--backend` alias). `what` names the flag or
 * variable in the error, e.g. "--engine" or "VAECF_ENGINE".
 */
export function parseEngineChoice(value: string, what: string): EngineChoice {
  const v = value.trim();
  if (v === 'auto') return 'auto';
  if ((ENGINE_NAMES as readonly string[]).includes(v)) return v as EngineName;
  const alias = BACKEND_ALIASES[v];
  if (alias) return alias;
  throw new EngineChoiceError(`${what} must be one of ${ENGINE_CHOICES.join(', ')}; got "${value}"`);
}

/** Threads per trial: a positive integer, or `auto` = this host's cores divided by the trials it runs at once. */
export type ThreadsChoice = number | 'auto';

export const MAX_THREADS = 256;

export function parseThreads(value: string, what: string): ThreadsChoice {
  const v = value.trim();
  if (v === 'auto') return 'auto';
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > MAX_THREADS)
    throw new EngineChoiceError(
      `${what} must be a whole number from 1 to ${MAX_THREADS}, or auto; got "${value}"`,
    );
  return Number(v);
}

/** `auto` threads for a process running `concurrency` trials at once on `cores` cores. */
export function resolveThreads(choice: ThreadsChoice, cores: number, concurrency = 1): number {
  if (choice !== 'auto') return choice;
  return Math.max(1, Math.floor(cores / Math.max(1, concurrency)));
}
