/** The bridge and subnet every test's containers use (vitest.config.ts puts them in the environment). */
export const TEST_BRIDGE = 'strata-test0';
export const TEST_SUBNET = '10.86.254.0/24';
