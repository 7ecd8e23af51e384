import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { TEST_BRIDGE, TEST_SUBNET } from './test/test-network.ts';

export default defineConfig({
  // `@shared/…`: src-shared, as in tsconfig.json and electron.vite.config.ts
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src-shared', import.meta.url)) } },
  // As electron.vite.config.ts defines it for the build.
  define: { __STRATA_VERSION__: JSON.stringify(JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version) },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests mount, unpack and start real processes as root: keep them in
    // separate processes, two at a time on this two-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // expect.poll waits for something that must happen; on a loaded two-core machine that can
    // take longer than vitest's 1 s default, and only a failing test ever waits this long.
    expect: { poll: { timeout: 30_000, interval: 50 } },
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
    // Containers the tests start join a bridge of the tests' own (not a user's strata0),
    // which the global teardown removes with its firewall chains.
    env: { STRATA_BRIDGE: TEST_BRIDGE, STRATA_SUBNET: TEST_SUBNET },
    globalSetup: ['./test/network-teardown.ts', './test/runtime-dirs-teardown.ts'],
  },
});
