export * from './data/csr';
export * from './data/dataset';
export * from './runtime/rng';
export * from './runtime/backend';
export * from './model/config';
export * from './model/architecture';
export * from './model/network';
