import type { DatasetStats } from '@vaecf/cf';
import type { DatasetState, DatasetStore } from '@vaecf/store';
import { SpecError } from '@vaecf/sweep';
import type { DatasetShape } from './spec-checks';

/** A sweep names a dataset that is unknown or not prepared: a spec problem in the `dataset` field. */
export class DatasetNotReadyError extends SpecError {
  constructor(id: string, state: DatasetState | 'unknown') {
    super('dataset', `dataset "${id}" is ${state === 'unknown' ? 'not registered' : `${state}, not ready`}`);
  }
}

/** The `checkDataset` of submitSweep: refuses an unknown or unprepared dataset, else returns its shape. */
export function requireReadyDataset(
  datasets: DatasetStore,
): (id: string) => Promise<DatasetShape | undefined> {
  return async (id) => {
    const d = await datasets.get(id);
    if (d?.state !== 'ready') throw new DatasetNotReadyError(id, d?.state ?? 'unknown');
    const stats = d.stats as Partial<DatasetStats> | undefined;
    if (!stats?.items || !stats.users) return undefined;
    return {
      items: stats.items,
      trainUsers: stats.users.train,
      evalUsers: Math.max(stats.users.validation, stats.users.test),
    };
  };
}
