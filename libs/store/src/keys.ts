/**
 * The Redis key layout (one Redis; the per-sweep keys carry the id in a hash
 * tag so that a sweep's own scripts would stay in one slot of a cluster).
 *
 *   vaecf:sweeps                         ZSET  sweep id, scored by creation time (ms)
 *   vaecf:sweeps:state:<state>           ZSET  the sweeps in that state, scored by creation time (paging, reconcile)
 *   vaecf:sweep:{id}                     HASH  id, spec (JSON), state, createdAt, updatedAt, planned, queue,
 *                                              nextTrial, bestTrial, test (JSON), error, note
 *   vaecf:sweep:{id}:trials              ZSET  trial numbers (score = number)
 *   vaecf:sweep:{id}:trial:<n>           HASH  no, params (JSON), state, worker, backend, createdAt,
 *                                              startedAt, endedAt, epochs, best, reason,
 *                                              attempt (the fencing token: claims so far), owner (its
 *                                              worker), claimedAt, checkpointAttempt + checkpointEpoch
 *                                              (the trial's last committed checkpoint), progress (JSON),
 *                                              checkpointRestarts, checkpointNote; records stored
 *                                              before fencing have attempts (starts) instead of attempt
 *   vaecf:sweep:{id}:trial:<n>:history   LIST  one JSON epoch report per finished epoch, in order
 *   vaecf:sweep:{id}:leaderboard         ZSET  trial number, scored by its best objective value (cancelled trials leave it)
 *   vaecf:sweep:{id}:events              LIST  one JSON event per extend / resume / cancel, in order
 *   vaecf:sweep:{id}:fenced              HASH  kind of write -> writes refused to stale attempts (fence.ts)
 *   vaecf:sweep:{id}:rung:<epoch>        HASH  trial number -> "<value> <decision>" (ASHA arrivals)
 *   vaecf:idempotency:<key>              STRING sweep id created under a client key (expires)
 *   vaecf:deletes                        HASH  sweep id -> JSON { trials, queue, at }: a delete that removed the
 *                                              sweep's records and has yet to remove its jobs and artifacts
 *                                              (orchestration delete.ts finishes it, or a retry, or a worker)
 *   vaecf:deletes:finished               HASH  sweep id -> JSON { trials, queue, at }: a delete finished at `at`,
 *                                              kept until a worker's last sweep-up of its artifacts (files a
 *                                              dying writer added after the delete; orchestration delete.ts)
 *   vaecf:workers                        HASH  worker id -> JSON { id, metrics ("host:port" of its
 *                                              /metrics, or null), backend, pid, startedAt, expiresAt };
 *                                              refreshed by each worker's heartbeat, stale past expiresAt
 */
export const keys = {
  sweeps: 'vaecf:sweeps',
  sweepsInState: (state: string) => `vaecf:sweeps:state:${state}`,
  sweep: (id: string) => `vaecf:sweep:{${id}}`,
  trials: (id: string) => `vaecf:sweep:{${id}}:trials`,
  trial: (id: string, n: number) => `vaecf:sweep:{${id}}:trial:${n}`,
  history: (id: string, n: number) => `vaecf:sweep:{${id}}:trial:${n}:history`,
  leaderboard: (id: string) => `vaecf:sweep:{${id}}:leaderboard`,
  events: (id: string) => `vaecf:sweep:{${id}}:events`,
  fenced: (id: string) => `vaecf:sweep:{${id}}:fenced`,
  rung: (id: string, epoch: number) => `vaecf:sweep:{${id}}:rung:${epoch}`,
  idempotency: (key: string) => `vaecf:idempotency:${key}`,
  deletes: 'vaecf:deletes',
  deletesFinished: 'vaecf:deletes:finished',
  workers: 'vaecf:workers',
} as const;

/** A worker's entry in `vaecf:workers` is stale this long after its last heartbeat. */
export const WORKER_TTL_SECONDS = 30;
/** How often a worker refreshes its entry (well inside the TTL). */
export const WORKER_HEARTBEAT_SECONDS = 10;

/** How long a client's Idempotency-Key keeps pointing at its sweep. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
