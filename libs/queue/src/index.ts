export * from './keys';
export * from './records';
export * from './sweep-store';
export * from './jobs';
export * from './controller';
export * from './submit';
export * from './cancel';
