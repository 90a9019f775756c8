export * from './errors.js';
export * from './uapi.js';
export * from './geometry.js';
export * from './types.js';
export { Kernel, type BatchCounts } from './kernel.js';
export { seedBaseline } from './accounting.js';
