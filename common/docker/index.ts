export * from './client.js';
export * from './endpoint.js';
export * from './types.js';
