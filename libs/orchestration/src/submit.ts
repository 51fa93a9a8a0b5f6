import { plannedTrials, runSettingsOf, type SweepSpec } from '@vaecf/sweep';
import type { SweepController } from './controller';
import { engineAvailabilityWarning } from './engine-availability';
import { checkTrialSpace, completeSpec, normalizeRunSettings, type DatasetShape } from './spec-checks';
import type { SweepStore } from '@vaecf/store';
import type { WorkerEntry } from '@vaecf/store';

export interface SubmitDeps {
  readonly store: SweepStore;
  readonly controller: SweepController;
  /** Refuses a dataset that is unknown or not ready (throws an InputError); returns its shape. */
  readonly checkDataset: (id: string) => Promise<DatasetShape | undefined>;
  /** The most memory one trial may need (TRIAL_MEMORY_LIMIT_MB); DEFAULT_TRIAL_MEMORY_LIMIT_MB when not given. */
  readonly trialMemoryLimitBytes?: number;
  /** The live workers (WorkerRegistry.live): for the warning when none can load a fixed engine. */
  readonly liveWorkers?: () => Promise<readonly WorkerEntry[]>;
}

/** A worker's memory for one trial unless configured: the wasm backend's heap cannot pass 4 GB. */
export const DEFAULT_TRIAL_MEMORY_LIMIT_MB = 4096;

/**
 * Validates a parsed sweep completely (its dataset, and every trial
 * configuration it can produce), then stores and starts it: a bad spec never
 * reaches a worker. The spec arrives parsed (parseSweepSpec or
 * parseSweepSpecText, once, where it came in: the API's request, a test, a
 * bench), so it is not parsed again here. With an idempotency key a repeated
 * submit returns the first sweep and starts nothing new.
 */
export async function submitSweep(
  parsed: SweepSpec,
  deps: SubmitDeps,
  idempotencyKey?: string,
): Promise<{ id: string; created: boolean; spec: SweepSpec; warnings: string[] }> {
  const dataset = await deps.checkDataset(parsed.dataset);
  checkTrialSpace(parsed, dataset, deps.trialMemoryLimitBytes ?? DEFAULT_TRIAL_MEMORY_LIMIT_MB * 2 ** 20);
  const spec = normalizeRunSettings(completeSpec(parsed, dataset));
  const { id, created } = await deps.store.createSweep(
    spec,
    plannedTrials(spec),
    idempotencyKey,
    deps.controller.queueName,
  );
  if (created) await deps.controller.advance(id);
  const warnings: string[] = [];
  if (deps.liveWorkers) {
    const engine = runSettingsOf(spec).engine;
    const warning = engineAvailabilityWarning(engine, deps.controller.queueName, await deps.liveWorkers());
    if (warning) warnings.push(warning);
  }
  return { id, created, spec, warnings };
}
