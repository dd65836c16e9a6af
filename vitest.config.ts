import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Every simulation serves on its own ephemeral ports and owns its process's clock source:
    // files run in parallel forks. VITEST_MAX_WORKERS overrides (default: one per core, at most 4).
    pool: 'forks',
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || Math.min(4, Math.max(1, availableParallelism())),
    fileParallelism: true,
    setupFiles: ['sim/quiet-warnings.ts'],
    // The simulator enforces IAM from the packaged template: package once, before the workers.
    globalSetup: ['sim/iam/global-setup.ts'],
    // CI reads the JSON report to print its "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/vitest-report.json' },
  },
});
