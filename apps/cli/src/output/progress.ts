import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on stderr; a no-op object when stderr is not a terminal (CI logs, pipes). */
export interface Bar {
  update(done: number, total: number): void;
  stop(): void;
}

const NO_BAR: Bar = { update: () => undefined, stop: () => undefined };

export function progressBar(label: string, unit: string): Bar {
  if (!process.stderr.isTTY) return NO_BAR;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} ${unit} eta {eta_formatted}`,
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

export function epochProgressBar(epoch: number, epochs: number): Bar {
  return progressBar(`epoch ${epoch}/${epochs}`, 'users');
}
