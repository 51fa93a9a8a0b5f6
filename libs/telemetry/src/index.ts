export * from './worker-metrics';
export * from './metrics-server';
export * from './metrics-access';
export * from './api-metrics';
export * from './log-colours';
