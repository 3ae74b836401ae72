import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    // SSH tests share one sshd per file; files run in parallel on separate ports.
    pool: 'forks',
    // Vitest's default (one worker less than the cores) is a single worker on two cores,
    // and most of the suite waits on sshd and puppetserver rather than using a core.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
