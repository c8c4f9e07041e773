/**
 * One project per folder of test/, so that scripts/test can run the unit and integration suites on two workers and
 * the e2e suites on one (jest's maxWorkers and testTimeout are global, not per project); the soak runs alone
 * (`npm run test:soak`).
 * @type {import('jest').Config}
 */
const project = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/setup/debian-packages.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup/state-directory.ts'],
  // Type-checking is `npm run typecheck` (part of `npm test`), once for the whole tree; ts-jest only transpiles.
  // The viewer's plain ES modules too, so that its pure logic (viewer/format.js, viewer/summary.js) is unit-tested in Node.
  transform: { '^.+\\.ts$|/viewer/[^/]+\\.js$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
});

module.exports = {
  projects: ['unit', 'integration', 'e2e', 'soak'].map(project),
  // Integration suites start real servers and processes: keep the 2-core machine from oversubscribing.
  maxWorkers: 2,
  // jest gives a worker 500 ms to exit once its files are done, then kills it and blames a leak: at a load average of
  // 20 that is too short for a worker with nothing left open. A leak still shows, 10 s later.
  workerGracefulExitTimeout: 10_000,
  // Global too (jest-circus reads no project's). A hang guard, not a budget: a test's waits each give up after
  // test/helpers/until.ts's HANG_GUARD_MS, and a loaded machine may take that long over several of them.
  testTimeout: 120_000,
};
