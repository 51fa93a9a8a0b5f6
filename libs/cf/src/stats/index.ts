export * from './per-user';
export * from './significance';
