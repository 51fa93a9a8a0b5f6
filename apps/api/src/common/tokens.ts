export const API_CONFIG = Symbol('API_CONFIG');
export const REDIS = Symbol('REDIS');
export const TRIALS_QUEUE = Symbol('TRIALS_QUEUE');
export const DATASETS_QUEUE = Symbol('DATASETS_QUEUE');
export const API_METRICS = Symbol('API_METRICS');
export const ARTIFACTS = Symbol('ARTIFACTS');
