export * from './csr';
export * from './dataset';
