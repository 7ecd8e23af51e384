// After every test file: the tests' bridge, its firewall chains and address files go.
// Nothing of this run is attached by then (each test removes its containers); another
// test run on the same machine may still have containers on it, and then it stays.
import { parseNetworkConfig, removeBridge } from '../src-main/engine/network/index';
import { isStrataError } from '@shared/errors';
import { TEST_BRIDGE, TEST_SUBNET } from './test-network';

export async function teardown(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  try {
    await removeBridge(parseNetworkConfig(TEST_BRIDGE, TEST_SUBNET));
  } catch (error) {
    if (!isStrataError(error, 'CONFLICT')) throw error;
    console.log(`test network kept: ${error.message}`);
  }
}
