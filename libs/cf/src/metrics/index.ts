export * from './ranking';
export * from './top-k';
