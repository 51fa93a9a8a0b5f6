/**
 * Rate and time left of a transfer, from (bytes, time) samples: the rate is
 * averaged over the last few seconds, so a stall shows at once and a resumed
 * part (bytes that did not come now) never inflates it.
 */
export class TransferMeter {
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  /** Records that `bytes` have arrived by time `t` (ms); returns bytes per second, or undefined before two samples. */
  sample(bytes: number, t: number): number | undefined {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const seconds = (t - first.t) / 1000;
    return seconds > 0 ? (bytes - first.bytes) / seconds : undefined;
  }
}

/** Seconds left at `rate` bytes per second, or undefined when the total or the rate is unknown. */
export function secondsLeft(
  received: number,
  total: number | undefined,
  rate: number | undefined,
): number | undefined {
  if (total === undefined || !rate || rate <= 0) return undefined;
  return Math.max(0, (total - received) / rate);
}

/** "1h02m", "4m05s", "12s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
