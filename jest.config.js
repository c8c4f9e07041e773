/**
 * One project per folder of test/, so that scripts/test can run unit and integration suites on two workers and the
 * e2e suites on one (jest's maxWorkers is global, not per project); the soak runs alone (`npm run test:soak`).
 * @type {import('jest').Config}
 */
const project = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/setup/debian-packages.ts',
  // Type-checking is `npm run typecheck` (part of `npm test`), once for the whole tree; ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  // A hang guard, not a budget: every test waits on conditions, and a loaded machine may take long to meet them.
  testTimeout: 30_000,
});

module.exports = {
  projects: ['unit', 'integration', 'e2e', 'soak'].map(project),
  // Integration suites start real servers and processes: keep the 2-core machine from oversubscribing.
  maxWorkers: 2,
};
