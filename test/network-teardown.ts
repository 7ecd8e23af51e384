// After every test file: the tests' bridge, its firewall chains and address files go.
// Nothing is attached by then: each test removes its containers.
import { parseNetworkConfig, removeBridge } from '../src-main/engine/network/index';
import { TEST_BRIDGE, TEST_SUBNET } from './test-network';

export async function teardown(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await removeBridge(parseNetworkConfig(TEST_BRIDGE, TEST_SUBNET));
}
