import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    // SSH tests share one sshd per file; files run in parallel on separate ports.
    pool: 'forks',
  },
});
