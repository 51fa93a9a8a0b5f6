export * from './evaluate';
export * from './popularity';
export * from './split-checks';
