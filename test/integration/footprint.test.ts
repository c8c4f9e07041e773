import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, startCli, stopCli } from '../helpers/cli';
import { until } from '../helpers/until';

const PRELOAD = join(__dirname, '../helpers/loaded-modules.js');

/**
 * What a default Linux agent must not load (issue 11: "no module that a default Linux agent never calls is loaded"):
 * each costs RSS and start time for nothing.
 */
const NEVER_LOADED: [string, RegExp][] = [
  ['systeminformation (the portable source; Linux reads /proc)', /\/node_modules\/systeminformation\//],
  ["prom-client's index (default metrics, cluster, pushgateway)", /\/node_modules\/prom-client\/index\.js$/],
  ['OpenTelemetry (prom-client exemplars, never used)', /\/node_modules\/@opentelemetry\//],
];

describe('what a default Linux agent loads', () => {
  it('loads no module it never calls, after a start, a probe and a scrape', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hostfeed-footprint-')), 'modules.txt');
    const cli = await startCli(['--port', '0', '--host', '127.0.0.1'], { HOSTFEED_TEST_LOADED_MODULES: file }, { command: [process.execPath, '--require', PRELOAD, MAIN] });
    try {
      await until('healthy', async () => (await fetch(`${cli.url}/healthz`)).status, (status) => status === 200);
      expect((await fetch(`${cli.url}/metrics`)).status).toBe(200);
    } finally {
      expect((await stopCli(cli, 'SIGTERM')).problems).toEqual([]);
    }
    const loaded = readFileSync(file, 'utf8').split('\n');
    // The preload itself, the command and its own modules at least: the list was written.
    expect(loaded).toContain(MAIN);
    for (const [what, pattern] of NEVER_LOADED) expect({ what, files: loaded.filter((path) => pattern.test(path)) }).toEqual({ what, files: [] });
  });
});
