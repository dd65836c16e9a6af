import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Every simulation serves on its own ephemeral ports and owns its process's clock source:
    // files run in parallel forks. VITEST_MAX_WORKERS overrides (default: one per core, at most 4).
    pool: 'forks',
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || Math.min(4, Math.max(1, availableParallelism())),
    fileParallelism: true,
    setupFiles: ['sim/quiet-warnings.ts', 'test/setup/per-file.ts'],
    projects: [
      {
        extends: true,
        // Unit and simulator tests: one process per worker for all its files, so the modules (the AWS SDK, zod, the
        // simulator) load once per worker instead of once per file; test/setup/per-file.ts puts back what a file may
        // leave in the process.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/sim/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        // End-to-end files too: a simulation deploys its configuration afresh (Simulation.start resets the config and
        // the cluster clients, and stop() lets handler code finish), and the process keeps its loopback listeners and
        // the control plane's SDK clients from one simulation to the next, as one Lambda container would.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          isolate: false,
          setupFiles: ['test/setup/e2e-per-file.ts'],
        },
      },
    ],
    // The simulator enforces IAM from the packaged template: package once, before the workers.
    globalSetup: ['sim/iam/global-setup.ts'],
    // CI reads the JSON report to print its "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/vitest-report.json' },
  },
});
