/**
 * examples/container/ has no container engine to run it here: what can be checked without one is that its config is
 * valid and points the agent at the host's /proc, /sys and / where compose.yaml and daemonset.yaml mount them read-only.
 * (test/integration/rootfs.test.ts checks what the agent does with rootfs.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../agent/config';

const DIR = join(__dirname, '../../examples/container');
const read = (file: string) => readFileSync(join(DIR, file), 'utf8');
const config = parseConfig(JSON.parse(read('agent.json')), 'examples/container/agent.json');

describe('examples/container', () => {
  it("agent.json is a valid config that reads the host's procfs, sysfs and root under /host, on every address", () => {
    expect(config).toMatchObject({ host: '0.0.0.0', procfsRoot: '/host/proc', rootfs: '/host/root', sysfsRoot: '/host/sys' });
  });

  it.each<[string, string]>([
    ['/proc', config.procfsRoot],
    ['/', config.rootfs],
    ['/sys', config.sysfsRoot],
  ])("compose.yaml and daemonset.yaml mount the host's %s read-only at %s", (host, inside) => {
    expect(read('compose.yaml')).toMatch(new RegExp(`^\\s+- ${host}:${inside}:ro(,rslave)?$`, 'm'));
    const name = /- \{ name: (\w+), hostPath: \{ path: (\S+) \} \}/g;
    const volume = [...read('daemonset.yaml').matchAll(name)].find((match) => match[2] === host)?.[1];
    expect(read('daemonset.yaml')).toContain(`- { name: ${volume}, mountPath: ${inside}, readOnly: true`);
  });

  it('runs the installed command on that config, as a user other than root, from node:20-slim', () => {
    const containerfile = read('Containerfile');
    expect(containerfile).toMatch(/^FROM node:20-slim$/m);
    expect(containerfile).toMatch(/^USER (?!root|0\b)\w+$/m);
    expect(containerfile).toMatch(/^ENTRYPOINT \["hostfeed", "--config", "\/etc\/hostfeed\/agent\.json"\]$/m);
    expect(containerfile).toMatch(/^COPY agent\.json \/etc\/hostfeed\/agent\.json$/m);
    expect(read('daemonset.yaml')).toMatch(/^\s+hostPID: false$/m);
  });
});
