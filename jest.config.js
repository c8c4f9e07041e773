/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/setup/debian-packages.ts',
  // Type-checking is `npm run typecheck` (part of `npm test`), once for the whole tree; ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  // Integration and e2e suites start real servers and processes: keep the 2-core machine from oversubscribing.
  maxWorkers: 2,
  testTimeout: 30000,
};
