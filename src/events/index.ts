export * from './schemas.js';
export * from './lifecycle-action.js';
