/**
 * One fleet file for Prometheus and the viewer: examples/prometheus.yml run by a real Prometheus (its intervals made
 * 1 s) whose file_sd reads a targets file in a temporary folder, and an agent whose viewer.agents names the same file.
 * The file first names one agent, then two: Prometheus discovers and scrapes both, and the page lists both.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent';
import { freePort, startProcess, stopProcess, waitForUrl } from '../../bench/processes';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { PROGRAMS, requireProgram } from '../helpers/programs';
import { HANG_GUARD_MS, until } from '../helpers/until';

const EXAMPLE = join(__dirname, '../../examples/prometheus.yml');

interface Target {
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  health: string;
  scrapeUrl: string;
}

describe('examples/prometheus.yml and viewer.agents on one targets file', () => {
  const prometheusPath = requireProgram(PROGRAMS.prometheus);
  let prometheus: { child: ChildProcess; output: () => string } | undefined;
  let dir: string;
  let fleetFile: string;
  let api: string;
  let viewerAgent: RunningAgent;
  let other: RunningAgent;

  /** Written as configuration tools do (a file renamed over the old one), which Prometheus's file watch sees. */
  const writeFleet = (agents: [RunningAgent, string][]) => {
    const groups = agents.map(([agent, hostname]) => ({ targets: [`127.0.0.1:${agent.port}`], labels: { env: 'test', hostname } }));
    writeFileSync(`${fleetFile}.next`, JSON.stringify(groups));
    renameSync(`${fleetFile}.next`, fleetFile);
  };

  /** The targets Prometheus found in the file (the example's static target aside), by instance. */
  const fileTargets = async () => {
    const { data } = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: Target[] } };
    const fromFile = data.activeTargets.filter((t) => t.discoveredLabels.__meta_filepath === fleetFile);
    return Object.fromEntries(fromFile.map((t) => [t.labels.instance!, { health: t.health, scrapeUrl: t.scrapeUrl, env: t.labels.env }]));
  };
  const pageAgents = async () => ((await (await fetch(`${viewerAgent.url}/viewer-config.json`)).json()) as { agents: string[] }).agents;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostfeed-file-sd-'));
    mkdirSync(join(dir, 'targets'));
    fleetFile = join(dir, 'targets/hostfeed-fleet.json');
    viewerAgent = await startTestAgent({ viewer: { agents: fleetFile } });
    other = await startTestAgent();
    writeFleet([[viewerAgent, 'agent-a']]);
    // The example as it is, but for its intervals; its file_sd path is relative to the config, so it finds targets/.
    writeFileSync(join(dir, 'prometheus.yml'), readFileSync(EXAMPLE, 'utf8').replace(/(scrape_interval|evaluation_interval): 15s/g, '$1: 1s'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = startProcess(prometheusPath, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    await waitForUrl(`${api}/-/ready`, HANG_GUARD_MS);
  });

  afterAll(async () => {
    if (prometheus) await stopProcess(prometheus.child);
    await stopTestAgents();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('discovers the agents the file names, and follows its changes, as the page does', async () => {
    const a = { health: 'up', scrapeUrl: `http://127.0.0.1:${viewerAgent.port}/metrics`, env: 'test' };
    expect(await until('agent-a scraped', fileTargets, (t) => t['agent-a']?.health === 'up')).toEqual({ 'agent-a': a });
    expect(await pageAgents()).toEqual([viewerAgent.url]);

    writeFleet([[viewerAgent, 'agent-a'], [other, 'agent-b']]);
    const both = await until('agent-b scraped too', fileTargets, (t) => t['agent-a']?.health === 'up' && t['agent-b']?.health === 'up');
    expect(both).toEqual({ 'agent-a': a, 'agent-b': { health: 'up', scrapeUrl: `http://127.0.0.1:${other.port}/metrics`, env: 'test' } });
    expect(await pageAgents()).toEqual([viewerAgent.url, other.url]);
  });
});
