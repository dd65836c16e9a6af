import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['sim/quiet-warnings.ts'],
    // The simulator enforces IAM from the packaged template: package once, before the workers.
    globalSetup: ['sim/iam/global-setup.ts'],
    // CI reads the JSON report to print its "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/vitest-report.json' },
  },
});
