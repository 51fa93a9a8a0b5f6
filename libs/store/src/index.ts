export * from './keys';
export * from './queue-names';
export * from './records';
export * from './sweep-store';
export * from './redis-sweep-store';
export * from './fence';
export * from './dataset-store';
export * from './failure-reason';
export * from './worker-registry';
// The one script used outside the store: the sweep controller's lock (libs/orchestration controller.ts) releases with it.
export { RELEASE_LOCK } from './scripts';
export type * from './deep-readonly';
