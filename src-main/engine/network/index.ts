export { type Attachment } from './attach';
export { bridgeExists, removeBridge } from './bridge';
export { NETNS_FILE, type NetworkSetup, checkNetworkMode, defaultHostname, setUpNetwork, tearDownNetwork } from './container-network';
export { NO_BRIDGE_REASON, defaultNetworkMode, hasNetworkHelper } from './default-network';
export { DEFAULT_BRIDGE, DEFAULT_SUBNET, type NetworkConfig, networkConfig, parseNetworkConfig, subnetText } from './network-config';
export { NETWORK_FILES, type NetworkMode } from './network-files';
export { DEFAULT_HOST_IP, type PortSpec, formatPort, parsePortSpec, validatePortSpec } from '@shared/ports';
