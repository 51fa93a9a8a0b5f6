import {
  ENGINE_NAMES,
  EngineUnavailableError,
  GPU_ENGINES,
  loadEngine,
  resolveThreads,
  type EngineChoice,
  type EngineName,
  type EngineRequest,
  type ThreadsChoice,
} from '@vaecf/engine';
import type { EngineChange, TrialEngine, TrialRecord } from '@vaecf/store';

/** The worker's own engine settings (VAECF_ENGINE, VAECF_THREADS, VAECF_GPU) and what threads `auto` divides. */
export interface WorkerEngineSettings {
  readonly engine: EngineChoice;
  readonly threads: ThreadsChoice;
  readonly gpu: number;
  /** This host's cores and the trials this worker runs at once: `auto` threads = cores / concurrency. */
  readonly cores: number;
  readonly concurrency: number;
}

/** What the worker found it can run at its start: announced in its registry entry, used for every trial. */
export interface WorkerEngines {
  readonly settings: WorkerEngineSettings;
  /** The engines that loaded here (the CPU ones, and a GPU one only when VAECF_ENGINE names it). */
  readonly loadable: readonly EngineName[];
  /** The engine of a trial whose sweep fixes none: VAECF_ENGINE, or what `auto` chose. */
  readonly default: EngineName;
  /** Engines tried and not loadable, with the reason (for the start-up log line). */
  readonly unavailable: readonly string[];
}

/** The order `auto` tries (libs/engine load.ts): onnxruntime on the CPU, then the best tfjs. */
const AUTO_ORDER: readonly EngineName[] = ['onnxruntime', 'tfjs-node', 'tfjs-wasm', 'tfjs-cpu'];

/** A VAECF_ENGINE that cannot load: the worker refuses to start, with the reason. */
export class EngineSettingError extends Error {
  override readonly name = 'EngineSettingError';
}

/**
 * Loads each engine this worker could be asked for, once, at its start: the
 * CPU engines always (each costs a module load and a one-node self-test, well
 * under a second together), a GPU engine only when VAECF_ENGINE names it (a
 * CPU worker never touches GPU drivers, and a software adapter is never
 * announced by accident). A forced VAECF_ENGINE that cannot load stops the
 * worker; `auto` takes the first of AUTO_ORDER that loaded.
 */
export async function probeEngines(settings: WorkerEngineSettings): Promise<WorkerEngines> {
  const candidates = ENGINE_NAMES.filter((name) => !GPU_ENGINES.includes(name) || name === settings.engine);
  const loadable: EngineName[] = [];
  const unavailable: string[] = [];
  const reasons = new Map<EngineName, string>();
  for (const name of candidates) {
    try {
      await loadEngine({ engine: name, threads: 1, gpu: settings.gpu });
      loadable.push(name);
    } catch (e) {
      if (!(e instanceof EngineUnavailableError)) throw e;
      reasons.set(name, e.problem);
      unavailable.push(`${name} (${e.problem.replace(/^engine \S+ cannot be loaded: /, '')})`);
    }
  }
  let chosen: EngineName | undefined;
  if (settings.engine === 'auto') {
    chosen = AUTO_ORDER.find((name) => loadable.includes(name));
    if (!chosen) throw new EngineSettingError(`no compute engine loads here: ${unavailable.join('; ')}`);
  } else {
    if (!loadable.includes(settings.engine))
      throw new EngineSettingError(`VAECF_ENGINE: ${reasons.get(settings.engine)}`);
    chosen = settings.engine;
  }
  return { settings, loadable, default: chosen, unavailable };
}

/** How the worker process hands its probe to the trial processes it forks (they inherit this variable). */
export const PROBED_ENGINES_ENV = 'VAECF_WORKER_PROBED_ENGINES';

export function probedEnginesFromEnv(
  settings: WorkerEngineSettings,
  env: NodeJS.ProcessEnv = process.env,
): WorkerEngines | null {
  const text = env[PROBED_ENGINES_ENV];
  if (!text) return null;
  const p = JSON.parse(text) as { loadable: EngineName[]; default: EngineName };
  return { settings, loadable: p.loadable, default: p.default, unavailable: [] };
}

export function probedEnginesEnv(e: WorkerEngines): Record<string, string> {
  return { [PROBED_ENGINES_ENV]: JSON.stringify({ loadable: e.loadable, default: e.default }) };
}

/** A trial's engine: the request to load it with, or why this worker hands the trial back unclaimed. */
export type TrialEnginePlan =
  | { readonly kind: 'run'; readonly request: EngineRequest }
  | { readonly kind: 'hand-back'; readonly reason: string };

/**
 * The engine a trial runs on here. Precedence: the sweep's `fixed.engine`
 * over this worker's VAECF_ENGINE over `auto` (what the probe chose); the
 * same for threads (`fixed.threads` over VAECF_THREADS). A trial resumed
 * after an earlier attempt continues on that attempt's engine and thread
 * count where this worker can load it (the run is then bit-identical to an
 * uninterrupted one); otherwise it continues on this worker's choice and the
 * change is recorded. A fixed engine this worker cannot load is handed back:
 * the trial waits for a worker that can.
 */
export function planTrialEngine(
  fixed: { readonly engine?: string; readonly threads?: number | 'auto' },
  previous: TrialEngine | undefined,
  engines: WorkerEngines,
  workerId: string,
): TrialEnginePlan {
  const { settings, loadable } = engines;
  const fixedEngine = fixed.engine as EngineName | undefined;
  if (fixedEngine !== undefined && !loadable.includes(fixedEngine))
    return {
      kind: 'hand-back',
      reason: `worker ${workerId} cannot load engine ${fixedEngine} (it can load ${loadable.join(', ')}); waiting for a worker that can`,
    };
  const threads = resolveThreads(fixed.threads ?? settings.threads, settings.cores, settings.concurrency);
  const request = (engine: EngineName, t: number): TrialEnginePlan => ({
    kind: 'run',
    request: { engine, threads: t, gpu: settings.gpu },
  });
  if (
    previous &&
    loadable.includes(previous.name as EngineName) &&
    (fixedEngine === undefined || fixedEngine === previous.name)
  )
    return request(previous.name as EngineName, previous.threads >= 1 ? previous.threads : threads);
  return request(fixedEngine ?? engines.default, threads);
}

/**
 * The engine of the sweep's test evaluation at finalize: the sweep's fixed
 * engine where this worker can load it, else its own; the worker's threads.
 */
export function evaluationEngine(
  spec: { readonly fixed: Record<string, unknown> },
  engines: WorkerEngines,
): EngineRequest {
  const fixed = spec.fixed.engine as EngineName | undefined;
  const { settings } = engines;
  return {
    engine: fixed && engines.loadable.includes(fixed) ? fixed : engines.default,
    threads: resolveThreads(settings.threads, settings.cores, settings.concurrency),
    gpu: settings.gpu,
  };
}

/** The trial's engine changes with this attempt's appended, or undefined when it runs as before (or first). */
export function engineChangesAfter(
  trial: Pick<TrialRecord, 'engine' | 'engineChanges'>,
  now: TrialEngine,
  change: { attempt: number; at: number; worker: string },
): EngineChange[] | undefined {
  const before = trial.engine;
  if (!before || sameEngine(before, now)) return undefined;
  return [...(trial.engineChanges ?? []), { ...change, from: before, to: now }];
}

function sameEngine(a: TrialEngine, b: TrialEngine): boolean {
  return a.name === b.name && a.provider === b.provider && a.threads === b.threads;
}

/** "onnxruntime (cpu, 2 threads)": an engine as log lines and tables show it. */
export function describeEngine(e: TrialEngine): string {
  const where = e.device === 'cpu' ? e.provider : `${e.provider} on ${e.device}`;
  return `${e.name} (${where}, ${e.threads} thread${e.threads === 1 ? '' : 's'})`;
}
