/**
 * node_exporter's filesystem collector families (as of its 1.8: labels device, device_error, fstype, mountpoint, and
 * node_filesystem_mount_info). A mount whose statfs failed gets only device_error = 1 and readonly, with the error in
 * the device_error label, as node_exporter does: no sizes are invented for it.
 */
import type { MountReading } from '../sources/types';
import { family, type Family, type Labels } from './family';

/** What a source knows of its mounts beyond sizes: systeminformation has no inode counts nor device numbers. */
export interface MountFacts {
  inodes: boolean;
  deviceNumbers: boolean;
}

/** 1 when the per-mount or the superblock options say "ro" (node_exporter's issue #3157); undefined where unknown. */
function readonly({ options, superOptions }: MountReading): number | undefined {
  if (options.includes('ro') || superOptions?.includes('ro')) return 1;
  return options.includes('rw') ? 0 : undefined;
}

interface FilesystemFamily {
  name: string;
  help: string;
  /** undefined leaves the mount's series out: sizes of a mount statfs could not read. */
  value: (mount: MountReading) => number | undefined;
  needs?: keyof MountFacts;
}

const FAMILIES: FilesystemFamily[] = [
  { name: 'size_bytes', help: 'Filesystem size in bytes.', value: (m) => m.stats?.sizeBytes },
  { name: 'free_bytes', help: 'Filesystem free space in bytes.', value: (m) => m.stats?.freeBytes },
  { name: 'avail_bytes', help: 'Filesystem space available to non-root users in bytes.', value: (m) => m.stats?.availBytes },
  { name: 'files', help: 'Filesystem total file nodes.', value: (m) => m.stats?.files, needs: 'inodes' },
  { name: 'files_free', help: 'Filesystem total free file nodes.', value: (m) => m.stats?.filesFree, needs: 'inodes' },
  { name: 'readonly', help: 'Filesystem read-only status.', value: readonly },
  {
    name: 'device_error',
    help: 'Whether an error occurred while getting statistics for the given device.',
    value: (m) => (m.stats ? 0 : 1),
  },
];

function labelsOf(mount: MountReading): Labels {
  const deviceError = mount.stats ? '' : (mount.error ?? 'unknown error');
  return { device: mount.device, device_error: deviceError, fstype: mount.fstype, mountpoint: mount.mountpoint };
}

export function filesystemFamilies(mounts: readonly MountReading[], facts: MountFacts): Family[] {
  const families = FAMILIES.filter((spec) => !spec.needs || facts[spec.needs]).map((spec) =>
    family(`node_filesystem_${spec.name}`, spec.help, 'gauge', mounts.map((m) => [labelsOf(m), spec.value(m)])),
  );
  if (facts.deviceNumbers) {
    const readable = mounts.filter((m) => m.stats);
    const info = readable.map((m) => [{ device: m.device, major: String(m.major), minor: String(m.minor), mountpoint: m.mountpoint }, 1] as const);
    families.push(family('node_filesystem_mount_info', 'Filesystem mount information.', 'gauge', info));
  }
  return families;
}
