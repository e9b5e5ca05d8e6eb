export * from './client.js';
export * from './config.js';
export * from './types.js';
export { ConsulTransport, type RawRequest, type RawResponse } from './transport.js';
