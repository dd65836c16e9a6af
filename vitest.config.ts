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
    // One process per worker for all its files: the modules (the AWS SDK, zod, the simulator) load once per worker
    // instead of once per file. test/setup/per-file.ts puts back what a file may leave in the process.
    isolate: false,
    setupFiles: ['sim/quiet-warnings.ts', 'test/setup/per-file.ts'],
    // The simulator enforces IAM from the packaged template: package once, before the workers.
    globalSetup: ['sim/iam/global-setup.ts'],
    // CI reads the JSON report to print its "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/vitest-report.json' },
  },
});
