/**
 * `rootfs` (node_exporter's --path.rootfs), without a container engine: a fake host root in a temp dir, whose
 * proc/1/mountinfo names mount points that exist only under it. The agent, with procfsRoot and rootfs pointed there,
 * reports each mount under the host's path, with the figures of the path under rootfs. The figures to match come
 * from coreutils' `stat -f` (statfs(2) as another program reads it), on the prefixed paths.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource } from '../../agent/sources';
import { parseConfig } from '../../agent/config';
import { parseExposition } from '../helpers/exposition';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { until } from '../helpers/until';

const FIXTURE = join(__dirname, '../fixtures/proc');

/** statfs of `path` by coreutils: node_exporter's size (blocks x f_bsize) and inode count. */
function statF(path: string): { sizeBytes: number; files: number } {
  const [bsize, blocks, files] = execFileSync('stat', ['-f', '--format=%s %b %c', path], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return { sizeBytes: bsize! * blocks!, files: files! };
}

const host = mkdtempSync(join(tmpdir(), 'hostfeed-rootfs-'));
const proc = join(host, 'proc');
afterAll(async () => {
  await stopTestAgents();
  rmSync(host, { recursive: true, force: true });
});

beforeAll(() => {
  mkdirSync(join(proc, '1'), { recursive: true });
  for (const file of ['stat', 'meminfo', 'loadavg', 'diskstats', 'cpuinfo']) copyFileSync(join(FIXTURE, file), join(proc, file));
  // /srv/data: a directory of the fake root (the temp dir's file system). /scratch: /dev/shm's tmpfs seen through a
  // symlink, as a mount would be, so that the two mount points have different file systems and so figures.
  mkdirSync(join(host, 'srv/data'), { recursive: true });
  symlinkSync('/dev/shm', join(host, 'scratch'));
  writeFileSync(
    join(proc, '1/mountinfo'),
    [
      '30 1 254:1 / /srv/data rw,relatime shared:1 - ext4 /dev/vdb1 rw',
      '31 1 0:27 / /scratch rw,nosuid,nodev shared:2 - tmpfs tmpfs rw,size=1024k',
      '',
    ].join('\n'),
  );
});

type ByMount = Record<string, Record<string, number | string>>;

/** node_filesystem_* samples of one /metrics by mountpoint. */
function byMountpoint(exposition: string): ByMount {
  const families = parseExposition(exposition);
  const byMount: ByMount = {};
  for (const name of ['node_filesystem_size_bytes', 'node_filesystem_files', 'node_filesystem_device_error']) {
    for (const sample of families.get(name)?.samples ?? []) {
      byMount[sample.labels.mountpoint!] ??= { device: sample.labels.device!, fstype: sample.labels.fstype! };
      byMount[sample.labels.mountpoint!]![name] = sample.value;
    }
  }
  return byMount;
}

/** The agent's filesystems, on the fake host's procfs, with or without rootfs. */
async function filesystems(rootfs?: string): Promise<ByMount> {
  const config = { procfsRoot: proc, ...(rootfs ? { rootfs } : {}) };
  // The first disk read starts the statfs thread, which can take seconds on a loaded machine: a read cut by the
  // collector's timeout would leave its statfs outstanding, and the next read would report that mount as stuck.
  const agent = await startTestAgent(
    { ...config, collectors: { disk: { timeout: '1m' } } },
    await createSource(parseConfig({ source: 'procfs', ...config }, 'test')),
  );
  return until(
    'both mounts in /metrics',
    async () => byMountpoint(await (await fetch(`${agent.url}/metrics`)).text()),
    (byMount) => '/srv/data' in byMount && '/scratch' in byMount,
  );
}

describe('rootfs', () => {
  it("stats each mount point under rootfs and labels it with the host's path", async () => {
    const byMount = await filesystems(host);
    const data = statF(join(host, 'srv/data'));
    const scratch = statF(join(host, 'scratch'));
    expect(data.sizeBytes).not.toBe(scratch.sizeBytes); // two file systems: each figure says which path was read
    expect(byMount['/srv/data']).toEqual({
      device: '/dev/vdb1',
      fstype: 'ext4',
      node_filesystem_device_error: 0,
      node_filesystem_size_bytes: data.sizeBytes,
      node_filesystem_files: data.files,
    });
    expect(byMount['/scratch']).toMatchObject({ node_filesystem_device_error: 0, node_filesystem_size_bytes: scratch.sizeBytes, node_filesystem_files: scratch.files });
    expect(Object.keys(byMount).sort()).toEqual(['/scratch', '/srv/data']);
  });

  it('without it, the same mount points are looked for on this machine, where they do not exist', async () => {
    const byMount = await filesystems();
    expect(byMount['/srv/data']).toMatchObject({ node_filesystem_device_error: 1 });
    expect(byMount['/scratch']).toMatchObject({ node_filesystem_device_error: 1 });
  });
});
