export * from './keys';
export * from './records';
export * from './sweep-store';
