/** The loss became NaN or infinite: the configuration diverged. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(`diverged at epoch ${epoch} (step ${step}, loss ${loss})`);
    this.name = 'TrainingDivergedError';
  }
}

/** Training was stopped through its AbortSignal in the middle of an epoch. */
export class TrainingAbortedError extends Error {
  constructor(readonly epoch: number) {
    super(`training aborted during epoch ${epoch}`);
    this.name = 'TrainingAbortedError';
  }
}
