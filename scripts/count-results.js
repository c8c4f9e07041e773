#!/usr/bin/env node
/**
 * Prints "N passed, N failed" over every jest JSON result in DIR: `count-results.js DIR STATUS`. A run that failed
 * outside any test (a failed type-check, a crash) still counts as one failure when STATUS is non-zero.
 */
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const [dir, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
}
if (status !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
