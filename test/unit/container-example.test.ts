/**
 * examples/container/ has no container engine to run it here: what can be checked without one is that its config is
 * valid and points the agent at the host's /proc, /sys and / where compose.yaml and daemonset.yaml mount them read-only,
 * and that the history file lands on a volume the agent's user can write (the image's root file system is read-only).
 * (test/integration/rootfs.test.ts checks what the agent does with rootfs.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../agent/config';
import { historyPath } from '../../agent/history/persist';

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

  describe('the history file', () => {
    const containerfile = read('Containerfile');
    const stateDirectory = /^ENV STATE_DIRECTORY=(\S+)$/m.exec(containerfile)?.[1] ?? '';
    const file = historyPath(config.history.file, { STATE_DIRECTORY: stateDirectory });
    const directory = file.slice(0, file.lastIndexOf('/'));

    it('is under the state directory the image creates for its user, and declares as a volume', () => {
      expect(file).toMatch(/^\//);
      const user = /^USER (\w+)$/m.exec(containerfile)?.[1];
      expect(containerfile).toMatch(new RegExp(`install -d -o ${user} -g ${user} -m 07\\d0 ${directory}$`, 'm'));
      expect(containerfile).toContain(`VOLUME ${directory}\n`);
    });

    it('is on a writable volume in compose.yaml', () => {
      const compose = read('compose.yaml');
      const volume = new RegExp(`^\\s+- (\\w+):${directory}$`, 'm').exec(compose)?.[1];
      expect(volume).toBeDefined();
      expect(compose).toMatch(new RegExp(`^volumes:\\n  ${volume}:`, 'm'));
    });

    it("is on the node's disk in daemonset.yaml, writable, and handed to the pod's user first", () => {
      const daemonset = read('daemonset.yaml');
      const volume = new RegExp(`- \\{ name: (\\w+), hostPath: \\{ path: ${directory}, type: DirectoryOrCreate \\} \\}`).exec(daemonset)?.[1];
      expect(volume).toBeDefined();
      const mounts = [...daemonset.matchAll(new RegExp(`- \\{ name: ${volume}, mountPath: ${directory}( \\}|, readOnly: true)`, 'g'))];
      expect(mounts.map((match) => match[1])).toEqual([' }', ' }']);
      const uid = /runAsUser: (\d+)\n\s+runAsGroup: (\d+)/.exec(daemonset);
      expect(daemonset).toContain(`command: [chown, "${uid?.[1]}:${uid?.[2]}", ${directory}]`);
    });
  });
});
