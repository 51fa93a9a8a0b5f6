export * from './graph';
export * from './engine';
export * from './names';
export * from './load';
export { bindShapes, sizeOf } from './bind-shapes';
