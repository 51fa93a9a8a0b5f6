/**
 * Where prepared datasets and checkpoints live. The training code reads and
 * writes directories, so a store hands out local directories; a store backed
 * by object storage would sync them down before use and up after `commit`.
 */
export interface ArtifactStore {
  /** Directory of a prepared dataset. */
  datasetDir(datasetId: string): string;
  /** Directory of one trial's checkpoint (latest state + its best weights). */
  checkpointDir(sweepId: string, trialNo: number): string;
  /** Directory of the sweep's promoted model (a copy of the best trial's checkpoint). */
  modelDir(sweepId: string): string;
  /** Copies a trial's checkpoint to the sweep's model directory, replacing any previous model. */
  promoteModel(sweepId: string, trialNo: number): Promise<void>;
  /** Deletes the checkpoints of the given trials (missing ones are fine). */
  deleteCheckpoints(sweepId: string, trialNos: readonly number[]): Promise<void>;
  /** Trials of a sweep that have a checkpoint on the store. */
  listCheckpoints(sweepId: string): Promise<number[]>;
  deleteSweep(sweepId: string): Promise<void>;
  deleteDataset(datasetId: string): Promise<void>;
}

/** Ids become path segments: refuse anything that could escape its folder. */
export function assertSafeId(kind: string, id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(id) || id.includes('..')) {
    throw new Error(
      `invalid ${kind} id ${JSON.stringify(id)}: use letters, digits, '.', '_' and '-' (max 128)`,
    );
  }
}
