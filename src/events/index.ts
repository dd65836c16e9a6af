export * from './schemas.js';
export * from './lifecycle-action.js';
export * from './instance-notice.js';
