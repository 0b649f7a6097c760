export * from './container-config.js';
export * from './oci-spec.js';
export * from './runtime.js';
export * from './errors.js';
export * from './exec.js';
export * from './log-reader.js';
export * from './cgroup-stats.js';
export { ensureShimBinary, SHIM_BINARY, ShimBuildError } from './shim-binary.js';
export * from './pod-namespaces.js';
