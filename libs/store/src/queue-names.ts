/**
 * Queue names (BullMQ prefixes them with "bull:"). Dataset preparation has its own queue so that a long one never waits behind trials.
 * Here rather than beside the job schemas (libs/orchestration jobs.ts): a sweep record names the
 * trials queue it runs on, and a record stored before it did runs on the default one.
 */
export const QUEUES = { trials: 'vaecf-trials', datasets: 'vaecf-datasets' } as const;
