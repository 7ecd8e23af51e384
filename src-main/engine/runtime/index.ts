export * from './oci-config';
export * from './runtime-binary';
