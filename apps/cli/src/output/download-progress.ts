import { formatDuration, secondsLeft, TransferMeter, type TransferProgress } from '@vaecf/datasets';
import { Presets, SingleBar } from 'cli-progress';

/** Plain progress lines (not a terminal) come at every this fraction of the file, or this many bytes without a size. */
const LINE_EVERY_FRACTION = 0.1;
const LINE_EVERY_BYTES = 50e6;

export interface DownloadProgress {
  update(p: TransferProgress): void;
  /** Ends the bar (or the lines) before anything else is printed. */
  stop(): void;
}

/**
 * Download progress on stderr: size, rate and time left. On a terminal a
 * bar redrawn in place; elsewhere (CI logs, pipes, files) one plain line at
 * each tenth of the file.
 */
export function downloadProgress(quiet: boolean): DownloadProgress {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  return process.stderr.isTTY ? barProgress() : lineProgress();
}

function describe(
  p: TransferProgress,
  rate: number | undefined,
): { size: string; rate: string; left: string } {
  const size = p.total === undefined ? `${mb(p.received)} MB` : `${mb(p.received)}/${mb(p.total)} MB`;
  return {
    size,
    rate: rate === undefined ? '-- MB/s' : `${mb(rate)} MB/s`,
    // Not `eta`: cli-progress computes a token of that name itself.
    left: formatDuration(secondsLeft(p.received, p.total, rate)),
  };
}

function barProgress(): DownloadProgress {
  const meter = new TransferMeter();
  let bar: SingleBar | null = null;
  return {
    update(p) {
      const d = describe(p, meter.sample(p.received - p.resumedFrom, Date.now()));
      if (!bar) {
        bar = new SingleBar(
          {
            format: `${p.file} [{bar}] {percentage}% {size} {rate} {left} left`,
            stream: process.stderr,
            clearOnComplete: true,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(p.total ?? 0, p.received, d);
      }
      if (p.total !== undefined) bar.setTotal(p.total);
      bar.update(p.received, d);
    },
    stop: () => bar?.stop(),
  };
}

function lineProgress(): DownloadProgress {
  const meter = new TransferMeter();
  let next = -1;
  const print = (p: TransferProgress, rate: number | undefined) => {
    const d = describe(p, rate);
    const pct = p.total ? ` (${Math.floor((100 * p.received) / p.total)}%)` : '';
    process.stderr.write(`${p.file}: ${d.size}${pct}, ${d.rate}, ${d.left} left\n`);
  };
  return {
    update(p) {
      const rate = meter.sample(p.received - p.resumedFrom, Date.now());
      const step = p.total ? p.total * LINE_EVERY_FRACTION : LINE_EVERY_BYTES;
      if (next < 0) next = (Math.floor(p.received / step) + 1) * step;
      // A line at each tenth crossed, and one when the file is whole (a small file may come in one chunk).
      if (p.received >= next || p.received === p.total) {
        next = (Math.floor(p.received / step) + 1) * step;
        print(p, rate);
      }
    },
    stop: () => undefined,
  };
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
