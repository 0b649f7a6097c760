export * from './bridge-network.js';
export * from './cni.js';
export * from './netns.js';
export * from './host-routes.js';
export * from './errors.js';
export * from './portmap-chains.js';
