import { writeText } from '../../agent/metrics/exposition';
import { filesystemFamilies, type MountFacts } from '../../agent/metrics/filesystem';
import type { MountReading } from '../../agent/sources/types';
import { FAKE_MOUNT } from '../helpers/fake-source';

const PROCFS: MountFacts = { inodes: true, deviceNumbers: true };
const SYSTEMINFORMATION: MountFacts = { inodes: false, deviceNumbers: false };

const ROOT_LABELS = 'device="/dev/sda1",device_error="",fstype="ext4",mountpoint="/"';

function seriesLines(mounts: MountReading[], facts = PROCFS): string[] {
  return writeText(filesystemFamilies(mounts, facts))
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));
}

describe('filesystem families', () => {
  it('a readable mount: sizes, inodes, readonly, device_error 0 and mount_info, labelled as node_exporter 1.8+', () => {
    expect(seriesLines([FAKE_MOUNT])).toEqual([
      `node_filesystem_avail_bytes{${ROOT_LABELS}} 37580963840`,
      `node_filesystem_device_error{${ROOT_LABELS}} 0`,
      `node_filesystem_files{${ROOT_LABELS}} 6000000`,
      `node_filesystem_files_free{${ROOT_LABELS}} 5000000`,
      `node_filesystem_free_bytes{${ROOT_LABELS}} 42949672960`,
      'node_filesystem_mount_info{device="/dev/sda1",major="8",minor="1",mountpoint="/"} 1',
      `node_filesystem_readonly{${ROOT_LABELS}} 0`,
      `node_filesystem_size_bytes{${ROOT_LABELS}} 107374182400`,
    ]);
  });

  it('a mount statfs failed on: only device_error 1 and readonly, the error in the device_error label', () => {
    const failed: MountReading = {
      ...FAKE_MOUNT,
      mountpoint: '/mnt/nfs',
      device: 'server:/export',
      fstype: 'nfs4',
      stats: null,
      error: 'mountpoint timeout',
    };
    const labels = 'device="server:/export",device_error="mountpoint timeout",fstype="nfs4",mountpoint="/mnt/nfs"';
    expect(seriesLines([failed])).toEqual([`node_filesystem_device_error{${labels}} 1`, `node_filesystem_readonly{${labels}} 0`]);
  });

  it('a failed mount without a reason still has a device_error label: an empty one means no error, as node_exporter writes it', () => {
    const failed: MountReading = { ...FAKE_MOUNT, stats: null };
    const deviceError = seriesLines([failed]).map((line) => /device_error="([^"]*)"/.exec(line)?.[1]);
    expect(deviceError).toHaveLength(2);
    for (const label of deviceError) expect(label).toMatch(/./);
  });

  it('read-only when the superblock says so even if the mount options say rw (node_exporter #3157)', () => {
    const remounted: MountReading = { ...FAKE_MOUNT, options: ['rw', 'relatime'], superOptions: ['ro', 'errors=remount-ro'] };
    expect(seriesLines([remounted])).toContain(`node_filesystem_readonly{${ROOT_LABELS}} 1`);
    // And, as node_exporter always did, when the mount itself is read-only on a read-write filesystem (a ro bind mount).
    const bound: MountReading = { ...FAKE_MOUNT, options: ['ro', 'relatime'], superOptions: ['rw'] };
    expect(seriesLines([bound])).toContain(`node_filesystem_readonly{${ROOT_LABELS}} 1`);
  });

  it("node_filesystem_mount_info: the HELP of node_exporter's filesystem_common.go", () => {
    const info = filesystemFamilies([FAKE_MOUNT], PROCFS).find((f) => f.name === 'node_filesystem_mount_info');
    expect(info?.help).toBe('Filesystem mount information.');
  });

  it('never a duplicate series: a mount listed twice with the same labels is served once', () => {
    const lines = seriesLines([FAKE_MOUNT, { ...FAKE_MOUNT, stats: { ...FAKE_MOUNT.stats!, sizeBytes: 1 } }]);
    const sizes = lines.filter((line) => line.startsWith('node_filesystem_size_bytes'));
    expect(sizes).toEqual([`node_filesystem_size_bytes{${ROOT_LABELS}} 107374182400`]);
    expect(new Set(lines.map((line) => line.slice(0, line.lastIndexOf(' ')))).size).toBe(lines.length);
  });

  it('systeminformation: sizes only where faithful, no inode counts, no device numbers, readonly only when known', () => {
    const { major: _major, minor: _minor, ...withoutNumbers } = FAKE_MOUNT;
    const sizes = { sizeBytes: FAKE_MOUNT.stats!.sizeBytes, freeBytes: FAKE_MOUNT.stats!.freeBytes, availBytes: FAKE_MOUNT.stats!.availBytes };
    const known: MountReading = { ...withoutNumbers, options: ['rw'], stats: sizes };
    const unknown: MountReading = { ...withoutNumbers, mountpoint: '/data', options: [], stats: sizes };
    const lines = seriesLines([known, unknown], SYSTEMINFORMATION);
    expect(lines.some((line) => /^node_filesystem_(files|files_free|mount_info)\{/.test(line))).toBe(false);
    expect(lines.filter((line) => line.startsWith('node_filesystem_readonly'))).toEqual([`node_filesystem_readonly{${ROOT_LABELS}} 0`]);
    expect(lines).toContain('node_filesystem_size_bytes{device="/dev/sda1",device_error="",fstype="ext4",mountpoint="/data"} 107374182400');
  });
});
