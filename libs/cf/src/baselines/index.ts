export * from './matmul';
export * from './spd-inverse';
export * from './gram';
export * from './ease';
export * from './fit-baseline';
