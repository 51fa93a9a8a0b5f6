export * from './artifact-store';
export * from './checkpoint-files';
export * from './filesystem-store';
export * from './keep-policy';
export * from './from-env';
