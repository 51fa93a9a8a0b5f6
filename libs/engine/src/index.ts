export * from './graph';
export * from './engine';
export * from './names';
export * from './load';
export { bindShapes, sizeOf } from './bind-shapes';
export { gemmOn, type Gemm } from './gemm';
export { nvidiaMemory, parseNvidiaMemory, type DeviceMemory } from './nvidia-smi';
