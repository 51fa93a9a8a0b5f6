export * from './worker-metrics';
export * from './metrics-server';
export * from './api-metrics';
