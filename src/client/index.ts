export * from './api-client.js';
export * from './event-recorder.js';
export * from './informer.js';
export * from './kubeconfig.js';
export * from './resources.js';
export * from './watch-stream.js';
export * from './informer-factory.js';
