import { defineConfig } from 'vitest/config';

/**
 * Heavy suites (a million-row export, property tests, the browser) run in
 * their own project: `npm test` and CI run everything, `npm run test:fast`
 * leaves them out while iterating.
 */
const heavy = ['test/exports-memory.test.ts', 'test/properties.test.ts', 'test/ledger-history.property.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    // A ceiling, not a timing assertion: property and e2e suites run long on a loaded 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts', 'src/**/*.test.ts'], exclude: heavy } },
      { extends: true, test: { name: 'heavy', include: heavy } },
    ],
  },
});
