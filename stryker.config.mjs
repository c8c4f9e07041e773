// @ts-check
/**
 * Mutation testing (`npm run mutation`, not part of `npm test`): the unit suites, and the fast integration ones that
 * exercise the same code, against mutants of the derivation code. One folder at a time:
 *   npm run mutation -- --mutate 'agent/collectors/**\/*.ts'
 * Incremental: results are kept in reports/stryker-incremental.json (gitignored), so a rerun tests only the
 * mutants whose code or covering tests changed. Equivalent survivors are explained in stryker-equivalent.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: ['agent/collectors/**/*.ts', 'agent/sources/procfs/**/*.ts', 'agent/metrics/**/*.ts', 'agent/sse/**/*.ts', 'agent/feed.ts'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      // The e2e suites and the CLI/TLS ones start processes: too slow to run once per mutant.
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/{metrics-golden,metrics-endpoint}.test.ts'],
      // No Debian package is needed by these suites.
      globalSetup: undefined,
    },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  // 2 cores shared with other work: one mutant at a time keeps the timings honest and the machine usable.
  concurrency: 1,
  timeoutMS: 20000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
