// Preloaded into the agent by the benchmark (node --require): counts every child process Node starts, so the
// figure covers systeminformation's exec/execSync calls as well as anything else. Reported on SIGUSR2 to stderr.
'use strict';
const childProcess = require('node:child_process');
let started = 0;
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  const original = childProcess[name];
  childProcess[name] = function countedChildProcess(...args) {
    started += 1;
    return original.apply(this, args);
  };
}
process.on('SIGUSR2', () => process.stderr.write(`\nhostfeed-bench children=${started}\n`));
