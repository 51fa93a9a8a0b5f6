export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const WORKER_DEPS = Symbol('WORKER_DEPS');
