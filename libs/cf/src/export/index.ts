export * from './model-export';
export * from './npz';
export * from './scoring-layers';
