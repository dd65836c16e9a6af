export * from './schemas.js';
export * from './lifecycle-action.js';
export * from './lifecycle-event.js';
export * from './instance-notice.js';
