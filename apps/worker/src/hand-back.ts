/**
 * The progress a trial process reports for a job it hands back unclaimed
 * (its fixed engine does not load here): BullMQ emits no event for a delayed
 * job, so this is how the worker process learns that the job left it.
 */
export const HANDED_BACK_PROGRESS = { handedBack: true } as const;
