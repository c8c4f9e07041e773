// @ts-check
/**
 * Mutation testing (`npm run mutation`, not part of `npm test`): the unit suites against mutants of the code that derives and serves the figures. One folder at a time, each with its own
 * incremental file (a run keeps the results of the files it mutated only):
 *   npm run mutation -- --mutate 'agent/collectors/**\/*.ts' --incrementalFile reports/incremental-collectors.json
 * Incremental: results are kept under reports/ (gitignored: they hold absolute timings of one machine), so a rerun
 * tests only the mutants whose code or covering tests changed. Equivalent survivors: stryker-equivalent.md.
 * A run over a few files may name the unit suites that cover them (comma-separated globs under test/unit), to keep
 * its dry run short; the default is every unit suite:
 *   MUTATION_TESTS='sse-*' npm run mutation -- --mutate agent/sse/wire.ts --incrementalFile reports/incremental-sse.json
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const suites = (process.env.MUTATION_TESTS ?? '*').split(',').map((glob) => `<rootDir>/test/unit/${glob.trim()}.test.ts`);

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
      // The unit suites only: an integration suite starts an agent for every mutant it covers (all of them), which
      // made a folder take hours on a busy 2-core machine, and waits seconds on a mutant that breaks the agent.
      testMatch: suites,
      // No Debian package is needed by these suites.
      globalSetup: undefined,
    },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level tables: the diskstats column names, the /proc/stat modes) have no per-test coverage,
  // so each reruns every suite: in agent/sources/procfs they were 24 % of the mutants and 92 % of the time. They are
  // reported as ignored, outside the score; `--ignoreStatic false` tests them too.
  ignoreStatic: true,
  // 2 cores shared with other work: one mutant at a time keeps the timings honest and the machine usable.
  concurrency: 1,
  timeoutMS: 5000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
