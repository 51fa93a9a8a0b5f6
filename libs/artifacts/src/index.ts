export * from './artifact-store';
export * from './checkpoint-files';
export * from './filesystem-store';
export * from './keep-policy';
export * from './from-env';
export * from './local-cache';
export * from './object-io';
export * from './s3-store';
