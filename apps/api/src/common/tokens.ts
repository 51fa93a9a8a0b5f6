export const API_CONFIG = Symbol('API_CONFIG');
export const REDIS = Symbol('REDIS');
export const TRIALS_QUEUE = Symbol('TRIALS_QUEUE');
export const DATASETS_QUEUE = Symbol('DATASETS_QUEUE');
/** The wired core (libs/orchestration createCore); the tokens above and below are its parts. */
export const CORE = Symbol('CORE');
/** The SweepStore (an interface: it needs a token of its own). */
export const SWEEP_STORE = Symbol('SWEEP_STORE');
export const API_METRICS = Symbol('API_METRICS');
export const ARTIFACTS = Symbol('ARTIFACTS');
