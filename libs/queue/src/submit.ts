import { parseSweepSpec, plannedTrials, type SweepSpec } from '@vaecf/sweep';
import type { SweepController } from './controller';
import type { SweepStore } from './sweep-store';

/**
 * Validates and stores a sweep, then starts it. With an idempotency key a
 * repeated submit returns the first sweep and starts nothing new.
 * `checkDataset` refuses a dataset that is not ready (it throws).
 */
export async function submitSweep(
  input: unknown,
  deps: { store: SweepStore; controller: SweepController; checkDataset: (id: string) => Promise<void> },
  idempotencyKey?: string,
): Promise<{ id: string; created: boolean; spec: SweepSpec }> {
  const spec = parseSweepSpec(input);
  await deps.checkDataset(spec.dataset);
  const { id, created } = await deps.store.createSweep(
    spec as unknown as Record<string, unknown>,
    plannedTrials(spec),
    idempotencyKey,
  );
  if (created) await deps.controller.advance(id);
  return { id, created, spec };
}
