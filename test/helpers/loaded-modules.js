// Preloaded into the agent with --require: on exit, writes the files its main thread loaded (require.cache), one a
// line, to the file HOSTFEED_TEST_LOADED_MODULES names.
const { writeFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

if (isMainThread) process.on('exit', () => writeFileSync(process.env.HOSTFEED_TEST_LOADED_MODULES, Object.keys(require.cache).join('\n')));
