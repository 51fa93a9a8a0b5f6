/**
 * Writes an epoch's checkpoint while the next epoch trains (asynchronous
 * checkpointing, as Orbax and torch.distributed.checkpoint's async_save do).
 * The snapshot handed to `start` is a copy of the trainer's state, so
 * training goes on at once; the write, its commit in the artifact store and
 * the fenced epoch record that moves the trial's checkpoint pointer follow
 * in the background. One checkpoint is in flight at a time: the trial runner
 * settles it before it reports the next epoch and before the trial ends, so
 * epochs are recorded in order, each with its checkpoint, and a trial never
 * ends with its last epoch unrecorded.
 *
 * On a small trial the flushed write (fsync) of each checkpoint was a fifth
 * of a worker's time (bench:sweep), spent waiting on the disk or on S3.
 */
export class CheckpointPipeline {
  private inFlight: Promise<void> | null = null;

  /** Starts writing one checkpoint; `write` does the save, the commit and the record. */
  start(write: () => Promise<void>): void {
    if (this.inFlight) throw new Error('a checkpoint is already being written: settle it first');
    const p = write();
    // Marked handled now: its error is rethrown by settle(), which may come an epoch later.
    p.catch(() => undefined);
    this.inFlight = p;
  }

  /** Waits for the checkpoint in flight, if any; rethrows its error. Resolves to the seconds waited. */
  async settle(): Promise<number> {
    const p = this.inFlight;
    if (!p) return 0;
    const t0 = performance.now();
    try {
      await p;
    } finally {
      this.inFlight = null;
    }
    return (performance.now() - t0) / 1000;
  }

  /** Waits for the checkpoint in flight and ignores its error: for paths that already end with another. */
  async drain(): Promise<void> {
    await this.settle().catch(() => undefined);
  }
}
