export * from './artifact-store';
export * from './filesystem-store';
export * from './keep-policy';
