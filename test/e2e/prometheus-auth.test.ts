/**
 * examples/prometheus-auth.yml as a real Prometheus runs it: its secrets' paths and its targets replaced by a
 * temporary folder and an agent on loopback with TLS, a Basic user and a token. Both jobs must be up.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashSync } from 'bcryptjs';
import type { RunningAgent } from '../../agent/agent';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { PROGRAMS, requireProgram } from '../helpers/programs';
import { makeTestCertificate } from '../helpers/tls-cert';
import { HANG_GUARD_MS } from '../helpers/until';

const EXAMPLE = join(__dirname, '../../examples/prometheus-auth.yml');
const PASSWORD = 'prometheus-scrapes-with-this';
const TOKEN = 'a-token-for-the-second-job-0123';

interface Targets {
  data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
}

describe('examples/prometheus-auth.yml', () => {
  const prometheusPath = requireProgram(PROGRAMS.prometheus);
  const promtoolPath = requireProgram(PROGRAMS.promtool);
  let agent: RunningAgent;
  let prometheus: { child: ChildProcess; output: () => string } | undefined;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostfeed-prometheus-auth-'));
    const { certFile, keyFile } = makeTestCertificate(dir);
    agent = await startTestAgent({ tls: { certFile, keyFile }, auth: { token: TOKEN, basic: { prometheus: hashSync(PASSWORD, 4) } } });
    writeFileSync(join(dir, 'hostfeed-password'), PASSWORD);
    writeFileSync(join(dir, 'hostfeed-token'), TOKEN);
    writeFileSync(join(dir, 'hostfeed-ca.pem'), readFileSync(certFile));
    config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      readFileSync(EXAMPLE, 'utf8')
        .replaceAll('/etc/prometheus/secrets/', `${dir}/`)
        .replace(/targets: \[[^\]]*\]/g, `targets: ['127.0.0.1:${agent.port}']`)
        .replace(/(scrape_interval|evaluation_interval): 15s/g, '$1: 1s')
        // The token job trusts the test certificate too (a public CA's needs no tls_config).
        .replace(/(credentials_file: .*\n)/, `$1    tls_config: { ca_file: ${dir}/hostfeed-ca.pem }\n`),
    );
  });

  afterAll(async () => {
    if (prometheus) await stopProcess(prometheus.child);
    await stopTestAgents();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes promtool check config', async () => {
    const { stdout } = await promisify(execFile)(promtoolPath, ['check', 'config', config]);
    expect(stdout).toContain('SUCCESS');
  });

  it('scrapes the agent with the Basic user and with the token', async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    prometheus = startProcess(prometheusPath, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    await waitForUrl(`${api}/-/ready`, HANG_GUARD_MS);
    const deadline = Date.now() + HANG_GUARD_MS;
    let targets: Targets['data']['activeTargets'] = [];
    while (Date.now() < deadline) {
      targets = ((await (await fetch(`${api}/api/v1/targets`)).json()) as Targets).data.activeTargets;
      if (targets.length === 2 && targets.every((t) => t.health === 'up')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(targets.map((t) => [t.labels.job, t.health, t.lastError]).sort()).toEqual([
      ['node', 'up', ''],
      ['node-token', 'up', ''],
    ]);
  });
});
