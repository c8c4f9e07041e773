/**
 * `promtool check metrics` (Debian package prometheus) on the real agent's /metrics over this host's /proc. Exit 0,
 * or exit 3 with lint warnings only for the names listed here: node_exporter's own /proc/meminfo names, which
 * dashboards and alerts depend on and which promtool calls camelCase. Any other warning, or an error, fails.
 * Also `promtool check config` on the example configuration.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { waitForUrl } from '../../bench/processes';
import { PROGRAMS, requireProgram } from '../helpers/programs';

/** node_exporter's meminfo names that draw promtool's camelCase warning, on any kernel (proc(5)'s fields). */
const NODE_EXPORTER_CAMEL_CASE = new Set(
  [
    'AnonHugePages', 'AnonPages', 'CmaFree', 'CmaTotal', 'CommitLimit', 'DirectMap1G', 'DirectMap2M', 'DirectMap4M', 'DirectMap4k',
    'FileHugePages', 'FilePmdMapped', 'HardwareCorrupted', 'HighFree', 'HighTotal', 'KernelStack', 'LowFree', 'LowTotal', 'MemAvailable',
    'MemFree', 'MemTotal', 'MmapCopy', 'PageTables', 'SecPageTables', 'ShmemHugePages', 'ShmemPmdMapped', 'SwapCached', 'SwapFree',
    'SwapTotal', 'VmallocChunk', 'VmallocTotal', 'VmallocUsed', 'WritebackTmp',
  ]
    .map((field) => `node_memory_${field}_bytes`)
    .concat(['node_memory_HugePages_Free', 'node_memory_HugePages_Rsvd', 'node_memory_HugePages_Surp', 'node_memory_HugePages_Total']),
);
const CAMEL_CASE_WARNING = "metric names should be written in 'snake_case' not 'camelCase'";

function runPromtool(promtool: string, args: string[], stdin = ''): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(stdin);
  });
}

describe('promtool check metrics', () => {
  const promtool = requireProgram(PROGRAMS.promtool);
  let agent: RunningAgent;

  beforeAll(async () => {
    agent = await startAgent(parseConfig({ port: 0 }, 'e2e'), { logger: silentLogger() });
    await waitForUrl(`${agent.url}/healthz`);
  });

  afterAll(() => agent.stop());

  it('passes, apart from the camelCase warnings node_exporter\'s own meminfo names draw', async () => {
    const exposition = await (await fetch(`${agent.url}/metrics`)).text();
    expect(exposition).toMatch(/^node_memory_MemTotal_bytes /m);
    const { code, output } = await runPromtool(promtool, ['check', 'metrics'], exposition);
    const warnings = output.split('\n').filter(Boolean);
    const unaccepted = warnings.filter((line) => {
      const [name, ...message] = line.split(' ');
      return !(NODE_EXPORTER_CAMEL_CASE.has(name!) && message.join(' ') === CAMEL_CASE_WARNING);
    });
    expect(unaccepted).toEqual([]);
    expect(code === 0 || (code === 3 && warnings.length > 0)).toBe(true);
  });

  it('examples/prometheus.yml is a valid configuration, its target files included', async () => {
    const { code, output } = await runPromtool(promtool, ['check', 'config', join(__dirname, '../../examples/prometheus.yml')]);
    expect(output).not.toMatch(/WARNING|FAILED/);
    expect(code).toBe(0);
  });
});
