/**
 * The node_processes_* families against the real node_exporter (Debian's prometheus-node-exporter) with only its
 * processes collector, both reading the same procfs tree (--path.procfs, procfsRoot): the captured one of
 * test/fixtures/proc, and a synthetic one with the cases the capture lacks (threads in several states, a zombie,
 * a kernel thread, a name with spaces and parentheses, a pid listed but gone, a thread gone). The trees hold still, so
 * every family must be equal: names, HELP, types, series and values.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { startNodeExporter, type RunningNodeExporter } from '../../bench/node-exporter';
import { waitForUrl } from '../../bench/processes';
import { writeKernelLimits, writeProcess } from '../../bench/proc-tree';
import { parseExposition, type ParsedFamily } from '../helpers/exposition';
import { PROGRAMS, requireProgram } from '../helpers/programs';

const CAPTURE = join(__dirname, '../fixtures/proc');
const FAMILIES = [
  'node_processes_max_processes',
  'node_processes_max_threads',
  'node_processes_pids',
  'node_processes_state',
  'node_processes_threads',
  'node_processes_threads_state',
];

function syntheticTree(): string {
  const root = mkdtempSync(join(os.tmpdir(), 'hostfeed-ne-processes-'));
  writeKernelLimits(root, 4194304, 63704);
  copyFileSync(join(CAPTURE, 'stat'), join(root, 'stat')); // the agent's inventory (boot time, cores) reads it at start
  const process = { utime: 120, stime: 30, startTicks: 5000, rssPages: 900, uid: 1000, argv: ['/usr/bin/app', '--flag'] };
  writeProcess(root, { ...process, pid: 1, name: 'systemd', state: 'S' });
  writeProcess(root, { ...process, pid: 2, name: 'kthreadd', state: 'S', rssPages: 0, argv: [] });
  writeProcess(root, { ...process, pid: 9, name: 'kworker/0:1-events', state: 'I', rssPages: 0, argv: [] });
  writeProcess(root, { ...process, pid: 300, name: '(sd-pam)', state: 'S' });
  writeProcess(root, { ...process, pid: 310, name: 'tmux: server', state: 'R', otherThreads: ['R', 'S', 'D', 'S'] });
  writeProcess(root, { ...process, pid: 400, name: 'java', state: 'S', otherThreads: ['S', 'S', 'T', 'R', 'S', 'S'] });
  writeProcess(root, { ...process, pid: 500, name: 'defunct', state: 'Z', rssPages: 0, argv: [] });
  writeProcess(root, { ...process, pid: 510, name: 'dd', state: 'D' });
  writeProcess(root, { ...process, pid: 520, name: 'vim', state: 'T' });
  mkdirSync(join(root, '600')); // listed, its files gone: exited between the listing and the read
  rmSync(join(root, '400/task/402/stat')); // a thread that ended between the task listing and its stat
  return root;
}

/** Every collector but processes off: the synthetic tree has no other file, and /healthz is 200 only when each enabled one reads. */
const ONLY_PROCESSES = { cpu: { enabled: false }, memory: { enabled: false }, load: { enabled: false }, disk: { enabled: false }, network: { enabled: false }, pressure: { enabled: false } };

describe.each([
  ['the captured tree', () => CAPTURE],
  ['a synthetic tree of edge cases', syntheticTree],
])('node_processes_* on %s, next to node_exporter', (_name, makeTree) => {
  requireProgram(PROGRAMS.nodeExporter);
  let root: string;
  let agent: RunningAgent;
  let nodeExporter: RunningNodeExporter;
  let ours: Map<string, ParsedFamily>;
  let theirs: Map<string, ParsedFamily>;

  beforeAll(async () => {
    root = makeTree();
    const config = parseConfig({ port: 0, procfsRoot: root, collectors: ONLY_PROCESSES }, 'e2e');
    agent = await startAgent(config, { logger: silentLogger() });
    nodeExporter = await startNodeExporter(config, ['processes']);
    await waitForUrl(`${agent.url}/healthz`);
    const [a, b] = await Promise.all([fetch(`${agent.url}/metrics`), fetch(nodeExporter.metricsUrl)]);
    [ours, theirs] = [parseExposition(await a.text()), parseExposition(await b.text())];
  });

  afterAll(async () => {
    await nodeExporter?.stop();
    await agent?.stop();
    if (root !== CAPTURE) rmSync(root, { recursive: true, force: true });
  });

  it('serves each family as node_exporter does: HELP, type, series and values', () => {
    const sorted = (family: ParsedFamily | undefined) =>
      family && { ...family, samples: [...family.samples].sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels))) };
    for (const name of FAMILIES) expect(sorted(ours.get(name))).toEqual(sorted(theirs.get(name)));
  });

  it('and no other node_processes_ family than node_exporter\'s', () => {
    const names = (families: Map<string, ParsedFamily>) => [...families.keys()].filter((name) => name.startsWith('node_processes_')).sort();
    expect(names(ours)).toEqual(names(theirs));
    expect(names(ours)).toEqual(FAMILIES);
  });
});
