export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const WORKER_DEPS = Symbol('WORKER_DEPS');
export const REDIS_OUTAGE = Symbol('REDIS_OUTAGE');
