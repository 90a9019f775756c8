export * from './errors.js';
export * from './uapi.js';
export * from './geometry.js';
export * from './types.js';
export { AccessCounts } from './counts.js';
export { Kernel } from './kernel.js';
export { seedBaseline } from './accounting.js';
