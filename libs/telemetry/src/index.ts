export * from './worker-metrics';
export * from './metrics-server';
