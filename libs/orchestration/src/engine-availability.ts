import type { WorkerEntry } from '@vaecf/store';

/**
 * The submit answer's warning when no live worker of the sweep's queue can
 * load the engine its spec fixes (workers announce the engines they can load
 * in their registry entry). A warning, not a refusal: workers may join later,
 * and until one that can load it does, the sweep's trials wait in the queue
 * (a worker that cannot load an engine hands such a trial back unclaimed).
 * Null when the engine is not fixed or some worker can load it.
 */
export function engineAvailabilityWarning(
  engine: string | undefined,
  queue: string,
  workers: readonly WorkerEntry[],
): string | null {
  if (engine === undefined) return null;
  // Older entries have no queue: they are counted in, like the API's /workers does.
  const mine = workers.filter((w) => w.queue === undefined || w.queue === queue);
  if (mine.some((w) => w.engines?.includes(engine))) return null;
  const loadable = [...new Set(mine.flatMap((w) => w.engines ?? []))].sort();
  const who = mine.length
    ? `the ${mine.length} live worker${mine.length === 1 ? '' : 's'} of queue ${queue} can load ${loadable.join(', ') || 'no announced engine'}`
    : `no worker of queue ${queue} is live`;
  return `fixed.engine ${engine}: no registered worker can load it (${who}); its trials wait until a worker that can joins`;
}
